"""Scheduling, changing, rescheduling and cancelling sessions: every rule, and bad input that
writes nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from lms.audit.models import AuditEvent
from lms.errors import InvalidInput
from lms.extensions import db
from lms.live import services as live
from lms.live.models import Booking, LiveSession
from tests.live.conftest import soon

LONDON = ZoneInfo("Europe/London")


def counts() -> tuple[int, int, int]:
    return (
        db.session.scalar(select(func.count(LiveSession.id))) or 0,
        db.session.scalar(select(func.count(Booking.id))) or 0,
        db.session.scalar(select(func.count(AuditEvent.id))) or 0,
    )


def test_naive_times_are_read_in_the_sessions_zone_and_stored_in_utc(create_cohort, create_user):
    cohort = create_cohort()
    host = create_user()
    session = live.schedule_session(
        host,
        cohort=cohort,
        title="  Welcome  ",
        starts_at=datetime(2031, 7, 1, 10, 0),  # British Summer Time
        ends_at=datetime(2031, 7, 1, 11, 30),
        timezone="Europe/London",
        venue="Room 3",
    )
    assert (session.starts_at, session.ends_at) == (
        datetime(2031, 7, 1, 9, 0),
        datetime(2031, 7, 1, 10, 30),
    )
    assert session.title == "Welcome" and session.minutes == 90
    assert session.status == "scheduled" and session.sequence == 0
    assert session.uid.startswith("live-") and session.created_by_id == host.id
    audit = db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "live_session.schedule")
    )
    assert audit.actor_id == host.id and audit.subject_id == session.id


def test_aware_times_and_the_cohorts_zone(create_cohort):
    cohort = create_cohort(timezone="Atlantic/St_Helena")
    start = datetime(2031, 1, 6, 12, 0, tzinfo=UTC)
    session = live.schedule_session(
        None,
        cohort=cohort,
        title="Remote sites",
        starts_at=start,
        ends_at=start + timedelta(hours=1),
        online_url="https://teams.microsoft.com/l/meetup-join/x",
    )
    assert session.timezone == "Atlantic/St_Helena"
    assert session.starts_at == datetime(2031, 1, 6, 12, 0)


def test_a_plugin_owner_can_hold_sessions_without_a_cohort(db):
    start = soon()
    session = live.schedule_session(
        None,
        owner="networks",
        owner_id=7,
        title="North West network",
        starts_at=start,
        ends_at=start + timedelta(hours=2),
        timezone="Europe/London",
        venue="Manchester Central Library",
        capacity=None,
    )
    assert (session.owner, session.owner_id, session.cohort_id) == ("networks", 7, None)
    assert session.capacity is None


GOOD = {
    "title": "Reflective practice",
    "starts_at": datetime(2031, 3, 4, 10, 0),
    "ends_at": datetime(2031, 3, 4, 11, 30),
    "timezone": "Europe/London",
    "online_url": "https://teams.microsoft.com/l/meetup-join/abc",
}


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"title": "   "}, "title", "Give the session a title"),
        ({"title": "x" * 201}, "title", "up to 200 characters"),
        ({"ends_at": datetime(2031, 3, 4, 9, 0)}, "ends_at", "end after it starts"),
        ({"ends_at": datetime(2031, 3, 4, 10, 0)}, "ends_at", "end after it starts"),
        ({"ends_at": datetime(2031, 3, 5, 11, 0)}, "ends_at", "up to 24 hours"),
        ({"timezone": "Europe/Londn"}, "timezone", "isn't a time zone we know"),
        ({"timezone": "../../etc/passwd"}, "timezone", "isn't a time zone we know"),
        ({"timezone": " "}, "timezone", "Choose the time zone"),
        (
            {"booking_deadline": datetime(2031, 3, 4, 10, 30)},
            "booking_deadline",
            "before the session starts",
        ),
        ({"capacity": -1}, "capacity", "can't be less than 0"),
        ({"online_url": "javascript:alert(1)"}, "online_url", "starting with https://"),
        ({"online_url": "ftp://example.org/x"}, "online_url", "starting with https://"),
        ({"online_url": "teams meeting"}, "online_url", "starting with https://"),
        ({"online_url": "https://exa mple.org"}, "online_url", "starting with https://"),
        ({"online_url": None}, "online_url", "an online link, a venue, or both"),
        ({"online_url": "", "venue": "  "}, "online_url", "an online link, a venue, or both"),
        # The clocks go forward at 01:00 on 30 March 2031 in London: 01:30 never happens.
        (
            {"starts_at": datetime(2031, 3, 30, 1, 30), "ends_at": datetime(2031, 3, 30, 3)},
            "starts_at",
            "doesn't exist in London time",
        ),
    ],
)
def test_bad_input_is_refused_and_nothing_is_written(create_cohort, change, field, words):
    cohort = create_cohort()
    before = counts()
    with pytest.raises(InvalidInput) as caught:
        live.schedule_session(None, cohort=cohort, **{**GOOD, **change})
    assert words in caught.value.message
    assert field in caught.value.field_errors
    assert counts() == before


def test_every_problem_is_reported_at_once(db):
    with pytest.raises(InvalidInput) as caught:
        live.schedule_session(
            None,
            title="",
            starts_at=datetime(2031, 3, 4, 10),
            ends_at=datetime(2031, 3, 4, 9),
            timezone="Europe/London",
            capacity=-2,
        )
    assert set(caught.value.field_errors) == {
        "cohort",
        "title",
        "ends_at",
        "online_url",
        "capacity",
    }


def test_an_owner_must_be_a_plugin_name(db):
    with pytest.raises(InvalidInput, match="plugin's name"):
        live.schedule_session(None, owner="Not A Name", **GOOD)
    with pytest.raises(InvalidInput, match="needs an owner name"):
        live.schedule_session(None, owner_id=3, **{**GOOD, "title": "x"})


def test_update_changes_details_and_raises_the_sequence(create_session):
    session = create_session(capacity=5)
    live.update_session(None, session, title="Reflective practice (2)", venue="Room 4")
    assert session.title == "Reflective practice (2)" and session.venue == "Room 4"
    assert session.online_url is not None  # left as it was
    assert session.sequence == 1
    live.update_session(None, session, title="Reflective practice (2)")
    assert session.sequence == 1  # nothing changed, nothing raised


def test_update_refuses_bad_input_and_writes_nothing(create_session):
    session = create_session()
    before = (session.title, session.online_url, session.sequence)
    with pytest.raises(InvalidInput):
        live.update_session(None, session, title="", online_url="javascript:x")
    db.session.refresh(session)
    assert (session.title, session.online_url, session.sequence) == before
    with pytest.raises(InvalidInput, match="before the session starts"):
        live.update_session(
            None, session, booking_deadline=session.starts_at.replace(tzinfo=UTC) + timedelta(1)
        )


def test_raising_capacity_promotes_from_the_waiting_list_and_lowering_takes_no_place(
    create_session, learners
):
    session = create_session(capacity=1)
    first, second, third = learners(session.cohort, 3)
    for person in (first, second, third):
        live.book(person, session)
    live.update_session(None, session, capacity=2)
    statuses = {b.user_id: b.status for b in db.session.scalars(select(Booking))}
    assert statuses == {first.id: "booked", second.id: "booked", third.id: "waitlisted"}
    live.update_session(None, session, capacity=0)
    statuses = {b.user_id: b.status for b in db.session.scalars(select(Booking))}
    assert statuses == {first.id: "booked", second.id: "booked", third.id: "waitlisted"}


def test_reschedule_keeps_bookings_and_raises_the_sequence(create_session, learners, heard):
    session = create_session(capacity=1)
    booked, waiting = learners(session.cohort, 2)
    live.book(booked, session)
    live.book(waiting, session)
    uid = session.uid
    new_start = soon(days=14, hour=14)
    live.reschedule(None, session, starts_at=new_start, ends_at=new_start + timedelta(hours=1))
    assert session.starts_at == new_start.astimezone(UTC).replace(tzinfo=None)
    assert session.minutes == 60 and session.sequence == 1 and session.uid == uid
    statuses = sorted(b.status for b in db.session.scalars(select(Booking)))
    assert statuses == ["booked", "waitlisted"]
    assert [name for name, _kw, _c in heard if name == "lms_session_rescheduled"] == [
        "lms_session_rescheduled"
    ]
    # The same times again change nothing.
    live.reschedule(None, session, starts_at=new_start, ends_at=new_start + timedelta(hours=1))
    assert session.sequence == 1


def test_reschedule_moves_to_another_zone(create_session):
    session = create_session()
    live.reschedule(
        None,
        session,
        starts_at=datetime(2031, 1, 6, 9, 0),
        ends_at=datetime(2031, 1, 6, 10, 0),
        timezone="Atlantic/Stanley",  # UTC-3
    )
    assert session.timezone == "Atlantic/Stanley"
    assert session.starts_at == datetime(2031, 1, 6, 12, 0)


def test_reschedule_refuses_a_deadline_after_the_new_start(create_session):
    start = soon(days=10)
    session = create_session(starts_at=start, booking_deadline=start - timedelta(days=2))
    earlier = soon(days=5)
    with pytest.raises(InvalidInput, match="move the deadline too"):
        live.reschedule(None, session, starts_at=earlier, ends_at=earlier + timedelta(hours=1))
    assert session.sequence == 0
    live.reschedule(
        None,
        session,
        starts_at=earlier,
        ends_at=earlier + timedelta(hours=1),
        booking_deadline=earlier - timedelta(days=1),
    )
    assert session.booking_deadline == (earlier - timedelta(days=1)).astimezone(UTC).replace(
        tzinfo=None
    )


def test_cancel_needs_a_reason_and_keeps_bookings(create_session, learners, heard):
    session = create_session()
    (person,) = learners(session.cohort, 1)
    live.book(person, session)
    before = counts()
    with pytest.raises(InvalidInput, match="say why"):
        live.cancel_session(None, session, "   ")
    assert counts() == before and session.status == "scheduled"

    live.cancel_session(None, session, "Cancelled by the establishment: staffing")
    assert session.is_cancelled and session.cancelled_at is not None
    assert session.cancel_reason == "Cancelled by the establishment: staffing"
    assert session.sequence == 1
    assert db.session.scalar(select(Booking.status)) == "booked"
    live.cancel_session(None, session, "Again")  # twice: nothing more happens
    assert session.cancel_reason == "Cancelled by the establishment: staffing"
    assert [name for name, _kw, _c in heard].count("lms_session_cancelled") == 1


def test_a_cancelled_session_cannot_be_changed_or_moved(create_session):
    session = create_session()
    live.cancel_session(None, session, "Cancelled: the facilitator is unwell")
    with pytest.raises(InvalidInput, match="cancelled"):
        live.update_session(None, session, title="New")
    start = soon(days=9)
    with pytest.raises(InvalidInput, match="cancelled"):
        live.reschedule(None, session, starts_at=start, ends_at=start + timedelta(hours=1))


def test_host_actions_are_audited(create_session, create_user):
    host = create_user()
    session = create_session(actor=host)
    live.update_session(host, session, capacity=3)
    start = soon(days=8)
    live.reschedule(host, session, starts_at=start, ends_at=start + timedelta(hours=1))
    live.cancel_session(host, session, "Cancelled by the establishment: staffing")
    actions = list(
        db.session.scalars(
            select(AuditEvent.action).where(AuditEvent.actor_id == host.id).order_by(AuditEvent.id)
        )
    )
    assert actions == [
        "live_session.schedule",
        "live_session.update",
        "live_session.reschedule",
        "live_session.cancel",
    ]
