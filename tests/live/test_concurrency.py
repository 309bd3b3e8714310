"""Fifty people booking ten places at the same moment: exactly ten get places, forty wait, in
the order they arrived. Runs on SQLite, and on PostgreSQL when LMS_TEST_DATABASE_URL points
at one."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import event, select
from sqlalchemy.orm import Session

from lms.extensions import db
from lms.live import services as live
from lms.live.models import Booking, LiveSession
from lms.testing.factories import Factories

PEOPLE, PLACES = 50, 10


def _world(app: Any) -> tuple[int, list[int]]:
    with app.app_context():
        f = Factories()
        cohort = f.cohort(f.course(enrolment="cohort"))
        people = [f.user() for _ in range(PEOPLE)]
        for person in people:
            f.enrol(person, cohort)
        db.session.commit()
        start = datetime.now(UTC) + timedelta(days=7)
        session = live.schedule_session(
            None,
            cohort=cohort,
            title="Popular session",
            starts_at=start,
            ends_at=start + timedelta(hours=1),
            timezone="Europe/London",
            online_url="https://teams.microsoft.com/l/meetup-join/popular",
            capacity=PLACES,
        )
        return session.id, [p.id for p in people]


def test_fifty_simultaneous_bookings_for_ten_places(make_app):
    app = make_app()
    session_id, user_ids = _world(app)
    fired: list[str] = []
    app.extensions["lms_plugins"].fire = lambda name, **kw: fired.append(name)

    # The order writers get to write in: noted inside each booking's write transaction, so
    # while it holds SQLite's write lock or PostgreSQL's lock on the session row.
    arrivals: list[int] = []

    def note_arrival(session: Session, _context: Any) -> None:
        arrivals.extend(obj.user_id for obj in session.new if isinstance(obj, Booking))

    event.listen(Session, "after_flush", note_arrival)
    errors: list[BaseException] = []
    barrier = threading.Barrier(PEOPLE)

    def book(user_id: int) -> None:
        try:
            with app.app_context():
                from lms.accounts.models import User

                barrier.wait()  # before touching the database: the pool has fewer connections
                person = db.session.get(User, user_id)
                session = db.session.get(LiveSession, session_id)
                live.book(person, session)
        except BaseException as error:  # collected and reported below
            errors.append(error)

    threads = [threading.Thread(target=book, args=(user_id,)) for user_id in user_ids]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        event.remove(Session, "after_flush", note_arrival)

    assert not errors, errors
    assert sorted(arrivals) == sorted(user_ids)
    with app.app_context():
        session = db.session.get(LiveSession, session_id)
        booked = live.bookings_of(session, "booked")
        waiting = live.waitlist(session)
        assert len(booked) == PLACES and len(waiting) == PEOPLE - PLACES
        assert {b.user_id for b in booked} == set(arrivals[:PLACES])
        assert [b.user_id for b in waiting] == arrivals[PLACES:]
        assert [live.waitlist_position(b) for b in waiting] == list(range(1, 41))
    assert fired == ["lms_session_booked"] * PEOPLE

    # Places freed at the same moment go to the first people waiting, one each.
    with app.app_context():
        freed = [b.id for b in live.bookings_of(db.session.get(LiveSession, session_id))[:5]]
    fired.clear()
    barrier = threading.Barrier(len(freed))

    def cancel(booking_id: int) -> None:
        try:
            with app.app_context():
                barrier.wait()
                live.cancel_booking(None, db.session.get(Booking, booking_id))
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=cancel, args=(booking_id,)) for booking_id in freed]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    with app.app_context():
        session = db.session.get(LiveSession, session_id)
        booked_ids = {b.user_id for b in live.bookings_of(session, "booked")}
        assert len(booked_ids) == PLACES
        assert set(arrivals[PLACES : PLACES + 5]) <= booked_ids
        assert [b.user_id for b in live.waitlist(session)] == arrivals[PLACES + 5 :]
        assert (
            db.session.scalar(
                select(Booking.id).where(
                    Booking.session_id == session_id, Booking.status == "cancelled"
                )
            )
            is not None
        )
    assert fired == ["lms_promoted_from_waitlist"] * 5
