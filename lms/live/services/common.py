"""Pieces the live-session services share: locking a session, checking input, promoting."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import func, select

from lms.catalogue.models import Course, Module
from lms.cohorts.models import Cohort, Enrolment
from lms.db import utcnow
from lms.errors import InvalidInput
from lms.events import after_commit
from lms.extensions import db
from lms.live.models import Booking, LiveSession


class _Keep:
    """The default of an optional change: leave the value as it is."""

    def __repr__(self) -> str:
        return "KEEP"


KEEP: Any = _Keep()


class Problems:
    """Collects what is wrong with some input, so a person sees every problem at once."""

    def __init__(self) -> None:
        self.fields: dict[str, str] = {}

    def add(self, field: str, message: str) -> None:
        self.fields.setdefault(field, message)

    @contextmanager
    def checking(self) -> Iterator[None]:
        """Note an InvalidInput raised inside the block instead of stopping at it."""
        try:
            yield
        except InvalidInput as error:
            for field in error.field_errors or {"": ""}:
                self.add(field, error.message)

    def raise_any(self) -> None:
        if self.fields:
            message = " ".join(dict.fromkeys(self.fields.values()))
            raise InvalidInput(message, field_errors=dict(self.fields))


def lock_session(session: LiveSession) -> LiveSession:
    """Lock the session's row until the transaction ends and re-read it.

    On PostgreSQL ``SELECT ... FOR UPDATE`` makes every writer to this session (bookings,
    cancellations, capacity changes) wait its turn, so counting places is safe. On SQLite
    the write transaction (``begin_write``: BEGIN IMMEDIATE) already serialises writers.
    """
    db.session.execute(select(LiveSession.id).where(LiveSession.id == session.id).with_for_update())
    db.session.refresh(session)
    return session


def places_taken(session: LiveSession) -> int:
    return (
        db.session.scalar(
            select(func.count(Booking.id)).where(
                Booking.session_id == session.id, Booking.status == "booked"
            )
        )
        or 0
    )


def has_place(session: LiveSession) -> bool:
    return session.capacity is None or places_taken(session) < session.capacity


def fill_places(session: LiveSession) -> list[Booking]:
    """Give free places to the waiting list, first come first served; call under the lock.

    Nobody is promoted once a session is cancelled or has started. Each promotion fires
    ``lms_promoted_from_waitlist`` after the commit.
    """
    if session.is_cancelled or utcnow() >= session.starts_at:
        return []
    query = (
        select(Booking)
        .where(Booking.session_id == session.id, Booking.status == "waitlisted")
        .order_by(Booking.created_at, Booking.id)
        .execution_options(populate_existing=True)
    )
    if session.capacity is not None:
        free = session.capacity - places_taken(session)
        if free <= 0:
            return []
        query = query.limit(free)
    promoted = list(db.session.scalars(query))
    now = utcnow()
    for booking in promoted:
        booking.status = "booked"
        booking.promoted_at = now
        after_commit("lms_promoted_from_waitlist", booking=booking)
    db.session.flush()
    return promoted


def clean_text(
    problems: Problems, field: str, value: str | None, *, label: str, max_length: int
) -> str:
    text = (value or "").strip()
    if len(text) > max_length:
        problems.add(field, f"{label} can be up to {max_length} characters.")
    return text


def check_url(problems: Problems, value: str | None) -> str | None:
    """An online link must be a full http(s) address, such as a Teams meeting link."""
    text = (value or "").strip()
    if not text:
        return None
    parts = urlsplit(text)
    if (
        parts.scheme not in ("http", "https")
        or not parts.netloc
        or any(c.isspace() or ord(c) < 32 for c in text)
    ):
        problems.add(
            "online_url",
            "The online link must be a full web address starting with https://, "
            "like the one Teams gives you.",
        )
    elif len(text) > 1000:
        problems.add("online_url", "The online link can be up to 1000 characters.")
    return text


def uses_attendance_rule(course: Course) -> bool:
    """Does the course, or one of its modules, complete on attendance?"""
    if (course.completion_rule or {}).get("rule") == "attendance":
        return True
    rules = db.session.scalars(
        select(Module.completion_rule).where(
            Module.course_id == course.id, Module.retired_at.is_(None)
        )
    )
    return any((rule or {}).get("rule") == "attendance" for rule in rules)


def recompute_for(cohort: Cohort | None, user_ids: set[int] | None = None) -> None:
    """Bring course completion up to date after attendance changed, for ``user_ids`` or for
    everyone taking part in the cohort."""
    from lms.progress.completion import recompute_course

    if cohort is None:
        return
    course = cohort.course
    if user_ids is None:
        if not uses_attendance_rule(course):
            return
        user_ids = set(
            db.session.scalars(
                select(Enrolment.user_id).where(
                    Enrolment.cohort_id == cohort.id, Enrolment.status == "active"
                )
            )
        )
    for user_id in sorted(user_ids):
        recompute_course(user_id, course)
