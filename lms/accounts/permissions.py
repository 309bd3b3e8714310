"""Who may do what: the single ``can(user, action, obj)`` every route goes through."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

from flask import abort
from sqlalchemy import bindparam, exists, select

from lms.accounts.models import Membership, Organisation, User
from lms.catalogue.models import Course, Step
from lms.certificates.models import Certificate, CertificateBatch
from lms.cohorts.models import Cohort, CohortFacilitator, Enrolment
from lms.db import request_memo
from lms.extensions import db
from lms.live.models import Booking, LiveSession
from lms.live.queries import live_booking
from lms.progress.models import CourseCompletion, Reflection

Rule = Callable[[User, Any], bool]
_RULES: dict[str, Rule] = {}


def rule(*actions: str) -> Callable[[Rule], Rule]:
    def register(fn: Rule) -> Rule:
        for action in actions:
            if action in _RULES:
                raise ValueError(f"Permission {action!r} is defined twice")
            _RULES[action] = fn
        return fn

    return register


def can(user: Any, action: str, obj: Any = None) -> bool:
    """True if ``user`` (possibly anonymous) may do ``action`` to ``obj``.

    Admins may do everything except act as a learner on someone else's behalf.
    """
    if action not in _RULES:
        raise KeyError(f"Unknown permission {action!r}")
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return _RULES[action](user, obj)


def require(allowed: bool) -> None:
    """Stop the request with 403 unless ``allowed``."""
    if not allowed:
        abort(403)


def actions() -> list[str]:
    return sorted(_RULES)


# -- helpers ------------------------------------------------------------------------------


def is_enrolled(user: User, course: Course) -> bool:
    query = select(
        exists().where(
            Enrolment.user_id == user.id,
            Enrolment.cohort_id == Cohort.id,
            Cohort.course_id == course.id,
            Enrolment.status.in_(("active", "completed", "invited")),
        )
    )
    return request_memo(("enrolled", user.id, course.id), lambda: bool(db.session.scalar(query)))


def facilitates_course(user: User, course: Course) -> bool:
    return bool(
        db.session.scalar(
            select(
                exists().where(
                    CohortFacilitator.user_id == user.id,
                    CohortFacilitator.cohort_id == Cohort.id,
                    Cohort.course_id == course.id,
                )
            )
        )
    )


def facilitates(user: User, cohort: Cohort) -> bool:
    return any(f.id == user.id for f in cohort.facilitators)


def _role_columns(user_id: Any) -> tuple[Any, ...]:
    manages_any = exists().where(Membership.user_id == user_id, Membership.role == "manager")
    facilitates_any = exists().where(CohortFacilitator.user_id == user_id)
    # a certificate, or a completed course that may have earned one
    holds_any = exists().where(Certificate.user_id == user_id) | exists().where(
        CourseCompletion.user_id == user_id
    )
    return (
        manages_any.label("manages_any"),
        facilitates_any.label("facilitates_any"),
        holds_any.label("holds_any"),
    )


Roles = tuple[bool, bool, bool]


def _roles(user: User) -> Roles:
    """(manages an organisation, facilitates a cohort, has certificates or may have earned
    one): asked once per request, with the person when they are the one signed in."""

    def ask() -> Roles:
        row = db.session.execute(select(*_role_columns(user.id))).one()
        return bool(row[0]), bool(row[1]), bool(row[2])

    return request_memo(("roles", user.id), ask)


@cache
def _signed_in_query() -> Any:
    return select(User, *_role_columns(User.id)).where(User.id == bindparam("user_id"))


def load_signed_in(user_id: int) -> User | None:
    """The signed-in person and their roles, in one query at the start of a request."""
    row = db.session.execute(_signed_in_query(), {"user_id": user_id}).first()
    if row is None:
        return None
    user, *facts = row
    roles: Roles = (bool(facts[0]), bool(facts[1]), bool(facts[2]))
    request_memo(("roles", user.id), lambda: roles)
    return user


def holds_certificates(user: User) -> bool:
    return _roles(user)[2]


def is_facilitator(user: User) -> bool:
    return _roles(user)[1]


def manages(user: User, organisation: Organisation) -> bool:
    managed = user.organisation_ids("manager")
    org: Organisation | None = organisation
    while org is not None:
        if org.id in managed:
            return True
        org = org.parent
    return False


def is_manager(user: User) -> bool:
    return _roles(user)[0]


# -- rules --------------------------------------------------------------------------------


@rule("use_site")
def _signed_in(user: User, _obj: Any) -> bool:
    return True


@rule("administer")
def _admin(user: User, _obj: Any) -> bool:
    return user.is_admin


@rule("view_course")
def _view_course(user: User, course: Course) -> bool:
    if course.retired:
        return user.is_admin
    return (
        course.enrolment == "open"
        or user.is_admin
        or is_enrolled(user, course)
        or facilitates_course(user, course)
    )


@rule("start_course")
def _start_course(user: User, course: Course) -> bool:
    return course.enrolment == "open" and not course.retired


@rule("view_step")
def _view_step(user: User, step: Step) -> bool:
    course = step.module.course
    return is_enrolled(user, course) or user.is_admin or facilitates_course(user, course)


@rule("record_progress")
def _record_progress(user: User, step: Step) -> bool:
    return step.retired_at is None and is_enrolled(user, step.module.course)


@rule("view_reflection")
def _view_reflection(user: User, reflection: Reflection) -> bool:
    if reflection.user_id == user.id:
        return True
    if reflection.shared_with_cohort_id is None:
        return False
    return bool(
        db.session.scalar(
            select(
                exists().where(
                    CohortFacilitator.user_id == user.id,
                    CohortFacilitator.cohort_id == reflection.shared_with_cohort_id,
                )
            )
        )
    )


@rule("read_shared_reflections")
def _read_shared(user: User, cohort: Cohort) -> bool:
    """Only the cohort's facilitators: learners are told exactly that when they share."""
    return facilitates(user, cohort)


