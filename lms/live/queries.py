"""Read models for live sessions: lists with places and the viewer's booking, registers,
attendance. Each list is a fixed number of queries however many rows it shows."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    and_,
    func,
    or_,
    select,
)

from lms.accounts.models import User
from lms.catalogue.models import Course
from lms.cohorts.models import PLACE_STATUSES, Cohort, Enrolment
from lms.db import utcnow
from lms.extensions import db
from lms.live.models import ATTENDED, Attendance, Booking, LiveSession

#: How far back a person's calendar feed reaches.
FEED_HISTORY = timedelta(days=90)


@dataclass
class SessionView:
    """A session with its places, and the viewer's booking and place in the queue."""

    session: LiveSession
    booked: int = 0
    waitlisted: int = 0
    booking: Booking | None = None  # the viewer's, if booked or waiting
    position: int | None = None  # the viewer's place on the waiting list, from 1
    can_book: bool = False  # set by the page, which knows who is looking

    @property
    def places_left(self) -> int | None:
        if self.session.capacity is None:
            return None
        return max(self.session.capacity - self.booked, 0)

    @property
    def is_full(self) -> bool:
        return self.places_left == 0

    @property
    def is_booked(self) -> bool:
        return self.booking is not None and self.booking.status == "booked"

    @property
    def is_waiting(self) -> bool:
        return self.booking is not None and self.booking.status == "waitlisted"


def session_views(sessions: Sequence[LiveSession], user: Any = None) -> list[SessionView]:
    """Views of ``sessions`` for ``user`` (anyone, or None) in three queries."""
    ids = [s.id for s in sessions]
    views = {s.id: SessionView(s) for s in sessions}
    if not ids:
        return []
    for session_id, status, count in db.session.execute(
        select(Booking.session_id, Booking.status, func.count(Booking.id))
        .where(Booking.session_id.in_(ids), Booking.status != "cancelled")
        .group_by(Booking.session_id, Booking.status)
    ):
        setattr(views[session_id], status, count)
    user_id = getattr(user, "id", None)
    if user_id is not None:
        for booking in db.session.scalars(
            select(Booking).where(
                Booking.session_id.in_(ids),
                Booking.user_id == user_id,
                Booking.status != "cancelled",
            )
        ):
            views[booking.session_id].booking = booking
        for session_id, position in _positions(ids, user_id):
            views[session_id].position = position
    return [views[s.id] for s in sessions]


def _positions(session_ids: list[int], user_id: int) -> Any:
    ranked = (
        select(
            Booking.session_id,
            Booking.user_id,
            func.row_number()
            .over(partition_by=Booking.session_id, order_by=(Booking.created_at, Booking.id))
            .label("position"),
        )
        .where(Booking.session_id.in_(session_ids), Booking.status == "waitlisted")
        .subquery()
    )
    return db.session.execute(
        select(ranked.c.session_id, ranked.c.position).where(ranked.c.user_id == user_id)
    )


def waitlist_position(booking: Booking) -> int | None:
    """Where ``booking`` is on its session's waiting list (1 is next), or None."""
    if booking.status != "waitlisted":
        return None
    ahead = db.session.scalar(
        select(func.count(Booking.id)).where(
            Booking.session_id == booking.session_id,
            Booking.status == "waitlisted",
            or_(
                Booking.created_at < booking.created_at,
                and_(Booking.created_at == booking.created_at, Booking.id < booking.id),
            ),
        )
    )
    return int(ahead or 0) + 1


def bookings_of(session: LiveSession, status: str = "booked") -> list[Booking]:
    """The session's bookings with ``status`` (booked, waitlisted or cancelled), oldest first."""
    return list(
        db.session.scalars(
            select(Booking)
            .where(Booking.session_id == session.id, Booking.status == status)
            .order_by(Booking.created_at, Booking.id)
        )
    )


def waitlist(session: LiveSession) -> list[Booking]:
    """The waiting list in order: first come, first served."""
    return list(
        db.session.scalars(
            select(Booking)
            .where(Booking.session_id == session.id, Booking.status == "waitlisted")
            .order_by(Booking.created_at, Booking.id)
        )
    )


def cohort_sessions(cohort: Cohort, user: Any = None) -> list[SessionView]:
    """Every session of ``cohort``, soonest first, as ``user`` sees them."""
    sessions = list(
        db.session.scalars(
            select(LiveSession)
            .where(LiveSession.cohort_id == cohort.id)
            .order_by(LiveSession.starts_at, LiveSession.id)
        )
    )
    return session_views(sessions, user)


def split_by_time(
    views: list[SessionView], now: datetime | None = None
) -> tuple[list[SessionView], list[SessionView]]:
    """(upcoming or running, soonest first), (past, most recent first)."""
    now = now or utcnow()
    upcoming = [v for v in views if v.session.ends_at > now]
    past = [v for v in views if v.session.ends_at <= now]
    return upcoming, past[::-1]


