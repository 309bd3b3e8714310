"""lms.db's idempotent writes: ``upsert`` and ``insert_ignore``, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select, text

from lms import db as lms_db
from lms.db import begin_write, insert_ignore, upsert
from lms.extensions import Model
from lms.extensions import db as _db
from lms.progress.models import NoteAcknowledgement, StepProgress
from lms.testing.factories import Factories
from lms.testing.fixtures import on_postgres
from tests.db_helpers import KEYS, T0, T1, held_elsewhere, lock_path, person_and_step, progress_row


def _rows(user_id: int) -> int:
    return _db.session.scalar(
        select(func.count(StepProgress.id)).where(StepProgress.user_id == user_id)
    )


def test_upsert_inserts_then_updates_the_same_row(db, factories):
    user_id, step_id = person_and_step(factories)
    first = upsert(StepProgress, {"user_id": user_id, "step_id": step_id, "viewed_at": T0}, KEYS)
    assert first is not None and tuple(first) == (user_id, step_id)

    again = upsert(StepProgress, {"user_id": user_id, "step_id": step_id, "viewed_at": T1}, KEYS)
    assert again is not None  # an existing row, updated
    assert progress_row(user_id, step_id).viewed_at == T1
    assert _rows(user_id) == 1


def test_upsert_updates_only_the_columns_named(db, factories):
    user_id, step_id = person_and_step(factories)
    values = {"user_id": user_id, "step_id": step_id, "viewed_at": T0, "marked_done_at": T0}
    upsert(StepProgress, values, KEYS)
    later = {**values, "viewed_at": T1, "marked_done_at": T1}
    upsert(StepProgress, later, KEYS, update=("marked_done_at",))
    row = progress_row(user_id, step_id)
    assert (row.viewed_at, row.marked_done_at) == (T0, T1)


def test_upsert_with_nothing_to_update_leaves_the_row_alone(db, factories):
    user_id, step_id = person_and_step(factories)
    values = {"user_id": user_id, "step_id": step_id, "viewed_at": T0}
    assert upsert(StepProgress, values, KEYS, update=()) is not None
    assert upsert(StepProgress, {**values, "viewed_at": T1}, KEYS, update=()) is None
    assert progress_row(user_id, step_id).viewed_at == T0
    assert _rows(user_id) == 1


def test_upsert_fill_empty_sets_first_values_only(db, factories):
    user_id, step_id = person_and_step(factories)
    keys = {"user_id": user_id, "step_id": step_id}
    stamps = ("viewed_at", "marked_done_at")
    assert upsert(StepProgress, {**keys, "viewed_at": T0}, KEYS, fill_empty=True) is not None

    # viewed_at is kept, the empty marked_done_at is filled
    filled = upsert(StepProgress, {**keys, **dict.fromkeys(stamps, T1)}, KEYS, fill_empty=True)
    assert filled is not None
    row = progress_row(user_id, step_id)
    assert (row.viewed_at, row.marked_done_at) == (T0, T1)

    # none left empty: the row is left as it was and nothing comes back
    later = {**keys, **dict.fromkeys(stamps, T1 + timedelta(days=1))}
    assert upsert(StepProgress, later, KEYS, fill_empty=True) is None
    row = progress_row(user_id, step_id)
    assert (row.viewed_at, row.marked_done_at) == (T0, T1)


def test_upsert_while_empty_changes_a_row_only_while_that_column_is_empty(db, factories):
    user_id, step_id = person_and_step(factories)
    keys = {"user_id": user_id, "step_id": step_id}
    assert upsert(StepProgress, {**keys, "viewed_at": T0}, KEYS) is not None
    done = {**keys, "viewed_at": T1, "completed_at": T1}
    options = {"fill_empty": True, "while_empty": "completed_at"}
    # completed_at empty: the empty columns are filled (viewed_at is kept), and told so
    assert upsert(StepProgress, done, KEYS, **options) is not None
    row = progress_row(user_id, step_id)
    assert (row.viewed_at, row.completed_at) == (T0, T1)
    # completed_at set: left as it is, and nothing comes back, whatever else is empty
    later = {**keys, "marked_done_at": T1, "completed_at": T1 + timedelta(days=1)}
    assert upsert(StepProgress, later, KEYS, **options) is None
    assert upsert(StepProgress, later, KEYS, while_empty="completed_at") is None
    row = progress_row(user_id, step_id)
    assert (row.marked_done_at, row.completed_at) == (None, T1)


def test_upsert_gives_back_the_columns_asked_for(db, factories):
    user_id, step_id = person_and_step(factories)
    table = Model.metadata.tables["step_progress"]  # a Table works as well as a class
    row = upsert(
        table,
        {"user_id": user_id, "step_id": step_id, "viewed_at": T0},
        KEYS,
        returning=("id", "viewed_at"),
    )
    assert row is not None
    assert row.id == progress_row(user_id, step_id).id and row.viewed_at == T0


def test_upsert_builds_each_statement_once(db, factories):
    user_id, step_id = person_and_step(factories)
    values = {"user_id": user_id, "step_id": step_id, "viewed_at": T0}
    upsert(StepProgress, values, KEYS, fill_empty=True)
    built = dict(lms_db._UPSERTS)
    upsert(StepProgress, {**values, "viewed_at": T1}, KEYS, fill_empty=True)
    upsert(StepProgress, {**values, "viewed_at": T1}, list(KEYS), fill_empty=True)
    assert built == lms_db._UPSERTS
    assert all(lms_db._UPSERTS[k] is built[k] for k in built)


def test_insert_ignore_says_whether_it_inserted(db, factories):
    person = factories.user()
    _db.session.flush()
    values = {"user_id": person.id, "subject": "step:1", "at": T0}
    assert insert_ignore(NoteAcknowledgement, values, ["user_id", "subject"]) is True
    assert insert_ignore(NoteAcknowledgement, {**values, "at": T1}, ["user_id", "subject"]) is False
    at = _db.session.scalar(
        select(NoteAcknowledgement.at).where(NoteAcknowledgement.user_id == person.id)
    )
    assert at == T0


@pytest.mark.skipif(not on_postgres(), reason="SQLite's writers take turns already")
def test_take_turns_keeps_two_transactions_of_one_key_apart(make_app):
    app = make_app()
    order: list[str] = []
    first_in = threading.Event()

    def first() -> None:
        with app.app_context():
            lms_db.take_turns(lms_db.LEARNER_PROGRESS, 7)
            first_in.set()
            lms_db.take_turns(lms_db.LEARNER_PROGRESS, 8)  # another key: no waiting
            threading.Event().wait(0.5)  # the second is waiting meanwhile
            order.append("first commits")
            _db.session.commit()

    def second() -> None:
        with app.app_context():
            first_in.wait(10)
            lms_db.take_turns(lms_db.LEARNER_PROGRESS, 7)
            order.append("second goes on")
            _db.session.commit()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert order == ["first commits", "second goes on"]


def test_refresh_statistics_tells_sqlites_planner_how_big_the_tables_are(make_app):
    app = make_app()
    with app.app_context():
        person_and_step(Factories())
        _db.session.commit()
        if on_postgres():  # PostgreSQL's autovacuum keeps its own
            assert lms_db.refresh_statistics() is False
            return
        assert lms_db.refresh_statistics() is True
        # Committed: what comes next reads without the write lock.
        assert not _db.session().in_transaction()
        assert not held_elsewhere(lock_path(app))
        tables = set(_db.session.scalars(text("SELECT tbl FROM sqlite_stat1")))
        assert {"users", "steps", "courses"} <= tables


def test_twenty_threads_filling_one_row_leave_one_row_and_one_winner(make_app):
    app = make_app()
    with app.app_context():
        user_id, step_id = person_and_step(Factories())
        _db.session.commit()

    barrier = threading.Barrier(20)
    written: list[bool] = []
    errors: list[BaseException] = []

    def worker(n: int) -> None:
        try:
            with app.app_context():
                barrier.wait()
                begin_write()
                row = upsert(
                    StepProgress,
                    {"user_id": user_id, "step_id": step_id, "viewed_at": T0 + timedelta(n)},
                    KEYS,
                    fill_empty=True,
                )
                _db.session.commit()
                written.append(row is not None)
        except BaseException as error:  # collected and reported below
            errors.append(error)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert not errors, errors
    assert sorted(written) == [False] * 19 + [True]
    with app.app_context():
        assert _rows(user_id) == 1
        assert progress_row(user_id, step_id).viewed_at is not None


def test_one_of_binds_each_value_so_the_statement_needs_no_rewriting(db):
    from sqlalchemy import select as select_

    from lms.db import one_of

    table = StepProgress.__table__
    statement = select_(table.c.id).where(one_of(table.c.viewed_at, (T0, T1)))
    compiled = statement.compile(dialect=_db.engine.dialect)
    assert "POSTCOMPILE" not in str(compiled)
    assert sorted(compiled.params.values()) == [T0, T1]
    expanding = select_(table.c.id).where(table.c.viewed_at.in_((T0, T1)))
    assert "POSTCOMPILE" in str(expanding.compile())  # what one_of avoids
