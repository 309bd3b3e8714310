"""The register, the attendance summary, and the ``attendance`` completion rule."""

from __future__ import annotations

import shutil
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from lms.catalogue.loader import CourseFileErrors, load_course
from lms.cohorts.models import Enrolment
from lms.errors import Conflict, InvalidInput
from lms.extensions import db
from lms.live import services as live
from lms.live.models import Attendance, Booking
from lms.live.services import RegisterEntry
from lms.progress.models import CourseCompletion
from tests.catalogue.helpers import DATA, SLUG, edit
from tests.live.conftest import soon


def _past(create_session, cohort, days=-2, **kw):
    start = soon(days=days)
    return create_session(cohort, starts_at=start, ends_at=start + timedelta(minutes=60), **kw)


def _booked(session, people, host):
    return [live.add_to_register(host, session, user=person) for person in people]


def test_a_register_is_recorded_in_one_go(create_session, learners, create_user):
    host = create_user()
    session = _past(create_session, None)
    a, b, c, d = learners(session.cohort, 4)
    ba, bb, bc, bd = _booked(session, [a, b, c, d], host)
    rows = live.record_attendance(
        host,
        session,
        [
            RegisterEntry(ba.id, "present"),
            RegisterEntry(bb.id, "partial", 40),
            {"booking": bc, "status": "absent", "minutes": 12},  # minutes ignored
            {"booking_id": bd.id, "status": "excused"},
        ],
    )
    assert [(r.booking_id, r.status, r.minutes) for r in rows] == [
        (ba.id, "present", None),
        (bb.id, "partial", 40),
        (bc.id, "absent", None),
        (bd.id, "excused", None),
    ]
    assert {r.recorded_by_id for r in rows} == {host.id}


def test_correcting_a_register_changes_only_what_changed(create_session, learners, heard):
    session = _past(create_session, None)
    a, b = learners(session.cohort, 2)
    ba, bb = _booked(session, [a, b], None)
    live.record_attendance(
        None, session, [RegisterEntry(ba.id, "present"), RegisterEntry(bb.id, "absent")]
    )
    heard.clear()
    changed = live.record_attendance(
        None, session, [RegisterEntry(ba.id, "present"), RegisterEntry(bb.id, "partial", 30)]
    )
    assert [(r.booking_id, r.status) for r in changed] == [(bb.id, "partial")]
    assert db.session.scalar(select(func.count(Attendance.id))) == 2
    assert [(name, [a.id for a in kw["attendances"]]) for name, kw, _c in heard] == [
        ("lms_attendance_recorded", [changed[0].id])
    ]
    assert live.record_attendance(None, session, [RegisterEntry(ba.id, "present")]) == []


@pytest.mark.parametrize(
    ("entry", "words"),
    [
        (lambda b: RegisterEntry(b.id, "partial"), "give the minutes"),
        (lambda b: RegisterEntry(b.id, "partial", 0), "(1 to 60)"),
        (lambda b: RegisterEntry(b.id, "partial", 61), "(1 to 60)"),
        (lambda b: RegisterEntry(b.id, "partial", True), "give the minutes"),
        (lambda b: RegisterEntry(b.id, "late"), "present, partial, absent or excused"),
        (lambda b: RegisterEntry(b.id + 1000, "present"), "isn't booked on this session"),
    ],
)
def test_a_bad_entry_writes_nothing(create_session, learners, entry, words):
    session = _past(create_session, None)
    a, b = learners(session.cohort, 2)
    ba, bb = _booked(session, [a, b], None)
    with pytest.raises(InvalidInput, match=words.replace("(", r"\(").replace(")", r"\)")):
        live.record_attendance(None, session, [RegisterEntry(ba.id, "present"), entry(bb)])
    assert db.session.scalar(select(func.count(Attendance.id))) == 0


def test_a_person_once_per_register_and_only_live_bookings(create_session, learners):
    session = _past(create_session, None)
    (a,) = learners(session.cohort, 1)
    (ba,) = _booked(session, [a], None)
    with pytest.raises(InvalidInput, match="only once"):
        live.record_attendance(
            None, session, [RegisterEntry(ba.id, "present"), RegisterEntry(ba.id, "absent")]
        )
    other = create_session()
    (stranger,) = learners(other.cohort, 1)
    theirs = live.book(stranger, other)
    with pytest.raises(InvalidInput, match="isn't booked"):
        live.record_attendance(None, session, [RegisterEntry(theirs.id, "present")])
    assert db.session.scalar(select(func.count(Attendance.id))) == 0


def test_a_cancelled_session_has_no_register(create_session, learners):
    session = create_session()
    (a,) = learners(session.cohort, 1)
    booking = live.book(a, session)
    live.cancel_session(None, session, "Cancelled by the establishment: staffing")
    with pytest.raises(Conflict, match="no register"):
        live.record_attendance(None, session, [RegisterEntry(booking.id, "present")])
    with pytest.raises(Conflict, match="no register"):
        live.add_to_register(None, session, name="Officer Grant")


