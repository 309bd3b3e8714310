"""The attendance register: who came, for how long, and who was excused."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from lms.accounts.models import User
from lms.audit import services as audit
from lms.db import begin_write, utcnow
from lms.errors import Conflict
from lms.events import after_commit, commit
from lms.extensions import db
from lms.live.models import ATTENDANCE_STATUSES, Attendance, Booking, LiveSession
from lms.live.services.bookings import clean_name
from lms.live.services.common import Problems, lock_session, recompute_for


@dataclass(frozen=True)
class RegisterEntry:
    """One line of a register: a booking on the session and what happened.

    ``minutes`` is how long the person was there, only for ``partial`` (1 to the session's
    length); it is ignored for the other statuses.
    """

    booking_id: int
    status: str
    minutes: int | None = None


def _entry(value: RegisterEntry | Mapping[str, Any]) -> RegisterEntry:
    if isinstance(value, RegisterEntry):
        return value
    booking = value.get("booking_id", value.get("booking"))
    return RegisterEntry(
        booking_id=getattr(booking, "id", booking),  # a Booking or its id
        status=value.get("status", ""),
        minutes=value.get("minutes"),
    )


def _no_register(session: LiveSession) -> None:
    if session.is_cancelled:
        raise Conflict(
            "This session was cancelled, so there is no register to take. It doesn't count "
            "against anyone's attendance."
        )


def record_attendance(
    actor: User | None,
    session: LiveSession,
    entries: Iterable[RegisterEntry | Mapping[str, Any]],
) -> list[Attendance]:
    """Record (or correct) the register for several people at once.

    Each entry names a booking on this session (booked or waiting) and a status: present,
    partial (with minutes), absent or excused. Nothing is written if any entry is wrong.
    Completion is recomputed for the people recorded, and ``lms_attendance_recorded`` fires
    after the commit with the rows that changed. Returns those rows.
    """
    _no_register(session)
    wanted = [_entry(e) for e in entries]
    problems = Problems()
    seen: set[int] = set()
    length = session.minutes
    for entry in wanted:
        key = f"status-{entry.booking_id}"
        if entry.booking_id in seen:
            problems.add(key, "Each person can appear only once in a register.")
        seen.add(entry.booking_id)
        if entry.status not in ATTENDANCE_STATUSES:
            problems.add(key, "Choose present, partial, absent or excused.")
        elif entry.status == "partial" and (
            isinstance(entry.minutes, bool)
            or not isinstance(entry.minutes, int)
            or not 1 <= entry.minutes <= length
        ):
            problems.add(
                f"minutes-{entry.booking_id}",
                f"For part of the session, give the minutes the person was there (1 to {length}).",
            )
    problems.raise_any()
    if not wanted:
        return []

    begin_write()
    session = lock_session(session)
    _no_register(session)
    bookings = {
        b.id: b
        for b in db.session.scalars(
            select(Booking).where(Booking.session_id == session.id, Booking.id.in_(seen))
        )
    }
    for entry in wanted:
        booking = bookings.get(entry.booking_id)
        if booking is None or booking.status == "cancelled":
            problems.add(f"status-{entry.booking_id}", "That person isn't booked on this session.")
    problems.raise_any()
    existing = {
        a.booking_id: a
        for a in db.session.scalars(
            select(Attendance).where(
                Attendance.session_id == session.id, Attendance.booking_id.in_(seen)
            )
        )
    }
    now = utcnow()
    changed: list[Attendance] = []
    for entry in wanted:
        minutes = entry.minutes if entry.status == "partial" else None
        row = existing.get(entry.booking_id)
        if row is not None and (row.status, row.minutes) == (entry.status, minutes):
            continue
        if row is None:
            row = Attendance(session_id=session.id, booking_id=entry.booking_id)
            db.session.add(row)
        row.status, row.minutes = entry.status, minutes
        row.recorded_by_id = actor.id if actor is not None else None
        row.recorded_at = now
        changed.append(row)
    if not changed:
        commit()
        return []
    db.session.flush()
    audit.record(
        actor,
        "live_attendance.record",
        session,
        f"Register for “{session.title}”: {len(changed)} "
        f"{'entry' if len(changed) == 1 else 'entries'} recorded",
        session_id=session.id,
    )
    people = {bookings[a.booking_id].user_id for a in changed}
    recompute_for(session.cohort, {user_id for user_id in people if user_id is not None})
    after_commit("lms_attendance_recorded", session=session, attendances=changed)
    commit()
    return changed


def add_to_register(
    actor: User | None,
    session: LiveSession,
    *,
    user: User | None = None,
    name: str | None = None,
) -> Booking:
    """Add someone who came to the register: a person with an account (their booking, or a
    new one) or, with ``name``, someone without an account. They get a place whatever the
    capacity, since they are in the room. Fires ``lms_session_booked`` for a new booking."""
    _no_register(session)
    if user is None:
        name = clean_name(name)
    begin_write()
    session = lock_session(session)
    _no_register(session)
    booking = (
        db.session.scalar(
            select(Booking).where(Booking.session_id == session.id, Booking.user_id == user.id)
        )
        if user is not None
        else None
    )
    if booking is not None and booking.status == "booked":
        commit()
        return booking
    now = utcnow()
    if booking is None:
        booking = Booking(
            session_id=session.id,
            user_id=user.id if user is not None else None,
            name=name if user is None else None,
            created_at=now,
        )
        db.session.add(booking)
    elif booking.status == "waitlisted":
        booking.promoted_at = now
    booking.status = "booked"
    booking.cancelled_at = None
    booking.booked_by_id = actor.id if actor is not None else None
    db.session.flush()
    audit.record(
        actor,
        "live_register.add",
        booking,
        f"{booking.person_name} added to the register of “{session.title}”",
        session_id=session.id,
    )
    after_commit("lms_session_booked", booking=booking)
    commit()
    return booking
