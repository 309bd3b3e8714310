"""SQLite's write lock, handed over through a lock file (``lms.write_lock``): held for a
write transaction's length, given back at its end, a waiting writer woken by it."""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
from datetime import datetime

import pytest
from sqlalchemy import create_engine, func, select
from sqlalchemy.exc import IntegrityError, OperationalError

from lms.db import begin_write, insert_ignore, upsert
from lms.extensions import db as _db
from lms.progress.models import StepProgress
from lms.testing.factories import Factories
from lms.testing.fixtures import on_postgres, sqlite_only
from tests.db_helpers import KEYS, T0, T1, held_elsewhere, lock_path, person_and_step, progress_row


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
    path = lock_path(app)
    with app.app_context():
        user_id, step_id = person_and_step(Factories())
        _db.session.commit()
        assert not held_elsewhere(path)

        _write_a_row(user_id, step_id)
        assert held_elsewhere(path)
        _db.session.commit()
        assert not held_elsewhere(path)

        _write_a_row(user_id, step_id)
        _db.session.rollback()
        assert not held_elsewhere(path)

        _write_a_row(user_id, step_id)
        _db.session.close()  # a session closed without a commit
        assert not held_elsewhere(path)

        begin_write()
        begin_write()  # nested: the same transaction, the same lock
        _write_a_row(user_id, step_id)
        with pytest.raises(IntegrityError):  # a failed statement...
            insert_ignore(StepProgress, {"user_id": user_id, "step_id": -1}, list(KEYS))
        assert held_elsewhere(path)
        _db.session.rollback()  # ...and the rollback that follows it
        assert not held_elsewhere(path)

        # reads take no write lock
        _db.session.scalar(select(func.count(StepProgress.id)))
        assert not held_elsewhere(path)
        _db.session.commit()


@sqlite_only
def test_begin_write_after_reading_writes_on_what_is_committed_now(make_app):
    # The read transaction ends (on the same connection) and the write begins IMMEDIATE:
    # what another connection committed in between is what the write reads and changes.
    app = make_app()
    path = lock_path(app)
    with app.app_context():
        user_id, step_id = person_and_step(Factories())
        _write_a_row(user_id, step_id, T0)
        _db.session.commit()

        row = progress_row(user_id, step_id)  # a read transaction, and a row loaded in it
        assert row.viewed_at == T0

        def elsewhere() -> None:
            with app.app_context():
                _write_a_row(user_id, step_id, T1)
                _db.session.commit()

        assert _in_thread(elsewhere) == []
        assert _db.session().in_transaction()  # still the read transaction
        begin_write()
        assert held_elsewhere(path)  # the write lock, taken at once
        assert row.viewed_at == T1  # expired, read again under the lock
        row.marked_done_at = T1
        _db.session.commit()
        assert not held_elsewhere(path)
        stored = progress_row(user_id, step_id)
        assert (stored.viewed_at, stored.marked_done_at) == (T1, T1)

        # a change waiting to be flushed is committed before the write, as it always was
        row.marked_done_at = T0
        begin_write()
        _db.session.rollback()
        assert progress_row(user_id, step_id).marked_done_at == T0


@sqlite_only
def test_a_second_connection_of_the_writing_thread_times_out_instead_of_waiting_for_itself(
    make_app,
):
    app = make_app(SQLITE_BUSY_TIMEOUT_MS=50)
    with app.app_context():
        user_id, step_id = person_and_step(Factories())
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
        user_id, step_id = person_and_step(Factories())
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
    path = lock_path(app)
    with app.app_context():
        user_id, step_id = person_and_step(Factories())
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
        assert progress_row(user_id, step_id).viewed_at == T1  # the waiter wrote after the holder
    assert not held_elsewhere(path)


@sqlite_only
def test_a_process_that_dies_holding_the_lock_lets_it_go(make_app):
    app = make_app()
    path = lock_path(app)
    with app.app_context():
        user_id, step_id = person_and_step(Factories())
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
        assert held_elsewhere(path)
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
