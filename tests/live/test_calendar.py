"""Times shown with their zone named, ``.ics`` files read back with icalendar, and private
calendar feeds."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from icalendar import Calendar
from sqlalchemy import select

from lms.errors import InvalidInput
from lms.live import services as live
from lms.live import times
from lms.live.calendar import build_calendar
from lms.live.models import CalendarFeed, LiveSession
from tests.live.conftest import soon

NOW = datetime(2031, 1, 15, 12, 0, tzinfo=UTC)


def _session(start: datetime, end: datetime, zone: str = "Europe/London") -> LiveSession:
    return LiveSession(title="T", starts_at=start, ends_at=end, timezone=zone)


@pytest.mark.parametrize(
    ("start", "end", "zone", "shown"),
    [
        (
            datetime(2031, 3, 4, 10, 0),
            datetime(2031, 3, 4, 11, 30),
            "Europe/London",
            "Tuesday 4 March, 10:00 to 11:30 (London time, GMT)",
        ),
        (
            datetime(2031, 7, 1, 9, 0),
            datetime(2031, 7, 1, 10, 30),
            "Europe/London",
            "Tuesday 1 July, 10:00 to 11:30 (London time, BST)",
        ),
        (
            datetime(2031, 7, 1, 9, 0),
            datetime(2031, 7, 1, 10, 0),
            "Atlantic/St_Helena",
            "Tuesday 1 July, 09:00 to 10:00 (St Helena time, GMT)",
        ),
        (
            datetime(2031, 7, 1, 9, 0),
            datetime(2031, 7, 1, 10, 0),
            "Asia/Dubai",
            "Tuesday 1 July, 13:00 to 14:00 (Dubai time, UTC+04)",
        ),
        (
            datetime(2031, 3, 4, 22, 30),
            datetime(2031, 3, 5, 0, 30),
            "Europe/London",
            "Tuesday 4 March, 22:30 to Wednesday 5 March, 00:30 (London time, GMT)",
        ),
        (
            datetime(2032, 3, 2, 10, 0),
            datetime(2032, 3, 2, 11, 0),
            "UTC",
            "Tuesday 2 March 2032, 10:00 to 11:00 (UTC, UTC)",
        ),
    ],
)
def test_format_when_names_the_zone(start, end, zone, shown):
    assert times.format_when(_session(start, end, zone), zone, now=NOW) == shown


def test_a_session_shown_in_another_zone():
    session = _session(datetime(2031, 3, 4, 10, 0), datetime(2031, 3, 4, 11, 0))
    assert times.format_when(session, "Atlantic/Stanley", now=NOW) == (
        "Tuesday 4 March, 07:00 to 08:00 (Stanley time, UTC-03)"
    )


def test_unknown_zones_are_refused():
    with pytest.raises(InvalidInput):
        times.zone("Mars/Olympus")


def _parse(body: bytes) -> tuple[Calendar, object]:
    calendar = Calendar.from_ical(body)
    (event,) = calendar.walk("VEVENT")
    return calendar, event


def test_an_ics_file_has_a_vtimezone_a_stable_uid_and_its_sequence(create_session, learners):
    start = soon(days=10)
    session = create_session(
        starts_at=start, ends_at=start + timedelta(minutes=90), venue="Room 3", capacity=1
    )
    people = learners(session.cohort, 2)
    for person in people:
        live.book(person, session)

    def read() -> tuple[Calendar, object]:
        return _parse(build_calendar([session], show_link=lambda s: False))

    calendar, event = read()
    assert str(calendar["METHOD"]) == "PUBLISH"
    (vtimezone,) = calendar.walk("VTIMEZONE")
    assert str(vtimezone["TZID"]) == "Europe/London"
    assert str(event["UID"]) == session.uid
    assert int(event["SEQUENCE"]) == 0 and str(event["STATUS"]) == "CONFIRMED"
    assert event["DTSTART"].params["TZID"] == "Europe/London"
    assert event.decoded("DTSTART") == start
    assert "teams.microsoft.com" not in event.to_ical().decode()  # not booked: no link

    moved = soon(days=12, hour=14)
    live.reschedule(None, session, starts_at=moved, ends_at=moved + timedelta(hours=1))
    _calendar, event = read()
    assert str(event["UID"]) == session.uid
    assert int(event["SEQUENCE"]) == 1
    assert event.decoded("DTSTART") == moved

    live.cancel_session(None, session, "Cancelled by the establishment: staffing")
    _calendar, event = read()
    assert str(event["UID"]) == session.uid
    assert int(event["SEQUENCE"]) == 2 and str(event["STATUS"]) == "CANCELLED"
    assert "staffing" in str(event["DESCRIPTION"])


def test_the_link_is_in_the_file_only_when_allowed(create_session):
    session = create_session()
    body = build_calendar([session], show_link=lambda s: True)
    _calendar, event = _parse(body)
    assert "https://teams.microsoft.com/l/meetup-join/abc" in str(event["DESCRIPTION"])
    assert str(event["LOCATION"]) == "https://teams.microsoft.com/l/meetup-join/abc"
    _calendar, hidden = _parse(build_calendar([session], show_link=lambda s: False))
    assert "meetup-join" not in hidden.to_ical().decode()
    assert str(hidden["LOCATION"]) == "Online"


def test_a_feed_token_is_stored_only_as_a_hash(db, create_user):
    person = create_user()
    token = live.create_feed(person)
    feed = db.session.scalar(select(CalendarFeed).where(CalendarFeed.user_id == person.id))
    assert feed.token_hash != token and len(feed.token_hash) == 64
    assert token not in repr([getattr(feed, c.key) for c in CalendarFeed.__table__.columns])
    assert live.feed_for_token(token).user_id == person.id
    assert live.feed_for_token("not-a-token") is None


def test_revoking_and_renewing_a_feed(db, create_user):
    person = create_user()
    first = live.create_feed(person)
    assert live.revoke_feed(person) is True
    assert live.feed_for_token(first) is None
    assert live.revoke_feed(person) is False
    second = live.create_feed(person)
    third = live.create_feed(person)  # renewing: only the newest works
    assert live.feed_for_token(second) is None
    assert live.feed_for_token(third).user_id == person.id
    assert db.session.scalar(select(CalendarFeed.id).where(CalendarFeed.user_id == person.id))


def test_the_feed_shows_only_sessions_the_person_is_booked_on(
    client, create_session, learners, create_cohort
):
    cohort = create_cohort()
    booked = create_session(cohort, title="Booked one")
    waiting = create_session(cohort, title="Waiting one", capacity=0)
    create_session(cohort, title="Not booked")
    cancelled = create_session(cohort, title="Cancelled one")
    (person,) = learners(cohort, 1)
    live.book(person, booked)
    live.book(person, waiting)
    live.book(person, cancelled)
    live.cancel_session(None, cancelled, "Cancelled by the establishment: staffing")
    token = live.create_feed(person)

    response = client.get(f"/calendar/{token}.ics")  # no one signed in: calendar apps
    assert response.status_code == 200
    assert response.mimetype == "text/calendar"
    assert "no-cache" in response.headers["Cache-Control"]
    calendar = Calendar.from_ical(response.data)
    events = {str(e["SUMMARY"]): e for e in calendar.walk("VEVENT")}
    assert set(events) == {"Booked one", "Cancelled: Cancelled one"}
    assert str(events["Cancelled: Cancelled one"]["STATUS"]) == "CANCELLED"
    assert "meetup-join" in str(events["Booked one"]["DESCRIPTION"])
    assert calendar.walk("VTIMEZONE")

    live.revoke_feed(person)
    assert client.get(f"/calendar/{token}.ics").status_code == 404
    assert client.get("/calendar/guess.ics").status_code == 404