@rule("edit_reflection")
def _edit_reflection(user: User, reflection: Reflection) -> bool:
    return reflection.user_id == user.id


@rule("facilitate")
def _facilitate(user: User, _obj: Any) -> bool:
    return user.is_admin or is_facilitator(user)


@rule("view_cohort")
def _view_cohort(user: User, cohort: Cohort) -> bool:
    return user.is_admin or facilitates(user, cohort)


@rule("create_cohort")
def _create_cohort(user: User, _obj: Any) -> bool:
    return user.is_admin or is_facilitator(user)


@rule("edit_cohort", "manage_enrolments")
def _run_cohort(user: User, cohort: Cohort) -> bool:
    return user.is_admin or facilitates(user, cohort)


@rule("join_cohort")
def _join_cohort(user: User, cohort: Cohort) -> bool:
    return cohort.enrolment_mode == "open" and not cohort.course.retired


@rule("book_places")
def _book_places(user: User, organisation: Organisation) -> bool:
    return user.is_admin or manages(user, organisation)


@rule("view_organisations")
def _view_organisations(user: User, _obj: Any) -> bool:
    return user.is_admin or is_manager(user)


@rule("view_organisation")
def _view_organisation(user: User, organisation: Organisation) -> bool:
    return user.is_admin or manages(user, organisation)


@rule("manage_organisations", "manage_users", "view_audit", "manage_plugins")
def _admin_only(user: User, _obj: Any) -> bool:
    return user.is_admin


@rule("issue_sign_in_code")
def _issue_code(user: User, subject: User) -> bool:
    return user.is_admin and subject.id != user.id


def members_of(organisation: Organisation) -> Any:
    """A select of the users in ``organisation`` (for queries, not a permission)."""
    return select(User).join(Membership).where(Membership.organisation_id == organisation.id)


# -- live sessions ------------------------------------------------------------------------

TAKING_PART = ("active", "completed", "invited")


def takes_part(user: User, cohort: Cohort, statuses: tuple[str, ...] = TAKING_PART) -> bool:
    return bool(
        db.session.scalar(
            select(
                exists().where(
                    Enrolment.user_id == user.id,
                    Enrolment.cohort_id == cohort.id,
                    Enrolment.status.in_(statuses),
                )
            )
        )
    )


def hosts(user: User, session: LiveSession) -> bool:
    """Admins, and the facilitators of the session's cohort, run a session."""
    return user.is_admin or (session.cohort is not None and facilitates(user, session.cohort))


