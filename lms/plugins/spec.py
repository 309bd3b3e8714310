"""Hook specifications: everything a plugin can add to the LMS.

Grouped by kind. Collector hooks return lists of the records in ``lms.plugins.types``;
event hooks fire after the database commit of the change they describe and return nothing.
Every hook is documented in docs/plugins.md and tested in tests/plugins/.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import click
import pluggy
from flask import Blueprint

from lms.plugins.types import (
    CertificateTemplate,
    CompletionRule,
    Job,
    NavItem,
    Report,
    SlotContent,
    StepType,
    Widget,
)

if TYPE_CHECKING:
    from lms.accounts.models import User
    from lms.catalogue.models import Course, Module, Step
    from lms.certificates.models import Certificate
    from lms.cohorts.models import Enrolment
    from lms.live.models import Attendance, Booking, LiveSession

hookspec = pluggy.HookspecMarker("lms")
hookimpl = pluggy.HookimplMarker("lms")


# -- Setup: called once at start-up ---------------------------------------------------------


@hookspec
def lms_blueprints() -> list[Blueprint]:
    """Blueprints this plugin serves. Called once at start-up.

    Each blueprint's name must equal the plugin's name (or start with ``<name>_``); its URLs
    are mounted under ``/p/<name>``. Example: ``return [Blueprint("feedback", __name__)]``.
    """
    raise AssertionError("hookspec")


@hookspec
def lms_cli_commands() -> list[click.Command]:
    """Click commands added under ``flask --app wsgi <plugin-name> ...``. Called once.

    Example: ``return [click.Command("export", callback=export)]``.
    """
    raise AssertionError("hookspec")


@hookspec
def lms_step_types() -> list[StepType]:
    """Step types that course files may use (``type: <key>``). Called once at start-up.

    Keys must not clash with the core's types (text, video, download, reflection, quiz).
    """
    raise AssertionError("hookspec")


@hookspec
def lms_completion_rules() -> list[CompletionRule]:
    """Completion rules course files may name, checked by the completion engine in the same
    request that records progress. Called once at start-up; keys are global."""
    raise AssertionError("hookspec")


@hookspec
def lms_scheduled_jobs() -> list[Job]:
    """Periodic jobs for the single scheduler process (``flask lms scheduler``).

    Called once when the scheduler starts, never in web workers. Jobs must be idempotent.
    """
    raise AssertionError("hookspec")


@hookspec
def lms_certificate_templates() -> list[CertificateTemplate]:
    """Certificate designs a course can choose by key. Called once at start-up."""
    raise AssertionError("hookspec")


@hookspec
def lms_reports() -> list[Report]:
    """Reports shown to people allowed ``Report.permission``. Called once at start-up."""
    raise AssertionError("hookspec")


# -- Pages: called while rendering; keep them cheap ------------------------------------------


@hookspec
def lms_nav_items(user: User) -> list[NavItem]:
    """Links this plugin adds to the main navigation for ``user`` (signed in).

    Called on every page. Return ``[]`` when the user has nothing to see.
    """
    raise AssertionError("hookspec")


@hookspec
def lms_dashboard_widgets(user: User) -> list[Widget]:
    """Panels on ``user``'s dashboard. Called on each dashboard view.

    A widget that raises is logged and left out (re-raised under testing).
    """
    raise AssertionError("hookspec")


@hookspec
def lms_template_slot(name: str, context: dict[str, Any]) -> list[SlotContent]:
    """HTML for the named slot of a core page, e.g. ``course_outline`` or ``dashboard_top``.

    A plugin declares the slots it fills in ``Plugin.slots`` (checked at start-up) and is
    only asked for those. ``context`` holds the objects the page passes to ``slot()``.
    """
    raise AssertionError("hookspec")


# -- Events: fired after the commit of the change they describe -----------------------------


@hookspec
def lms_user_created(user: User) -> None:
    """A person's account was created (by an admin, a CLI command or bulk enrolment)."""


@hookspec
def lms_enrolled(enrolment: Enrolment) -> None:
    """A person was enrolled on a cohort (any source)."""


@hookspec
def lms_step_completed(user: User, step: Step) -> None:
    """``user`` completed ``step`` for the first time."""


@hookspec
def lms_module_completed(user: User, module: Module) -> None:
    """``user`` completed every required step of ``module`` for the first time."""


@hookspec
def lms_course_completed(user: User, course: Course) -> None:
    """``user`` met ``course``'s completion rule for the first time."""


# -- Events of live sessions (lms.live): fired after the commit of the change ---------------


@hookspec
def lms_session_booked(booking: Booking) -> None:
    """Someone was booked on a live session, or joined its waiting list when it was full.

    Fires after the commit of ``lms.live.services.book`` (the person themselves, or a host or
    manager on their behalf) and of ``add_to_register``. ``booking.status`` is ``booked`` or
    ``waitlisted``; ``booking.session`` is the session, ``booking.user`` the person (None for
    someone booked by name only, see ``booking.name``). Returns nothing.

    Example: ``if booking.status == "booked": outbox.queue_confirmation(booking)``.
    """


@hookspec
def lms_promoted_from_waitlist(booking: Booking) -> None:
    """A place freed up and the first person waiting now has it (first come, first served).

    Fires after the commit of a cancellation (``cancel_booking``) or a raised capacity
    (``update_session``), once per person promoted; ``booking.status`` is now ``booked`` and
    ``booking.promoted_at`` is set. The way to tell people they have a place. Returns nothing.

    Example: ``outbox.queue("You have a place", to=booking.user, session=booking.session)``.
    """


@hookspec
def lms_session_rescheduled(session: LiveSession) -> None:
    """A live session moved to new times; every booking and the waiting list were kept.

    Fires after the commit of ``reschedule``. ``session.starts_at``/``ends_at`` (naive UTC)
    and ``session.timezone`` hold the new times; ``session.sequence`` has been raised so
    calendars update. Read who to tell from ``session``'s bookings. Returns nothing.

    Example: ``for b in live.bookings_of(session): outbox.queue_new_time(b, session)``.
    """


@hookspec
def lms_session_cancelled(session: LiveSession) -> None:
    """A host cancelled a live session; ``session.cancel_reason`` says why (for example
    “cancelled by the establishment: staffing”).

    Fires after the commit of ``cancel_session``, once. Bookings are kept (so people can
    see what happened) and the session never counts against anyone's attendance. Returns
    nothing.

    Example: ``outbox.queue_cancellation(session, reason=session.cancel_reason)``.
    """


@hookspec
def lms_attendance_recorded(session: LiveSession, attendances: list[Attendance]) -> None:
    """A register was taken or corrected for ``session``.

    Fires after the commit of ``record_attendance`` with the rows that changed (each has
    ``booking``, ``status``: present, partial, absent or excused, and ``minutes`` for
    partial). Completion has already been recomputed in the same commit. Returns nothing.

    Example: ``exports.queue(session, [a for a in attendances if a.status != "absent"])``.
    """


# -- Events of certificates (lms.certificates): fired after the commit of the change --------


@hookspec
def lms_certificate_issued(certificate: Certificate) -> None:
    """A certificate was issued: the first for an enrolment, or a reissue replacing one.

    Fires after the commit that issued it, once per certificate: when the learner confirms
    their name, when a completion or register earns it, from a bulk issue, or from an
    admin's reissue (the old certificate's ``replaced_by_id`` then points to this one).
    ``certificate.code`` is the public verification code. Returns nothing.

    Example: ``outbox.queue_certificate_ready(certificate.user, certificate)``.
    """