def feed_sessions(user: User, now: datetime | None = None) -> list[LiveSession]:
    """Sessions in ``user``'s calendar feed: those they are booked on from the last 90 days
    on, cancelled ones included so calendars show them cancelled."""
    since = (now or utcnow()) - FEED_HISTORY
    return list(
        db.session.scalars(
            select(LiveSession)
            .join(Booking, Booking.session_id == LiveSession.id)
            .where(
                Booking.user_id == user.id,
                Booking.status == "booked",
                LiveSession.ends_at > since,
            )
            .order_by(LiveSession.starts_at)
        )
    )


def live_booking(user: Any, session: LiveSession) -> Booking | None:
    """``user``'s booking on ``session`` if booked or waiting."""
    if getattr(user, "id", None) is None:
        return None
    return db.session.scalar(
        select(Booking).where(
            Booking.session_id == session.id,
            Booking.user_id == user.id,
            Booking.status != "cancelled",
        )
    )


# -- registers ------------------------------------------------------------------------------


@dataclass
class RegisterRow:
    booking: Booking
    attendance: Attendance | None


def register_rows(session: LiveSession) -> list[RegisterRow]:
    """Everyone booked or waiting, booked first, each with what the register says so far."""
    bookings = list(
        db.session.scalars(
            select(Booking)
            .outerjoin(User, User.id == Booking.user_id)
            .where(Booking.session_id == session.id, Booking.status != "cancelled")
            .order_by(
                (Booking.status != "booked"),
                func.lower(func.coalesce(User.display_name, Booking.name)),
                Booking.id,
            )
        )
    )
    marks = {
        a.booking_id: a
        for a in db.session.scalars(select(Attendance).where(Attendance.session_id == session.id))
    }
    return [RegisterRow(b, marks.get(b.id)) for b in bookings]


def attendance_of(booking: Booking | None) -> Attendance | None:
    """What the register says about ``booking``, if anything yet."""
    if booking is None:
        return None
    return db.session.scalar(select(Attendance).where(Attendance.booking_id == booking.id))


def addable_learners(session: LiveSession) -> list[User]:
    """People taking part in the session's cohort who aren't booked on it yet."""
    if session.cohort_id is None:
        return []
    booked = select(Booking.user_id).where(
        Booking.session_id == session.id,
        Booking.status == "booked",
        Booking.user_id.is_not(None),
    )
    return list(
        db.session.scalars(
            select(User)
            .join(Enrolment, Enrolment.user_id == User.id)
            .where(
                Enrolment.cohort_id == session.cohort_id,
                Enrolment.status.in_(PLACE_STATUSES),
                User.id.not_in(booked),
            )
            .order_by(User.display_name)
        )
    )


# -- attendance -----------------------------------------------------------------------------


@dataclass
class AttendanceSummary:
    """How someone's attendance stands in a cohort.

    ``counted`` is the sessions that count: every session of the cohort that was not
    cancelled, less those the person was excused from. ``attended`` is present or partial.
    """

    counted: int
    attended: int
    excused: int
    cancelled: int

    @property
    def percent(self) -> int | None:
        return round(100 * self.attended / self.counted) if self.counted else None

    def meets(self, percent: int) -> bool:
        return self.counted > 0 and self.attended * 100 >= percent * self.counted


def _summaries(user_id: int, cohort_ids: Any) -> dict[int, AttendanceSummary]:
    marks = (
        select(Attendance.session_id, Attendance.status)
        .join(Booking, Booking.id == Attendance.booking_id)
        .where(Booking.user_id == user_id)
        .subquery()
    )
    summaries: dict[int, AttendanceSummary] = defaultdict(lambda: AttendanceSummary(0, 0, 0, 0))
    for cohort_id, status, mark in db.session.execute(
        select(LiveSession.cohort_id, LiveSession.status, marks.c.status)
        .outerjoin(marks, marks.c.session_id == LiveSession.id)
        .where(LiveSession.cohort_id.in_(cohort_ids))
    ):
        summary = summaries[cohort_id]
        if status == "cancelled":
            summary.cancelled += 1
        elif mark == "excused":
            summary.excused += 1
        else:
            summary.counted += 1
            summary.attended += mark in ATTENDED
    return summaries


def attendance_summary(user: User, cohort: Cohort) -> AttendanceSummary:
    """``user``'s attendance at ``cohort``'s sessions (cancelled and excused ones left out)."""
    return attendance_summaries(user, [cohort.id]).get(cohort.id) or AttendanceSummary(0, 0, 0, 0)


def attendance_summaries(user: User, cohort_ids: list[int]) -> dict[int, AttendanceSummary]:
    """``attendance_summary`` for several cohorts at once (one query); a cohort without
    sessions is left out."""
    return dict(_summaries(user.id, cohort_ids)) if cohort_ids else {}


def attendance_met(user_id: int, course: Course, percent: int) -> bool:
    """The ``attendance`` completion rule: attended at least ``percent``% of the counted
    sessions of a cohort of ``course`` the person takes part in (any one will do)."""
    cohort_ids = select(Enrolment.cohort_id).where(
        Enrolment.user_id == user_id,
        Enrolment.status.in_(("active", "completed", "invited", "deferred")),
        Enrolment.cohort_id.in_(select(Cohort.id).where(Cohort.course_id == course.id)),
    )
    return any(s.meets(percent) for s in _summaries(user_id, cohort_ids).values())
