"""Booking places on sessions, the first-come-first-served waiting list, and cancelling."""

from __future__ import annotations

from sqlalchemy import select

from lms.accounts.models import User
from lms.audit import services as audit
from lms.db import begin_write, utcnow
from lms.errors import Conflict, InvalidInput
from lms.events import after_commit, commit
from lms.extensions import db
from lms.live.models import Booking, LiveSession
from lms.live.services.common import fill_places, has_place, lock_session


def clean_name(name: str | None) -> str:
    text = " ".join((name or "").split())
    if not text:
        raise InvalidInput(
            "Give the person's name.", field_errors={"name": "Please give the person's name."}
        )
    if len(text) > 120:
        raise InvalidInput(
            "A name can be up to 120 characters.",
            field_errors={"name": "Up to 120 characters, please."},
        )
    return text


def _check_open(session: LiveSession, by_host: bool) -> None:
    if session.is_cancelled:
        raise Conflict(f"This session was cancelled: {session.cancel_reason}")
    now = utcnow()
    if session.has_ended(now):
        raise Conflict("This session has already taken place.")
    if not by_host and session.booking_closed(now):
        raise Conflict(
            "Booking for this session has closed. Your facilitator may still be able to add you."
        )


def _booking_of(user: User, session: LiveSession) -> Booking | None:
    return db.session.scalar(
        select(Booking)
        .where(Booking.session_id == session.id, Booking.user_id == user.id)
        .execution_options(populate_existing=True)
    )


def book(
    user: User | None,
    session: LiveSession,
    *,
    name: str | None = None,
    by: User | None = None,
) -> Booking:
    """Book ``user`` a place on ``session``, or a place on its waiting list when it is full.

    ``user=None`` with ``name`` books someone who has no account (a host must be ``by``).
    ``by`` is whoever books on the person's behalf; it is audited, and lets a host book
    after the booking deadline. Booking again while booked or waiting changes nothing and
    returns the same booking; booking again after cancelling joins the back of the queue.
    Capacity holds however many people book at once: the session row is locked first.
    Fires ``lms_session_booked`` after the commit (check ``booking.status``).
    """
    if user is None:
        name = clean_name(name)
        if by is None:
            raise InvalidInput("Someone booked by name only has to be booked by a host.")
    begin_write()
    session = lock_session(session)
    _check_open(session, by_host=by is not None and (user is None or by.id != user.id))
    existing = _booking_of(user, session) if user is not None else None
    if existing is not None and existing.status != "cancelled":
        commit()
        return existing
    status = "booked" if has_place(session) else "waitlisted"
    now = utcnow()
    if existing is not None:
        booking = existing
        booking.status, booking.created_at = status, now
        booking.cancelled_at = booking.promoted_at = None
        booking.booked_by_id = by.id if by is not None else None
    else:
        booking = Booking(
            session_id=session.id,
            user_id=user.id if user is not None else None,
            name=name if user is None else None,
            status=status,
            created_at=now,
            booked_by_id=by.id if by is not None else None,
        )
        db.session.add(booking)
    db.session.flush()
    if by is not None and (user is None or by.id != user.id):
        audit.record(
            by,
            "live_booking.create",
            booking,
            f"{booking.person_name} {'booked on' if status == 'booked' else 'waiting for'} "
            f"“{session.title}”",
            session_id=session.id,
            status=status,
        )
    after_commit("lms_session_booked", booking=booking)
    commit()
    return booking


def cancel_booking(actor: User | None, booking: Booking) -> Booking | None:
    """Cancel a booking or a place on the waiting list.

    A freed place goes to the first person waiting, who is told through
    ``lms_promoted_from_waitlist``. Returns that person's booking, or None. Cancelling twice
    changes nothing; a session that has taken place keeps its bookings.
    """
    begin_write()
    session = lock_session(booking.session)
    db.session.refresh(booking)
    if booking.status == "cancelled":
        commit()
        return None
    if session.has_ended():
        raise Conflict("This session has already taken place, so its bookings stay as they are.")
    freed = booking.status == "booked"
    booking.status = "cancelled"
    booking.cancelled_at = utcnow()
    db.session.flush()
    if actor is not None and actor.id != booking.user_id:
        audit.record(
            actor,
            "live_booking.cancel",
            booking,
            f"Booking of {booking.person_name} on “{session.title}” cancelled",
            session_id=session.id,
        )
    promoted = fill_places(session) if freed else []
    commit()
    return promoted[0] if promoted else None
