"""Who may host, see, book and join live sessions (``can``)."""

from __future__ import annotations

from datetime import timedelta

from lms.accounts.permissions import can
from lms.live import services as live
from tests.live.conftest import soon


def test_hosts_are_admins_and_the_cohorts_facilitators(world, create_session):
    session = create_session(world.cohort)
    for role, allowed in {
        "facilitator": True,
        "admin": True,
        "other_facilitator": False,
        "learner": False,
        "manager": False,
    }.items():
        person = getattr(world, role)
        assert can(person, "host_session", session) is allowed, role
        assert can(person, "schedule_session", world.cohort) is allowed, role
    assert not can(None, "host_session", session)


def test_viewing_and_booking(world, create_session, factories):
    session = create_session(world.cohort)
    assert can(world.learner, "view_session", session)
    assert can(world.learner, "view_cohort_sessions", world.cohort)
    assert can(world.learner, "book_session", session)
    assert not can(world.other_learner, "view_session", session)
    assert not can(world.other_learner, "book_session", session)
    assert not can(world.manager, "book_session", session)

    withdrawn = factories.user()
    factories.enrol(withdrawn, world.cohort, status="withdrawn")
    assert not can(withdrawn, "view_session", session)
    assert not can(withdrawn, "book_session", session)
    invited = factories.user()
    factories.enrol(invited, world.cohort, status="invited")
    assert can(invited, "view_session", session) and not can(invited, "book_session", session)


def test_no_booking_once_closed_or_cancelled(world, create_session):
    start = soon(days=2)
    closed = create_session(world.cohort, starts_at=start, booking_deadline=start - timedelta(3))
    assert can(world.learner, "view_session", closed)
    assert not can(world.learner, "book_session", closed)
    cancelled = create_session(world.cohort)
    live.cancel_session(None, cancelled, "Cancelled by the establishment: staffing")
    assert not can(world.learner, "book_session", cancelled)


def test_the_link_is_for_people_booked_and_hosts(world, create_session):
    session = create_session(world.cohort, capacity=1)
    assert not can(world.learner, "see_session_link", session)
    assert can(world.facilitator, "see_session_link", session)
    booking = live.book(world.learner, session)
    assert can(world.learner, "see_session_link", session)
    assert can(world.learner, "cancel_booking", booking)
    assert can(world.facilitator, "cancel_booking", booking)
    assert not can(world.other_learner, "cancel_booking", booking)
    live.cancel_booking(world.learner, booking)
    assert not can(world.learner, "see_session_link", session)
    assert not can(world.learner, "cancel_booking", booking)


def test_waiting_is_not_booked(world, create_session, factories):
    session = create_session(world.cohort, capacity=0)
    live.book(world.learner, session)
    assert can(world.learner, "view_session", session)
    assert not can(world.learner, "see_session_link", session)


def test_a_session_without_a_cohort_is_for_admins_and_people_booked(world, db):
    start = soon()
    session = live.schedule_session(
        None,
        owner="networks",
        owner_id=1,
        title="Network meeting",
        starts_at=start,
        ends_at=start + timedelta(hours=1),
        venue="Leeds",
    )
    assert can(world.admin, "host_session", session)
    assert not can(world.facilitator, "host_session", session)
    assert not can(world.learner, "view_session", session)
    assert not can(world.learner, "book_session", session)  # the plugin books people
    live.book(world.learner, session, by=world.admin)
    assert can(world.learner, "view_session", session)
    assert can(world.learner, "see_session_link", session)
