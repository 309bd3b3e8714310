"""Rules for live sessions: scheduling, hosting, seeing, booking and cancelling."""

from __future__ import annotations

from lms.accounts.models import User
from lms.accounts.permissions.facts import (
    BOOKING_STATUSES,
    facilitates,
    hosts,
    open_for_booking,
    takes_part,
)
from lms.accounts.permissions.registry import rule
from lms.cohorts.models import Cohort
from lms.live.models import Booking, LiveSession
from lms.live.queries import live_booking


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
