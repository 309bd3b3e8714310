"""Booking: capacity, the first-come-first-served waiting list, promotion, cancelling."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from lms.audit.models import AuditEvent
from lms.errors import Conflict, InvalidInput
from lms.extensions import db
from lms.live import services as live
from lms.live.models import Booking
from lms.live.queries import session_views
from tests.live.conftest import soon


def test_booking_until_full_then_the_waiting_list(create_session, learners):
    session = create_session(capacity=2)
    people = learners(session.cohort, 4)
    bookings = [live.book(person, session) for person in people]
    assert [b.status for b in bookings] == ["booked", "booked", "waitlisted", "waitlisted"]
    assert [live.waitlist_position(b) for b in bookings] == [None, None, 1, 2]
    assert [b.user_id for b in live.waitlist(session)] == [people[2].id, people[3].id]
    view = session_views([session], people[3])[0]
    assert (view.booked, view.waitlisted, view.places_left, view.position) == (2, 2, 0, 2)
    assert view.is_full and view.is_waiting


def test_unlimited_and_zero_places(create_session, learners):
    open_session = create_session(capacity=None)
    closed = create_session(capacity=0)
    people = learners(open_session.cohort, 3)
    assert {live.book(p, open_session).status for p in people} == {"booked"}
    (person,) = learners(closed.cohort, 1)
    assert live.book(person, closed).status == "waitlisted"


def test_booking_twice_changes_nothing(create_session, learners, heard):
    session = create_session(capacity=5)
    (person,) = learners(session.cohort, 1)
    first = live.book(person, session)
    again = live.book(person, session)
    assert first.id == again.id
    assert db.session.scalar(select(func.count(Booking.id))) == 1
    assert [name for name, _kw, _c in heard] == ["lms_session_booked"]


def test_cancelling_promotes_the_first_person_waiting(create_session, learners, heard):
    session = create_session(capacity=1)
    booked, first_waiting, second_waiting = learners(session.cohort, 3)
    mine = live.book(booked, session)
    waiting = [live.book(first_waiting, session), live.book(second_waiting, session)]
    heard.clear()

    promoted = live.cancel_booking(booked, mine)
    assert promoted is not None and promoted.id == waiting[0].id
    assert mine.status == "cancelled" and mine.cancelled_at is not None
    assert promoted.status == "booked" and promoted.promoted_at is not None
    assert live.waitlist_position(waiting[1]) == 1
    assert [(name, kw["booking"].id) for name, kw, _c in heard] == [
        ("lms_promoted_from_waitlist", waiting[0].id)
    ]
    # Cancelling again does nothing more.
    assert live.cancel_booking(booked, mine) is None
    assert waiting[1].status == "waitlisted"


def test_leaving_the_waiting_list_promotes_nobody(create_session, learners):
    session = create_session(capacity=1)
    booked, waiting, later = learners(session.cohort, 3)
    live.book(booked, session)
    mine = live.book(waiting, session)
    last = live.book(later, session)
    assert live.cancel_booking(waiting, mine) is None
    assert last.status == "waitlisted" and live.waitlist_position(last) == 1


def test_booking_again_after_cancelling_joins_the_back_of_the_queue(create_session, learners):
    session = create_session(capacity=1)
    a, b, c = learners(session.cohort, 3)
    live.book(a, session)
    b_booking = live.book(b, session)
    live.book(c, session)
    live.cancel_booking(b, b_booking)
    again = live.book(b, session)
    assert again.id == b_booking.id  # one row per person and session
    assert again.status == "waitlisted" and live.waitlist_position(again) == 2


def test_one_booking_per_person_is_enforced_by_the_database(create_session, learners):
    from sqlalchemy.exc import IntegrityError

    session = create_session()
    (person,) = learners(session.cohort, 1)
    live.book(person, session)
    with pytest.raises(IntegrityError), db.session.begin_nested():
        db.session.add(
            Booking(
                session_id=session.id,
                user_id=person.id,
                status="booked",
                created_at=datetime.now(UTC).replace(tzinfo=None),
            )
        )
        db.session.flush()


def test_booking_is_refused_when_cancelled_closed_or_over(create_session, learners, create_user):
    start = soon(days=3)
    closed = create_session(starts_at=start, booking_deadline=start - timedelta(days=4))
    (person,) = learners(closed.cohort, 1)
    with pytest.raises(Conflict, match="Booking for this session has closed"):
        live.book(person, closed)
    host = create_user()
    assert live.book(person, closed, by=host).status == "booked"  # a host still can
    assert db.session.scalar(
        select(AuditEvent.action).where(AuditEvent.action == "live_booking.create")
    )

    cancelled = create_session()
    live.cancel_session(None, cancelled, "Cancelled by the establishment: staffing")
    (other,) = learners(cancelled.cohort, 1)
    with pytest.raises(Conflict, match="staffing"):
        live.book(other, cancelled)

    past = soon(days=-3)
    over = create_session(starts_at=past, ends_at=past + timedelta(hours=1))
    (late,) = learners(over.cohort, 1)
    with pytest.raises(Conflict, match="already taken place"):
        live.book(late, over, by=host)
    assert db.session.scalar(select(func.count(Booking.id))) == 1


def test_nobody_is_promoted_once_a_session_has_started(create_session, learners, create_user):
    now = datetime.now(UTC)
    session = create_session(
        starts_at=now - timedelta(minutes=10), ends_at=now + timedelta(hours=1), capacity=1
    )
    host = create_user()
    first, second = learners(session.cohort, 2)
    mine = live.book(first, session, by=host)
    waiting = live.book(second, session, by=host)
    assert live.cancel_booking(first, mine) is None
    assert waiting.status == "waitlisted"


def test_someone_without_an_account_is_booked_by_name_by_a_host(create_session, create_user):
    session = create_session(capacity=3)
    host = create_user()
    with pytest.raises(InvalidInput, match="name"):
        live.book(None, session, name="  ", by=host)
    with pytest.raises(InvalidInput, match="booked by a host"):
        live.book(None, session, name="Officer Grant")
    first = live.book(None, session, name="  Officer   Grant ", by=host)
    second = live.book(None, session, name="Officer Grant", by=host)
    assert first.id != second.id  # two people may share a name
    assert first.person_name == "Officer Grant" and first.user_id is None
    assert first.booked_by_id == host.id
