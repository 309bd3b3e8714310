"""Database helpers: SQLite settings, write transactions and idempotent inserts."""

from __future__ import annotations

import logging
from collections.abc import Callable, Hashable
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any, TypeVar

from flask import Flask, abort, has_request_context, request
from sqlalchemy import event
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from lms.extensions import db

T = TypeVar("T")
log = logging.getLogger("lms.db")

# When set, the next transaction on SQLite starts with BEGIN IMMEDIATE, taking the write
# lock up front; a deferred transaction that reads and then writes can fail at once with
# "database is locked" whatever the busy timeout.
_write_intent: ContextVar[bool] = ContextVar("lms_write_intent", default=False)


#: The largest id an INTEGER primary key holds on every database (PostgreSQL's int4).
MAX_ID = 2**31 - 1


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def is_sqlite() -> bool:
    return db.engine.dialect.name == "sqlite"


def set_write_intent(value: bool) -> None:
    _write_intent.set(value)


def begin_write() -> None:
    """Make what follows one write transaction.

    On SQLite a read transaction already open is ended first, so the writes start with
    BEGIN IMMEDIATE and wait their turn instead of failing. Other databases need nothing.
    """
    if _write_intent.get():
        return
    forget_request_memo()
    if is_sqlite() and db.session().in_transaction():
        db.session.commit()
        # What was read before the lock may have changed since: read it again under it.
        db.session.expire_all()
    _write_intent.set(True)


def request_memo(key: Hashable, compute: Callable[[], T]) -> T:
    """``compute()`` once per request for ``key`` (a fact several checks of one page need,
    such as "is this person enrolled on this course"). Writes forget every memo, so a fact
    is never read back from before a change made in the same request."""
    if not has_request_context() or _write_intent.get():
        return compute()  # inside a write, facts may change before the commit: ask again
    memo: dict[Hashable, Any] = request.__dict__.setdefault("_lms_memo", {})
    if key not in memo:
        memo[key] = compute()
    value: T = memo[key]
    return value


def forget_request_memo() -> None:
    if has_request_context():
        request.__dict__.pop("_lms_memo", None)


_busy_timeout_ms = 5000
_strict_writes = False
_DML = ("INSERT", "UPDATE", "DELETE", "REPLACE")


def configure_sqlite(app: Flask) -> None:
    """Use this app's busy timeout for SQLite connections opened from now on, and (when
    testing) refuse writes in a request that did not announce them with ``begin_write()``."""
    global _busy_timeout_ms, _strict_writes
    _busy_timeout_ms = int(app.config["SQLITE_BUSY_TIMEOUT_MS"])
    _strict_writes = bool(app.config.get("TESTING"))


class UnannouncedWrite(RuntimeError):
    """A request wrote without ``begin_write()``: on SQLite its transaction could not wait
    for the write lock and would fail at once under concurrent writers."""


@event.listens_for(Session, "after_transaction_end")
def _write_done(_session: Session, transaction: Any) -> None:
    # The write transaction is over (not just a savepoint inside it): what the request
    # reads next needs no write lock.
    if transaction.parent is None and _write_intent.get():
        _write_intent.set(False)
        forget_request_memo()


@event.listens_for(Engine, "before_cursor_execute")
def _check_write_announced(
    _conn: Any, _cursor: Any, statement: str, _params: Any, _context: Any, _many: bool
) -> None:
    if _write_intent.get() or not has_request_context():
        return
    if statement.lstrip()[:7].upper().startswith(_DML):
        if _strict_writes:
            raise UnannouncedWrite(f"write without begin_write(): {statement[:120]}")
        log.warning("write without begin_write(): %s", statement[:120])


@event.listens_for(Engine, "connect")
def _on_connect(dbapi_conn: Any, _record: Any) -> None:
    if type(dbapi_conn).__module__.split(".")[0] not in ("sqlite3", "pysqlite2"):
        return
    # Hand transaction control to SQLAlchemy events (see _on_begin).
    dbapi_conn.isolation_level = None
    cursor = dbapi_conn.cursor()
    cursor.execute(f"PRAGMA busy_timeout = {int(_busy_timeout_ms)}")
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.execute("PRAGMA synchronous = NORMAL")
    row = cursor.execute("PRAGMA journal_mode").fetchone()
    if row and row[0] != "memory":
        cursor.execute("PRAGMA journal_mode = WAL")
    cursor.close()


@event.listens_for(Engine, "begin")
def _on_begin(conn: Any) -> None:
    if conn.dialect.name != "sqlite":
        return
    conn.exec_driver_sql("BEGIN IMMEDIATE" if _write_intent.get() else "BEGIN")


def insert_ignore(model: type, values: dict[str, Any], keys: list[str]) -> bool:
    """INSERT a row unless one with the same ``keys`` exists. Returns True if inserted.

    A single statement, so completing a step twice (or concurrently) leaves one row.
    """
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        # The implicit RETURNING of the primary key leaves rowcount at -1 on psycopg, so
        # ask for the row explicitly: none comes back when the insert did nothing.
        stmt = pg_insert(model).values(**values).on_conflict_do_nothing(index_elements=keys)
        return db.session.execute(stmt.returning(getattr(model, keys[0]))).first() is not None
    lite = sqlite_insert(model).values(**values).on_conflict_do_nothing(index_elements=keys)
    result = db.session.execute(lite)
    return bool(getattr(result, "rowcount", 0))


def pairs(rows: Any) -> dict[Any, Any]:
    """``{first: second}`` from two-column result rows."""
    return {first: second for first, second in rows}


def get_or_404(model: type[T], ident: Any) -> T:
    obj = db.session.get(model, ident)
    if obj is None:
        abort(404)
    return obj
