"""lms.db's idempotent writes: ``upsert`` and ``insert_ignore``, on SQLite and PostgreSQL."""

from __future__ import annotations

import fcntl
import os
import signal
import subprocess
import sys
import threading
from datetime import datetime, timedelta

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.exc import IntegrityError, OperationalError

from lms import db as lms_db
from lms.db import begin_write, insert_ignore, upsert
from lms.extensions import Model
from lms.extensions import db as _db
from lms.progress.models import NoteAcknowledgement, StepProgress
from lms.testing.factories import Factories
from lms.testing.fixtures import on_postgres, sqlite_only

T0 = datetime(2026, 3, 2, 9, 30)
T1 = T0 + timedelta(hours=1)
KEYS = ("user_id", "step_id")


def _person_and_step(factories: Factories) -> tuple[int, int]:
    course = factories.course(modules=[[{"type": "text"}]])
    person = factories.user()
    _db.session.flush()
    return person.id, course.modules[0].steps[0].id


def _progress(user_id: int, step_id: int) -> StepProgress:
    _db.session.expire_all()
    row = _db.session.scalar(
        select(StepProgress).where(StepProgress.user_id == user_id, StepProgress.step_id == step_id)
    )
    assert row is not None
    return row


def _rows(user_id: int) -> int:
    return _db.session.scalar(
        select(func.count(StepProgress.id)).where(StepProgress.user_id == user_id)
    )


def test_upsert_inserts_then_updates_the_same_row(db, factories):
    user_id, step_id = _person_and_step(factories)
    first = upsert(StepProgress, {"user_id": user_id, "step_id": step_id, "viewed_at": T0}, KEYS)
    assert first is not None and tuple(first) == (user_id, step_id)

    again = upsert(StepProgress, {"user_id": user_id, "step_id": step_id, "viewed_at": T1}, KEYS)
    assert again is not None  # an existing row, updated
    assert _progress(user_id, step_id).viewed_at == T1
    assert _rows(user_id) == 1


def test_upsert_updates_only_the_columns_named(db, factories):
    user_id, step_id = _person_and_step(factories)
    values = {"user_id": user_id, "step_id": step_id, "viewed_at": T0, "marked_done_at": T0}
    upsert(StepProgress, values, KEYS)
    later = {**values, "viewed_at": T1, "marked_done_at": T1}
    upsert(StepProgress, later, KEYS, update=("marked_done_at",))
    row = _progress(user_id, step_id)
    assert (row.viewed_at, row.marked_done_at) == (T0, T1)


def test_upsert_with_nothing_to_update_leaves_the_row_alone(db, factories):
    user_id, step_id = _person_and_step(factories)
    values = {"user_id": user_id, "step_id": step_id, "viewed_at": T0}
    assert upsert(StepProgress, values, KEYS, update=()) is not None
    assert upsert(StepProgress, {**values, "viewed_at": T1}, KEYS, update=()) is None
    assert _progress(user_id, step_id).viewed_at == T0
    assert _rows(user_id) == 1


def test_upsert_fill_empty_sets_first_values_only(db, factories):
    user_id, step_id = _person_and_step(factories)
    keys = {"user_id": user_id, "step_id": step_id}
    stamps = ("viewed_at", "marked_done_at")
    assert upsert(StepProgress, {**keys, "viewed_at": T0}, KEYS, fill_empty=True) is not None

    # viewed_at is kept, the empty marked_done_at is filled
    filled = upsert(StepProgress, {**keys, **dict.fromkeys(stamps, T1)}, KEYS, fill_empty=True)
    assert filled is not None
    row = _progress(user_id, step_id)
    assert (row.viewed_at, row.marked_done_at) == (T0, T1)

    # none left empty: the row is left as it was and nothing comes back
    later = {**keys, **dict.fromkeys(stamps, T1 + timedelta(days=1))}
    assert upsert(StepProgress, later, KEYS, fill_empty=True) is None
    row = _progress(user_id, step_id)
    assert (row.viewed_at, row.marked_done_at) == (T0, T1)


def test_upsert_while_empty_changes_a_row_only_while_that_column_is_empty(db, factories):
    user_id, step_id = _person_and_step(factories)
    keys = {"user_id": user_id, "step_id": step_id}
    assert upsert(StepProgress, {**keys, "viewed_at": T0}, KEYS) is not None
    done = {**keys, "viewed_at": T1, "completed_at": T1}
    options = {"fill_empty": True, "while_empty": "completed_at"}
    # completed_at empty: the empty columns are filled (viewed_at is kept), and told so
    assert upsert(StepProgress, done, KEYS, **options) is not None
    row = _progress(user_id, step_id)
    assert (row.viewed_at, row.completed_at) == (T0, T1)
    # completed_at set: left as it is, and nothing comes back, whatever else is empty
    later = {**keys, "marked_done_at": T1, "completed_at": T1 + timedelta(days=1)}
    assert upsert(StepProgress, later, KEYS, **options) is None
    assert upsert(StepProgress, later, KEYS, while_empty="completed_at") is None
    row = _progress(user_id, step_id)
    assert (row.marked_done_at, row.completed_at) == (None, T1)


