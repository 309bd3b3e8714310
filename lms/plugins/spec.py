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
    from lms.cohorts.models import Enrolment

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
