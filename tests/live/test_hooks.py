"""One test per live-session event hook (``test_hook_<name>``), through the real services with
a plugin loaded (tests/live/listener.py): each fires once, after the commit, with the
arguments its hookspec documents, and never for a change that did not happen."""

from __future__ import annotations

from datetime import timedelta

import pytest

from lms.errors import Conflict, InvalidInput
from lms.live import services as live
from lms.live.services import RegisterEntry
from tests.live.conftest import soon


def _names(heard):
    return [name for name, _kwargs, _committed in heard]


def test_the_listener_is_a_loaded_plugin(app):
    assert "live_listener" in app.extensions["lms_plugins"].plugins


def test_hook_lms_session_booked(create_session, learners, create_user, heard):
    session = create_session(capacity=1)
    first, second = learners(session.cohort, 2)
    booked = live.book(first, session)
    waiting = live.book(second, session)
    by_name = live.book(None, session, name="Officer Grant", by=create_user())
    assert [(n, kw["booking"].id, kw["booking"].status, c) for n, kw, c in heard] == [
        ("lms_session_booked", booked.id, "booked", True),
        ("lms_session_booked", waiting.id, "waitlisted", True),
        ("lms_session_booked", by_name.id, "waitlisted", True),
    ]
    assert heard[0][1]["booking"].session.id == session.id
    heard.clear()
    live.book(first, session)  # already booked: nothing new
    live.cancel_session(None, session, "Cancelled by the establishment: staffing")
    heard.clear()
    with pytest.raises(Conflict):
        live.book(learners(session.cohort, 1)[0], session)
    assert heard == []


def test_hook_lms_promoted_from_waitlist(create_session, learners, heard):
    session = create_session(capacity=1)
    first, second, third = learners(session.cohort, 3)
    mine = live.book(first, session)
    waiting = live.book(second, session)
    live.book(third, session)
    heard.clear()
    live.cancel_booking(first, mine)
    assert [(n, kw["booking"].id, kw["booking"].status, c) for n, kw, c in heard] == [
        ("lms_promoted_from_waitlist", waiting.id, "booked", True)
    ]
    heard.clear()
    live.update_session(None, session, capacity=3)  # one more place: the third person
    assert _names(heard) == ["lms_promoted_from_waitlist"]
    assert heard[0][1]["booking"].user_id == third.id


def test_hook_lms_session_rescheduled(create_session, heard):
    session = create_session()
    start = soon(days=11)
    live.reschedule(None, session, starts_at=start, ends_at=start + timedelta(hours=2))
    assert [(n, kw["session"].id, kw["session"].sequence, c) for n, kw, c in heard] == [
        ("lms_session_rescheduled", session.id, 1, True)
    ]
    heard.clear()
    with pytest.raises(InvalidInput):
        live.reschedule(None, session, starts_at=start, ends_at=start - timedelta(hours=2))
    live.reschedule(None, session, starts_at=start, ends_at=start + timedelta(hours=2))
    assert heard == []  # refused, then unchanged: nothing to tell


def test_hook_lms_session_cancelled(create_session, heard):
    session = create_session()
    live.cancel_session(None, session, "Cancelled by the establishment: staffing")
    live.cancel_session(None, session, "Cancelled by the establishment: staffing")
    assert [(n, kw["session"].cancel_reason, c) for n, kw, c in heard] == [
        ("lms_session_cancelled", "Cancelled by the establishment: staffing", True)
    ]


def test_hook_lms_attendance_recorded(create_session, learners, heard):
    start = soon(days=-1)
    session = create_session(starts_at=start, ends_at=start + timedelta(hours=1))
    a, b = learners(session.cohort, 2)
    ba = live.add_to_register(None, session, user=a)
    bb = live.add_to_register(None, session, user=b)
    heard.clear()
    rows = live.record_attendance(
        None, session, [RegisterEntry(ba.id, "present"), RegisterEntry(bb.id, "partial", 30)]
    )
    ((name, kwargs, committed),) = heard
    assert (name, committed) == ("lms_attendance_recorded", True)
    assert kwargs["session"].id == session.id
    assert [(r.booking_id, r.status, r.minutes) for r in kwargs["attendances"]] == [
        (ba.id, "present", None),
        (bb.id, "partial", 30),
    ]
    assert kwargs["attendances"] == rows
    heard.clear()
    with pytest.raises(InvalidInput):
        live.record_attendance(None, session, [RegisterEntry(ba.id, "partial", 500)])
    assert heard == []