def test_upsert_gives_back_the_columns_asked_for(db, factories):
    user_id, step_id = _person_and_step(factories)
    table = Model.metadata.tables["step_progress"]  # a Table works as well as a class
    row = upsert(
        table,
        {"user_id": user_id, "step_id": step_id, "viewed_at": T0},
        KEYS,
        returning=("id", "viewed_at"),
    )
    assert row is not None
    assert row.id == _progress(user_id, step_id).id and row.viewed_at == T0


def test_upsert_builds_each_statement_once(db, factories):
    user_id, step_id = _person_and_step(factories)
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
        _person_and_step(Factories())
        _db.session.commit()
        if on_postgres():  # PostgreSQL's autovacuum keeps its own
            assert lms_db.refresh_statistics() is False
            return
        assert lms_db.refresh_statistics() is True
        # Committed: what comes next reads without the write lock.
        assert not _db.session().in_transaction()
        assert not _held_elsewhere(_lock_path(app))
        tables = set(_db.session.scalars(text("SELECT tbl FROM sqlite_stat1")))
        assert {"users", "steps", "courses"} <= tables


def test_twenty_threads_filling_one_row_leave_one_row_and_one_winner(make_app):
    app = make_app()
    with app.app_context():
        user_id, step_id = _person_and_step(Factories())
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
        assert _progress(user_id, step_id).viewed_at is not None


# -- SQLite's write lock, handed over through a lock file ---------------------------------


def _lock_path(app) -> str:
    with app.app_context():
        return f"{_db.engine.url.database}-writelock"


