"""iCalendar files for sessions: one session's ``.ics`` and a person's feed.

Each event keeps the session's UID for ever and carries its SEQUENCE and STATUS, so when a
session moves or is cancelled, Outlook and Google Calendar update or cancel the event they
already have instead of adding another. Times are written in the session's own zone with a
VTIMEZONE, so the event stays right across clock changes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime, timedelta

from icalendar import Calendar, Event

from lms.live import times
from lms.live.models import LiveSession

PRODID = "-//Learning//Live sessions//EN"


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC)


def _description(session: LiveSession, show_link: bool, page_url: str | None) -> str:
    parts = []
    if session.is_cancelled:
        parts.append(f"This session was cancelled: {session.cancel_reason}")
    if session.description:
        parts.append(session.description)
    if session.venue:
        parts.append(f"Where: {session.venue}")
    if session.access_notes:
        parts.append(f"Getting in: {session.access_notes}")
    if session.online_url and show_link:
        parts.append(f"Join online: {session.online_url}")
    elif session.online_url:
        parts.append("The online link is shown to people booked on the session.")
    if page_url:
        parts.append(f"Details: {page_url}")
    return "\n\n".join(parts)


def session_event(
    session: LiveSession, *, show_link: bool, page_url: str | None = None, now: datetime
) -> Event:
    zone = times.zone(session.timezone)
    event = Event()
    event.add("uid", session.uid)
    event.add("dtstamp", now)
    event.add("created", _utc(session.created_at))
    event.add("last-modified", _utc(session.updated_at or session.created_at))
    event.add("sequence", session.sequence)
    event.add("status", "CANCELLED" if session.is_cancelled else "CONFIRMED")
    event.add("summary", f"Cancelled: {session.title}" if session.is_cancelled else session.title)
    event.add("dtstart", times.local(session.starts_at, zone))
    event.add("dtend", times.local(session.ends_at, zone))
    location = session.venue or ("Online" if session.online_url else "")
    if session.online_url and show_link and not session.venue:
        location = session.online_url
    if location:
        event.add("location", location)
    description = _description(session, show_link, page_url)
    if description:
        event.add("description", description)
    if page_url:
        event.add("url", page_url)
    event.add("transp", "TRANSPARENT" if session.is_cancelled else "OPAQUE")
    return event


def build_calendar(
    sessions: Iterable[LiveSession],
    *,
    show_link: Callable[[LiveSession], bool],
    page_url: Callable[[LiveSession], str] | None = None,
    name: str | None = None,
    now: datetime | None = None,
) -> bytes:
    """An iCalendar file (METHOD:PUBLISH) with one event per session and a VTIMEZONE for
    every zone they use. ``show_link(session)`` decides whether its online link is included."""
    stamp = (now or datetime.now(UTC)).replace(microsecond=0)
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    if name:
        calendar.add("x-wr-calname", name)
    first: date | None = None
    last: date | None = None
    for session in sessions:
        calendar.add_component(
            session_event(
                session,
                show_link=show_link(session),
                page_url=page_url(session) if page_url else None,
                now=stamp,
            )
        )
        start, end = session.starts_at.date(), session.ends_at.date()
        first = start if first is None or start < first else first
        last = end if last is None or end > last else last
    if first is not None and last is not None:
        # Transitions a year either side are plenty, and keep the file small.
        calendar.add_missing_timezones(
            first_date=first - timedelta(days=366), last_date=last + timedelta(days=366)
        )
    return bytes(calendar.to_ical())
