"""Scheduling, changing, rescheduling and cancelling live sessions."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

from lms.accounts.models import User
from lms.audit import services as audit
from lms.cohorts.models import Cohort
from lms.db import begin_write, utcnow
from lms.errors import InvalidInput
from lms.events import after_commit, commit
from lms.extensions import db
from lms.live import times
from lms.live.models import LiveSession
from lms.live.services.common import (
    KEEP,
    Problems,
    check_url,
    clean_text,
    fill_places,
    lock_session,
    recompute_for,
)

MAX_LENGTH = timedelta(hours=24)
OWNER_NAME = re.compile(r"^[a-z][a-z0-9_]{0,59}$")


def _times(
    problems: Problems,
    zone_name: str,
    starts_at: datetime,
    ends_at: datetime,
    booking_deadline: datetime | None,
) -> tuple[datetime | None, datetime | None, datetime | None]:
    """Naive-UTC start, end and deadline, noting every problem with them."""
    start = end = deadline = None
    with problems.checking():
        times.zone(zone_name)
        with problems.checking():
            start = times.to_utc(starts_at, zone_name, field="starts_at")
        with problems.checking():
            end = times.to_utc(ends_at, zone_name, field="ends_at")
        if booking_deadline is not None:
            with problems.checking():
                deadline = times.to_utc(booking_deadline, zone_name, field="booking_deadline")
    # With a zone we can't read, the times can still be compared as typed.
    first, last = (start, end) if start and end else (starts_at, ends_at)
    if (first.tzinfo is None) == (last.tzinfo is None):
        if last <= first:
            problems.add("ends_at", "The session has to end after it starts.")
        elif last - first > MAX_LENGTH:
            problems.add("ends_at", "A session can last up to 24 hours.")
    if start is not None and deadline is not None and deadline > start:
        problems.add(
            "booking_deadline", "The booking deadline has to be before the session starts."
        )
    return start, end, deadline


def _place(
    problems: Problems,
    online_url: str | None,
    venue: str | None,
    access_notes: str,
    capacity: int | None,
) -> tuple[str | None, str | None, str, int | None]:
    url = check_url(problems, online_url)
    place = clean_text(problems, "venue", venue, label="The venue", max_length=300) or None
    notes = clean_text(
        problems, "access_notes", access_notes, label="Access notes", max_length=2000
    )
    if url is None and place is None and "online_url" not in problems.fields:
        problems.add(
            "online_url", "Give an online link, a venue, or both, so people know where to go."
        )
    if capacity is not None and (isinstance(capacity, bool) or capacity < 0):
        problems.add("capacity", "The number of places can't be less than 0.")
    elif capacity is not None and capacity > 100_000:
        problems.add("capacity", "The number of places can be up to 100,000.")
    return url, place, notes, capacity


def _title(problems: Problems, title: str, description: str) -> tuple[str, str]:
    text = clean_text(problems, "title", title, label="The title", max_length=200)
    if not text:
        problems.add("title", "Give the session a title.")
    about = clean_text(
        problems, "description", description, label="The description", max_length=5000
    )
    return text, about


def schedule_session(
    actor: User | None,
    *,
    cohort: Cohort | None = None,
    owner: str | None = None,
    owner_id: int | None = None,
    title: str,
    starts_at: datetime,
    ends_at: datetime,
    timezone: str | None = None,
    description: str = "",
    online_url: str | None = None,
    venue: str | None = None,
    access_notes: str = "",
    capacity: int | None = None,
    booking_deadline: datetime | None = None,
) -> LiveSession:
    """Schedule a session for ``cohort`` and/or a plugin's ``owner`` (e.g. ``"networks"``, 7).

    Times are aware datetimes, or naive wall-clock times in ``timezone`` (default: the
    cohort's zone, else Europe/London). ``capacity=None`` means unlimited places. Raises
    InvalidInput naming every problem, and writes nothing, when the input is not right.
    """
    problems = Problems()
    if cohort is None and not owner:
        problems.add("cohort", "A session belongs to a cohort or to an owner such as a network.")
    if owner is not None and not OWNER_NAME.match(owner):
        problems.add("owner", "An owner is a plugin's name in lower case, like “networks”.")
    if owner_id is not None and not owner:
        problems.add("owner", "An owner id needs an owner name.")
    zone_name = (timezone or (cohort.timezone if cohort else None) or times.DEFAULT_ZONE).strip()
    name, about = _title(problems, title, description)
    start, end, deadline = _times(problems, zone_name, starts_at, ends_at, booking_deadline)
    url, place, notes, capacity = _place(problems, online_url, venue, access_notes, capacity)
    problems.raise_any()

    begin_write()
    session = LiveSession(
        cohort_id=cohort.id if cohort is not None else None,
        owner=owner or None,
        owner_id=owner_id,
        title=name,
        description=about,
        starts_at=start,
        ends_at=end,
        timezone=zone_name,
        online_url=url,
        venue=place,
        access_notes=notes,
        capacity=capacity,
        booking_deadline=deadline,
        status="scheduled",
        sequence=0,
        created_by_id=actor.id if actor is not None else None,
    )
    db.session.add(session)
    db.session.flush()
    audit.record(
        actor,
        "live_session.schedule",
        session,
        f"Session “{name}” scheduled for {times.format_when(session)}",
        cohort_id=session.cohort_id,
        owner=owner,
        owner_id=owner_id,
    )
    commit()
    return session


def update_session(
    actor: User | None,
    session: LiveSession,
    *,
    title: Any = KEEP,
    description: Any = KEEP,
    online_url: Any = KEEP,
    venue: Any = KEEP,
    access_notes: Any = KEEP,
    capacity: Any = KEEP,
    booking_deadline: Any = KEEP,
) -> LiveSession:
    """Change a session's details (not its times: see ``reschedule``). Arguments left out
    keep their value. Raising the capacity gives the new places to the waiting list;
    lowering it never takes a place from anyone already booked. Calendar apps see the
    change through a raised SEQUENCE."""
    if session.is_cancelled:
        raise InvalidInput("This session was cancelled, so it can't be changed.")
    problems = Problems()

    def pick(value: Any, current: Any) -> Any:
        return current if value is KEEP else value

    name, about = _title(
        problems, pick(title, session.title), pick(description, session.description)
    )
    url, place, notes, places = _place(
        problems,
        pick(online_url, session.online_url),
        pick(venue, session.venue),
        pick(access_notes, session.access_notes),
        pick(capacity, session.capacity),
    )
    deadline = session.booking_deadline
    if booking_deadline is not KEEP:
        deadline = None
        if booking_deadline is not None:
            with problems.checking():
                deadline = times.to_utc(
                    booking_deadline, session.timezone, field="booking_deadline"
                )
            if deadline is not None and deadline > session.starts_at:
                problems.add(
                    "booking_deadline", "The booking deadline has to be before the session starts."
                )
    problems.raise_any()

    begin_write()
    session = lock_session(session)
    changes = {
        key: value
        for key, value in {
            "title": name,
            "description": about,
            "online_url": url,
            "venue": place,
            "access_notes": notes,
            "capacity": places,
            "booking_deadline": deadline,
        }.items()
        if getattr(session, key) != value
    }
    if not changes:
        commit()
        return session
    for key, value in changes.items():
        setattr(session, key, value)
    session.sequence += 1
    db.session.flush()
    fill_places(session)
    audit.record(
        actor,
        "live_session.update",
        session,
        f"Session “{session.title}” changed: {', '.join(sorted(changes))}",
        changed=sorted(changes),
    )
    commit()
    return session


def reschedule(
    actor: User | None,
    session: LiveSession,
    *,
    starts_at: datetime,
    ends_at: datetime,
    timezone: str | None = None,
    booking_deadline: Any = KEEP,
) -> LiveSession:
    """Move a session to new times. Every booking and the waiting list are kept; SEQUENCE is
    raised so calendars update, and ``lms_session_rescheduled`` tells plugins (and through
    them, people) after the commit. Naive times are read in ``timezone`` (default: the
    session's own)."""
    if session.is_cancelled:
        raise InvalidInput(
            "This session was cancelled, so it can't be moved. You can schedule a new one."
        )
    zone_name = (timezone or session.timezone).strip()
    deadline_in = None if booking_deadline is KEEP else booking_deadline
    problems = Problems()
    start, end, deadline = _times(problems, zone_name, starts_at, ends_at, deadline_in)
    if booking_deadline is KEEP:
        deadline = session.booking_deadline
        if deadline is not None and start is not None and deadline > start:
            problems.add(
                "booking_deadline",
                "The booking deadline is after the new start. Please move the deadline too.",
            )
    problems.raise_any()

    begin_write()
    session = lock_session(session)
    before = times.format_when(session)
    if (session.starts_at, session.ends_at, session.timezone, session.booking_deadline) == (
        start,
        end,
        zone_name,
        deadline,
    ):
        commit()
        return session
    session.starts_at, session.ends_at = start, end  # type: ignore[assignment]
    session.timezone = zone_name
    session.booking_deadline = deadline
    session.sequence += 1
    db.session.flush()
    audit.record(
        actor,
        "live_session.reschedule",
        session,
        f"Session “{session.title}” moved from {before} to {times.format_when(session)}",
    )
    after_commit("lms_session_rescheduled", session=session)
    commit()
    return session


def cancel_session(actor: User | None, session: LiveSession, reason: str) -> LiveSession:
    """Cancel a session, saying why (e.g. “cancelled by the establishment: staffing”).

    Bookings are kept so people can see what happened. A cancelled session never counts
    towards anyone's attendance, so completion is recomputed for the cohort's learners when
    its course completes on attendance. Cancelling twice changes nothing.
    """
    text = (reason or "").strip()
    if not text:
        raise InvalidInput(
            "Please say why the session is cancelled, so people know it isn't about them.",
            field_errors={"reason": "Please give a reason."},
        )
    if len(text) > 300:
        raise InvalidInput(
            "The reason can be up to 300 characters.",
            field_errors={"reason": "Up to 300 characters, please."},
        )
    begin_write()
    session = lock_session(session)
    if session.is_cancelled:
        commit()
        return session
    session.status = "cancelled"
    session.cancel_reason = text
    session.cancelled_at = utcnow()
    session.sequence += 1
    db.session.flush()
    audit.record(
        actor,
        "live_session.cancel",
        session,
        f"Session “{session.title}” cancelled: {text}",
        reason=text,
    )
    recompute_for(session.cohort)
    after_commit("lms_session_cancelled", session=session)
    commit()
    return session