def _held_elsewhere(path: str) -> bool:
    """Is the write lock file locked (by any connection)? Asked on a file of its own."""
    fd = os.open(path, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    return False


def _write_a_row(user_id: int, step_id: int, at: datetime = T0) -> None:
    begin_write()
    upsert(StepProgress, {"user_id": user_id, "step_id": step_id, "viewed_at": at}, KEYS)


def _in_thread(work) -> list[BaseException]:
    """Run ``work`` in a thread of its own; a hang fails the test instead of stopping it."""
    errors: list[BaseException] = []

    def run() -> None:
        try:
            work()
        except BaseException as error:  # collected and reported by the caller
            errors.append(error)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(60)
    assert not thread.is_alive(), "hung"
    return errors


@sqlite_only
def test_a_write_holds_the_lock_file_until_its_transaction_ends(make_app):
    app = make_app()
    path = _lock_path(app)
    with app.app_context():
        user_id, step_id = _person_and_step(Factories())
        _db.session.commit()
        assert not _held_elsewhere(path)

        _write_a_row(user_id, step_id)
        assert _held_elsewhere(path)
        _db.session.commit()
        assert not _held_elsewhere(path)

        _write_a_row(user_id, step_id)
        _db.session.rollback()
        assert not _held_elsewhere(path)

        _write_a_row(user_id, step_id)
        _db.session.close()  # a session closed without a commit
        assert not _held_elsewhere(path)

        begin_write()
        begin_write()  # nested: the same transaction, the same lock
        _write_a_row(user_id, step_id)
        with pytest.raises(IntegrityError):  # a failed statement...
            insert_ignore(StepProgress, {"user_id": user_id, "step_id": -1}, list(KEYS))
        assert _held_elsewhere(path)
        _db.session.rollback()  # ...and the rollback that follows it
        assert not _held_elsewhere(path)

        # reads take no write lock
        _db.session.scalar(select(func.count(StepProgress.id)))
        assert not _held_elsewhere(path)
        _db.session.commit()


@sqlite_only
def test_begin_write_after_reading_writes_on_what_is_committed_now(make_app):
    # The read transaction ends (on the same connection) and the write begins IMMEDIATE:
    # what another connection committed in between is what the write reads and changes.
    app = make_app()
    path = _lock_path(app)
    with app.app_context():
        user_id, step_id = _person_and_step(Factories())
        _write_a_row(user_id, step_id, T0)
        _db.session.commit()

        row = _progress(user_id, step_id)  # a read transaction, and a row loaded in it
        assert row.viewed_at == T0

        def elsewhere() -> None:
            with app.app_context():
                _write_a_row(user_id, step_id, T1)
                _db.session.commit()

        assert _in_thread(elsewhere) == []
        assert _db.session().in_transaction()  # still the read transaction
        begin_write()
        assert _held_elsewhere(path)  # the write lock, taken at once
        assert row.viewed_at == T1  # expired, read again under the lock
        row.marked_done_at = T1
        _db.session.commit()
        assert not _held_elsewhere(path)
        stored = _progress(user_id, step_id)
        assert (stored.viewed_at, stored.marked_done_at) == (T1, T1)

        # a change waiting to be flushed is committed before the write, as it always was
        row.marked_done_at = T0
        begin_write()
        _db.session.rollback()
        assert _progress(user_id, step_id).marked_done_at == T0


@sqlite_only
def test_a_second_connection_of_the_writing_thread_times_out_instead_of_waiting_for_itself(
    make_app,
):
    app = make_app(SQLITE_BUSY_TIMEOUT_MS=50)
    with app.app_context():
        user_id, step_id = _person_and_step(Factories())
        _db.session.commit()

    def work() -> None:
        with app.app_context():
            _write_a_row(user_id, step_id)  # this thread holds SQLite's lock and the file's
            with _db.engine.connect() as other, pytest.raises(OperationalError, match="locked"):
                other.execute(
                    StepProgress.__table__.update().values(viewed_at=T1)
                )  # BEGIN IMMEDIATE on a second connection of the same thread
            _db.session.rollback()

    assert _in_thread(work) == []


@sqlite_only
def test_a_read_transaction_that_goes_on_to_write_never_waits_on_the_lock_file(make_app):
    # It holds no file lock and takes none: SQLite's busy timeout bounds its wait for the
    # writer in front of it, as before (here: shorter than that writer's transaction).
    app = make_app(SQLITE_BUSY_TIMEOUT_MS=50)
    with app.app_context():
        user_id, step_id = _person_and_step(Factories())
        _db.session.commit()
    holding, release = threading.Event(), threading.Event()

    def holder() -> None:
        with app.app_context():
            _write_a_row(user_id, step_id, T0)
            holding.set()
            release.wait(30)
            _db.session.commit()

    def reader() -> None:
        with app.app_context():
            table = StepProgress.__table__
            _db.session.execute(select(func.count()).select_from(table))  # BEGIN (deferred)
            with pytest.raises(OperationalError, match="locked"):
                _db.session.connection().exec_driver_sql(
                    "UPDATE step_progress SET viewed_at = viewed_at"
                )
            _db.session.rollback()

    first = threading.Thread(target=holder, daemon=True)
    first.start()
    try:
        assert holding.wait(30)
        assert _in_thread(reader) == []
    finally:
        release.set()
        first.join(30)
    assert not first.is_alive()


@sqlite_only
def test_a_waiting_writer_is_woken_by_the_lock_not_failed_by_the_busy_timeout(make_app):
    # A busy timeout far shorter than the holder's transaction: polling would give up
    # ("database is locked"); waiting on the lock file, the writer goes on once it is free.
    app = make_app(SQLITE_BUSY_TIMEOUT_MS=20)
    path = _lock_path(app)
    with app.app_context():
        user_id, step_id = _person_and_step(Factories())
        _db.session.commit()
    holding, release = threading.Event(), threading.Event()

    def holder() -> None:
        with app.app_context():
            _write_a_row(user_id, step_id, T0)
            holding.set()
            release.wait(30)
            _db.session.commit()

    def waiter() -> None:
        with app.app_context():
            _write_a_row(user_id, step_id, T1)
            _db.session.commit()

    first = threading.Thread(target=holder, daemon=True)
    first.start()
    assert holding.wait(30)
    second = threading.Thread(target=lambda: errors.extend(_in_thread(waiter)), daemon=True)
    errors: list[BaseException] = []
    second.start()
    second.join(0.5)  # let it start waiting (it passes either way)
    release.set()
    first.join(30)
    second.join(60)
    assert not first.is_alive() and not second.is_alive()
    assert errors == []
    with app.app_context():
        assert _progress(user_id, step_id).viewed_at == T1  # the waiter wrote after the holder
    assert not _held_elsewhere(path)


@sqlite_only
def test_a_process_that_dies_holding_the_lock_lets_it_go(make_app):
    app = make_app()
    path = _lock_path(app)
    with app.app_context():
        user_id, step_id = _person_and_step(Factories())
        _db.session.commit()
    holder = subprocess.Popen(  # noqa: S603 - our own interpreter and code
        [
            sys.executable,
            "-c",
            "import fcntl, os, sys, time\n"
            "fd = os.open(sys.argv[1], os.O_RDONLY)\n"
            "fcntl.flock(fd, fcntl.LOCK_EX)\n"
            "print('held', flush=True)\n"
            "time.sleep(120)\n",
            path,
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        assert _held_elsewhere(path)
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait(30)

    def work() -> None:
        with app.app_context():
            _write_a_row(user_id, step_id)
            _db.session.commit()

    assert _in_thread(work) == []


@sqlite_only
def test_the_lock_file_is_only_for_sqlite_files_and_can_be_turned_off(make_app, tmp_path):
    def lock_of(engine) -> object:
        with engine.connect() as connection:
            return getattr(connection.connection.dbapi_connection, "lms_write_lock", None)

    assert lock_of(create_engine("sqlite://")) is None  # in memory: nothing to share
    on_file = create_engine(f"sqlite:///{tmp_path / 'file.sqlite3'}")
    assert lock_of(on_file) is not None
    on_file.dispose()
    assert (tmp_path / "file.sqlite3-writelock").exists()

    app = make_app(SQLITE_WRITE_LOCK=False)
    with app.app_context():
        assert lock_of(_db.engine) is None
        _db.engine.dispose()
    make_app()  # the setting is per app: the next one has it again


def test_no_lock_file_on_other_databases(db):
    connection = _db.session.connection().connection.dbapi_connection
    lock = getattr(connection, "lms_write_lock", None)
    assert (lock is None) == on_postgres()


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