def test_adding_people_who_came_gives_them_a_place_whatever_the_capacity(
    create_session, learners, heard
):
    session = _past(create_session, None, capacity=1)
    a, b = learners(session.cohort, 2)
    live.add_to_register(None, session, user=a)
    added = live.add_to_register(None, session, user=b)
    by_name = live.add_to_register(None, session, name="Officer Grant")
    assert (added.status, by_name.status, by_name.person_name) == (
        "booked",
        "booked",
        "Officer Grant",
    )
    assert live.add_to_register(None, session, user=a).id  # again: the same booking
    assert db.session.scalar(select(func.count(Booking.id))) == 3
    assert [name for name, _kw, _c in heard] == ["lms_session_booked"] * 3
    with pytest.raises(InvalidInput, match="name"):
        live.add_to_register(None, session, name=" ")


def test_the_summary_leaves_out_cancelled_and_excused_sessions(
    create_session, learners, create_cohort, create_course
):
    cohort = create_cohort(create_course(enrolment="cohort"))
    (person,) = learners(cohort, 1)
    sessions = [_past(create_session, cohort, days=-d) for d in (10, 8, 6, 4)]
    marks = ["present", "absent", "excused"]
    for session, mark in zip(sessions, marks, strict=False):
        (booking,) = _booked(session, [person], None)
        live.record_attendance(None, session, [RegisterEntry(booking.id, mark)])
    live.cancel_session(None, sessions[3], "Cancelled by the establishment: staffing")
    summary = live.attendance_summary(person, cohort)
    assert (summary.counted, summary.attended, summary.excused, summary.cancelled) == (2, 1, 1, 1)
    assert summary.percent == 50 and summary.meets(50) and not summary.meets(51)


def _attendance_course(create_course, percent: int = 50):
    return create_course(
        enrolment="cohort",
        completion_rule={"rule": "attendance", "percent": percent},
    )


def test_attending_enough_sessions_completes_the_course(
    create_session, learners, create_cohort, create_course, heard
):
    course = _attendance_course(create_course, 50)
    cohort = create_cohort(course)
    person, other = learners(cohort, 2)
    first, second = (_past(create_session, cohort, days=-d) for d in (5, 3))
    b1, o1 = _booked(first, [person, other], None)
    live.record_attendance(
        None, first, [RegisterEntry(b1.id, "absent"), RegisterEntry(o1.id, "absent")]
    )
    assert db.session.scalar(select(func.count(CourseCompletion.id))) == 0

    (b2,) = _booked(second, [person], None)
    live.record_attendance(None, second, [RegisterEntry(b2.id, "partial", 20)])
    completion = db.session.scalar(select(CourseCompletion))
    assert completion.user_id == person.id and completion.rule["rule"] == "attendance"
    enrolment = db.session.scalar(select(Enrolment).where(Enrolment.user_id == person.id))
    assert enrolment.status == "completed"
    assert "lms_attendance_recorded" in [name for name, _kw, _c in heard]


def test_a_cancelled_session_never_counts_against_anyone(
    create_session, learners, create_cohort, create_course
):
    course = _attendance_course(create_course, 100)
    cohort = create_cohort(course)
    (person,) = learners(cohort, 1)
    went = _past(create_session, cohort, days=-3)
    later = create_session(cohort)  # still to come, so 1 of 2: not yet complete
    (booking,) = _booked(went, [person], None)
    live.record_attendance(None, went, [RegisterEntry(booking.id, "present")])
    assert db.session.scalar(select(func.count(CourseCompletion.id))) == 0
    live.cancel_session(None, later, "Cancelled by the establishment: staffing")
    assert db.session.scalar(select(CourseCompletion.user_id)) == person.id


def test_no_sessions_means_the_attendance_rule_is_not_met_yet(
    create_cohort, create_course, learners
):
    from lms.live.queries import attendance_met

    course = _attendance_course(create_course, 10)
    cohort = create_cohort(course)
    (person,) = learners(cohort, 1)
    assert not attendance_met(person.id, course, 10)


# -- course files ------------------------------------------------------------------------


@pytest.fixture
def course_dir(tmp_path: Path) -> Path:
    root = tmp_path / "courses"
    shutil.copytree(DATA / SLUG, root / SLUG)
    return root / SLUG


def test_course_files_may_complete_on_attendance(course_dir):
    edit(course_dir / "course.yaml", "  rule: all", "  rule: attendance\n  percent: 75")
    assert load_course(course_dir).completion == {"rule": "attendance", "percent": 75}


@pytest.mark.parametrize(
    ("replacement", "message"),
    [
        ("  rule: attendance", '"percent" is required'),
        ("  rule: attendance\n  percent: 0", "percent must be a whole number from 1 to 100"),
        ("  rule: attendance\n  percent: 101", "percent must be a whole number from 1 to 100"),
        ("  rule: attendance\n  percent: 50\n  n: 2", 'unknown key "n"'),
    ],
)
def test_the_attendance_rule_is_checked(course_dir, replacement, message):
    edit(course_dir / "course.yaml", "  rule: all", replacement)
    with pytest.raises(CourseFileErrors) as caught:
        load_course(course_dir)
    assert any(message in str(problem) for problem in caught.value.problems), caught.value.problems
