"""What the rules ask about a person: enrolled, facilitating, managing, taking part, and
the roles of the signed-in person (asked once per request). Not permissions themselves."""

from __future__ import annotations

from functools import cache
from typing import Any

from flask import has_request_context, request
from sqlalchemy import bindparam, exists, select

from lms.accounts.models import Membership, Organisation, User
from lms.catalogue.models import Course
from lms.certificates.models import Certificate
from lms.cohorts.models import PLACE_STATUSES, Cohort, CohortFacilitator, Enrolment
from lms.db import request_memo
from lms.extensions import db
from lms.live.models import LiveSession
from lms.progress.models import CourseCompletion


def is_enrolled(user: User, course: Course) -> bool:
    """Has a place (active, invited or completed) on a cohort of ``course``: the same
    enrolment the page then shows, asked once per request."""
    from lms.cohorts.services.enrolments import enrolment_for

    return enrolment_for(user, course) is not None


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


@cache
def _person_query() -> Any:
    return select(User).where(User.id == bindparam("user_id"))


def load_signed_in(user_id: int) -> User | None:
    """The signed-in person at the start of a request, in one query: with their roles for
    a page to draw (its navigation asks them), without them for a form sent, which mostly
    answers with a redirect (a page drawn after all asks them then)."""
    if has_request_context() and request.method not in ("GET", "HEAD"):
        return db.session.scalar(_person_query(), {"user_id": user_id})
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


@cache
def _managed_query() -> Any:
    return select(Membership.organisation_id).where(
        Membership.user_id == bindparam("user_id"), Membership.role == "manager"
    )


def managed_ids(user: User) -> frozenset[int]:
    """The organisations ``user`` is a manager of (not the units below them)."""
    return request_memo(
        ("managed", user.id),
        lambda: frozenset(
            db.session.connection().execute(_managed_query(), {"user_id": user.id}).scalars()
        ),
    )


def manages(user: User, organisation: Organisation) -> bool:
    managed = managed_ids(user)
    org: Organisation | None = organisation
    while org is not None:
        if org.id in managed:
            return True
        org = org.parent
    return False


def is_manager(user: User) -> bool:
    return _roles(user)[0]


def members_of(organisation: Organisation) -> Any:
    """A select of the users in ``organisation`` (for queries, not a permission)."""
    return select(User).join(Membership).where(Membership.organisation_id == organisation.id)


TAKING_PART = PLACE_STATUSES  # a place on the cohort, whatever stage it is at


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


#: Enrolment statuses that may book places on a cohort's sessions.
BOOKING_STATUSES = ("active", "completed")


def open_for_booking(session: LiveSession) -> bool:
    """A cohort's session that is going ahead and still taking bookings."""
    return session.cohort is not None and not session.is_cancelled and not session.booking_closed()


def manages_person(user: User, person: User) -> bool:
    return any(manages(user, m.organisation) for m in person.memberships)