@rule("schedule_session")
def _schedule_session(user: User, cohort: Cohort) -> bool:
    return user.is_admin or facilitates(user, cohort)


@rule("host_session")
def _host_session(user: User, session: LiveSession) -> bool:
    return hosts(user, session)


@rule("view_cohort_sessions")
def _view_cohort_sessions(user: User, cohort: Cohort) -> bool:
    return user.is_admin or facilitates(user, cohort) or takes_part(user, cohort)


@rule("view_session")
def _view_session(user: User, session: LiveSession) -> bool:
    if hosts(user, session):
        return True
    if session.cohort is not None and takes_part(user, session.cohort):
        return True
    return live_booking(user, session) is not None


#: Enrolment statuses that may book places on a cohort's sessions.
BOOKING_STATUSES = ("active", "completed")


def open_for_booking(session: LiveSession) -> bool:
    """A cohort's session that is going ahead and still taking bookings."""
    return session.cohort is not None and not session.is_cancelled and not session.booking_closed()


@rule("book_session")
def _book_session(user: User, session: LiveSession) -> bool:
    cohort = session.cohort
    return (
        cohort is not None
        and open_for_booking(session)
        and takes_part(user, cohort, BOOKING_STATUSES)
    )


@rule("see_session_link")
def _see_session_link(user: User, session: LiveSession) -> bool:
    booking = live_booking(user, session)
    return (booking is not None and booking.status == "booked") or hosts(user, session)


@rule("cancel_booking")
def _cancel_booking(user: User, booking: Booking) -> bool:
    if booking.status == "cancelled":
        return False
    return booking.user_id == user.id or hosts(user, booking.session)


# -- reports ------------------------------------------------------------------------------


@rule("view_reports")
def _view_reports(user: User, scope: Any) -> bool:
    """Reports of a scope (``lms.reports.scope.ReportScope``): an organisation's for its
    managers, a cohort's for its facilitators, every organisation's for admins. Without a
    scope: whether the person has any reports at all."""
    if user.is_admin:
        return True
    if scope is None:
        return is_manager(user) or is_facilitator(user)
    if scope.kind == "organisation" and scope.organisation is not None:
        return manages(user, scope.organisation)
    if scope.kind == "cohort" and scope.cohort is not None:
        return facilitates(user, scope.cohort)
    return False


@rule("view_cohort_report")
def _view_cohort_report(user: User, cohort: Cohort) -> bool:
    return user.is_admin or facilitates(user, cohort)


@rule("view_site_reports")
def _view_site_reports(user: User, _obj: Any) -> bool:
    return user.is_admin


# -- certificates -------------------------------------------------------------------------
# A learner reaches only their own certificates; a manager those of people in the
# organisations (and units) they manage; admins all. Only admins reissue or revoke.
# Facilitators issue in bulk for their cohorts (and their sessions' attendees) and take the
# PDFs of that bulk issue; verification by code needs no account at all.


def manages_person(user: User, person: User) -> bool:
    return any(manages(user, m.organisation) for m in person.memberships)


@rule("view_certificate")
def _view_certificate(user: User, certificate: Certificate) -> bool:
    return certificate.user_id == user.id or user.is_admin or manages_person(user, certificate.user)


@rule("download_certificate")
def _download_certificate(user: User, certificate: Certificate) -> bool:
    """A valid certificate for whoever may see it; a revoked or replaced one for admins."""
    if not _view_certificate(user, certificate):
        return False
    return certificate.is_valid or user.is_admin


@rule("reissue_certificate", "revoke_certificate")
def _change_certificate(user: User, _certificate: Certificate) -> bool:
    return user.is_admin


@rule("view_people_certificates")
def _view_people_certificates(user: User, _obj: Any) -> bool:
    return user.is_admin or is_manager(user)


@rule("issue_cohort_certificates")
def _issue_cohort_certificates(user: User, cohort: Cohort) -> bool:
    return user.is_admin or facilitates(user, cohort)


@rule("issue_session_certificates")
def _issue_session_certificates(user: User, session: LiveSession) -> bool:
    return session.cohort is not None and hosts(user, session)


@rule("view_certificate_batch")
def _view_certificate_batch(user: User, batch: CertificateBatch) -> bool:
    return user.is_admin or facilitates(user, batch.cohort)
