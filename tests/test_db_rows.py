"""lms.db.rows: a page's column reads on the session's connection, seeing what the session
has not yet sent, and writes still heard by the session's events."""

from __future__ import annotations

from sqlalchemy import bindparam, func, select, update

from lms.catalogue import structure
from lms.catalogue.models import Step
from lms.db import rows
from lms.extensions import db as _db
from lms.progress.models import StepProgress


def test_rows_reads_columns_as_plain_rows(db, factories):
    course = factories.course(modules=[[{"type": "text"}, {"type": "text"}]])
    _db.session.flush()
    statement = (
        select(Step.id, Step.key)
        .where(Step.course_id == bindparam("course_id"))
        .order_by(Step.position)
    )
    got = rows(statement, {"course_id": course.id}).all()
    assert [tuple(row) for row in got] == [(s.id, s.key) for s in course.modules[0].steps]
    assert got[0].key == course.modules[0].steps[0].key  # named like the session's rows


def test_rows_sees_changes_the_session_has_not_sent_yet(db, factories):
    course = factories.course(modules=[[{"type": "text"}]])
    person = factories.user()
    _db.session.flush()
    step = course.modules[0].steps[0]
    count = select(func.count(StepProgress.id)).where(StepProgress.user_id == person.id)
    assert rows(count).scalar_one() == 0

    _db.session.add(StepProgress(user_id=person.id, step_id=step.id))  # pending, not flushed
    assert rows(count).scalar_one() == 1

    with _db.session.no_autoflush:  # as Session.execute: no flush when told not to
        _db.session.add(StepProgress(user_id=factories.user().id, step_id=step.id))
        everyone = select(func.count(StepProgress.id))
        assert rows(everyone).scalar_one() == 1


def test_a_write_given_to_rows_goes_through_the_session_and_its_events(db, factories):
    course = factories.course(modules=[[{"type": "text"}]])
    _db.session.commit()
    before = structure.of(course)
    step_id = before.steps[0].id

    result = rows(update(Step).where(Step.id == step_id).values(title="Renamed"))
    assert result.rowcount == 1
    # The course structure cache heard of the change (Session's do_orm_execute event), so
    # the next look reads the new title rather than the cached one.
    _db.session.commit()
    assert structure.of(course).steps[0].title == "Renamed"
