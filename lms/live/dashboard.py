"""What the learner's dashboard shows of live sessions: theirs still to come, and the
cohorts where they could book more."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from sqlalchemy import (
    String,
    bindparam,
    exists,
    func,
    literal_column,
    null,
    select,
    union_all,
)

from lms.cohorts.models import Cohort, Enrolment
from lms.db import one_of, rows, utcnow
from lms.extensions import db
from lms.live.models import Booking, LiveSession
from lms.live.queries import SessionView, session_views


@dataclass(frozen=True)
class CohortName:
    id: int
    name: str


@dataclass
class BookableCohort:
    cohort: CohortName
    sessions: int


@cache
def _dashboard_query() -> Any:
    """One statement for the dashboard's panel: the person's sessions still to come (booked
    or waiting, cancelled ones too so they hear about it), then their cohorts with sessions
    still open for booking that they haven't booked or joined the waiting list of yet."""
    user_id: Any = bindparam("user_id")
    now: Any = bindparam("now")
    theirs = exists().where(
        Booking.session_id == LiveSession.id,
        Booking.user_id == user_id,
        one_of(Booking.status, ("booked", "waitlisted")),
    )
    upcoming = (
        select(
            literal_column("'session'", String).label("kind"),
            LiveSession.id,
            null().label("name"),
            null().label("sessions"),
        )
        .join(Booking, Booking.session_id == LiveSession.id)
        .where(Booking.user_id == user_id, Booking.status != "cancelled", LiveSession.ends_at > now)
    )
    bookable = (
        select(
            literal_column("'cohort'", String), Cohort.id, Cohort.name, func.count(LiveSession.id)
        )
        .join(Enrolment, Enrolment.cohort_id == Cohort.id)
        .join(LiveSession, LiveSession.cohort_id == Cohort.id)
        .where(
            Enrolment.user_id == user_id,
            one_of(Enrolment.status, ("active", "completed")),
            LiveSession.status == "scheduled",
            func.coalesce(LiveSession.booking_deadline, LiveSession.starts_at) > now,
            ~theirs,
        )
        .group_by(Cohort.id, Cohort.name)
    )
    return union_all(upcoming, bookable)


def dashboard_sessions(
    user: Any, limit: int = 10
) -> tuple[list[SessionView], list[BookableCohort]]:
    """``user``'s sessions still to come (soonest first, at most ``limit``) and the cohorts
    where they could book more: one query when there are none to show."""
    if getattr(user, "id", None) is None:
        return [], []
    session_ids: list[int] = []
    bookable: list[BookableCohort] = []
    for kind, id_, name, count in rows(_dashboard_query(), {"user_id": user.id, "now": utcnow()}):
        if kind == "session":
            session_ids.append(id_)
        else:
            bookable.append(BookableCohort(CohortName(id_, name), count))
    bookable.sort(key=lambda item: (item.cohort.name, item.cohort.id))
    if not session_ids:
        return [], bookable
    sessions = db.session.scalars(
        select(LiveSession)
        .where(LiveSession.id.in_(session_ids))
        .order_by(LiveSession.starts_at, LiveSession.id)
        .limit(limit)
    )
    return session_views(list(sessions), user), bookable


def bookable_cohorts(user: Any) -> list[BookableCohort]:
    """Cohorts ``user`` takes part in that have sessions still open for booking which they
    haven't booked, or joined the waiting list of, yet."""
    return dashboard_sessions(user)[1]
