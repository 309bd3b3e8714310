"""Database helpers: SQLite settings, write transactions and idempotent inserts."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from contextvars import ContextVar
from datetime import UTC, datetime
from functools import cache
from typing import Any, TypeVar, cast

from flask import Flask, abort, current_app, has_request_context, request
from sqlalchemy import Executable, Row, Table, bindparam, event, func, inspect, literal, or_, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Engine, Result
from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key

from lms.extensions import db
from lms.write_lock import SQLiteConnection, WriteLock

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


def database_key() -> str:
    """Which database this app uses, as a key for what a process keeps between requests
    (a plain string: hashing the engine's URL would render it every time)."""
    return str(current_app.config["SQLALCHEMY_DATABASE_URI"])


def is_sqlite() -> bool:
    return db.engine.dialect.name == "sqlite"


def set_write_intent(value: bool) -> None:
    _write_intent.set(value)


def writing() -> bool:
    """Whether this request (or task) has begun writing (``begin_write``)."""
    return _write_intent.get()


def begin_write() -> None:
    """Make what follows one write transaction.

    On SQLite a read transaction already open is ended first, so the writes start with
    BEGIN IMMEDIATE and wait their turn instead of failing. Other databases need nothing.
    """
    if _write_intent.get():
        return
    forget_request_memo()
    session = db.session()
    if is_sqlite() and session.in_transaction():
        if not _write_on_same_connection(session):
            session.commit()
        # What was read before the lock may have changed since: read it again under it.
        session.expire_all()
    _write_intent.set(True)


def _write_on_same_connection(session: Session) -> bool:
    """End the session's read transaction and start the write one on the same connection,
    without handing the connection back to the pool and taking it out again: when no
    change waits to be flushed (it is committed first, as before) and the transaction is
    the session's own (not a savepoint in someone else's)."""
    if session.new or session.dirty or session.deleted:
        return False
    connection = session.connection()
    dbapi_connection = connection.connection.dbapi_connection
    if connection.in_nested_transaction() or dbapi_connection is None:
        return False
    dbapi_connection.commit()  # the read transaction ends here
    _write_intent.set(True)
    _begin_immediate(connection)  # SQLAlchemy's transaction goes on, now a write
    return True


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


_write_lock_file = True


def configure_sqlite(app: Flask) -> None:
    """Use this app's busy timeout and write lock setting (``SQLITE_WRITE_LOCK``, on unless
    set to False) for SQLite connections opened from now on, and (when testing) refuse writes
    in a request that did not announce them with ``begin_write()``."""
    global _busy_timeout_ms, _strict_writes, _write_lock_file
    _busy_timeout_ms = int(app.config["SQLITE_BUSY_TIMEOUT_MS"])
    _strict_writes = bool(app.config.get("TESTING"))
    _write_lock_file = bool(app.config.get("SQLITE_WRITE_LOCK", True))


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
    if not isinstance(dbapi_conn, sqlite3.Connection):
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
    path = next((r[2] for r in cursor.execute("PRAGMA database_list") if r[1] == "main"), "")
    cursor.close()
    if path and _write_lock_file and isinstance(dbapi_conn, SQLiteConnection):
        dbapi_conn.lms_write_lock = WriteLock.open(path + "-writelock")


@event.listens_for(Engine, "begin")
def _on_begin(conn: Any) -> None:
    if conn.dialect.name != "sqlite":
        return
    if _write_intent.get():
        _begin_immediate(conn)
    else:
        conn.exec_driver_sql("BEGIN")


def _begin_immediate(conn: Any) -> None:
    lock: WriteLock | None = getattr(conn.connection.dbapi_connection, "lms_write_lock", None)
    if lock is not None:
        lock.acquire()
    try:
        conn.exec_driver_sql("BEGIN IMMEDIATE")
    except BaseException:
        if lock is not None:
            lock.release()
        raise


#: Kinds of work that ``take_turns`` keeps apart (PostgreSQL advisory lock classes).
LEARNER_PROGRESS = 0x4C4D5002


def take_turns(kind: int, key: int) -> None:
    """Make transactions that call this with the same ``kind`` and ``key`` (say, the
    progress of one learner) run one after the other from here to their end, so that each
    reads what the one before it committed. On PostgreSQL, whose transactions read only
    what was committed before each statement, it is a transaction-level advisory lock; on
    SQLite, writers already run one after the other (``begin_write``)."""
    if is_sqlite():
        return
    db.session.execute(select(func.pg_advisory_xact_lock(kind, key)))


def refresh_statistics() -> bool:
    """Give SQLite's query planner up-to-date statistics of the tables (ANALYZE): without
    them it can pick a plan that reads a whole table where an index would read a page of it.
    PostgreSQL keeps its own (autovacuum), so there this does nothing and returns False."""
    if not is_sqlite():
        return False
    begin_write()
    # Every row (no analysis_limit): estimates from a sample mislead the planner into the
    # very plans the statistics are there to avoid.
    db.session.connection().exec_driver_sql("ANALYZE")
    db.session.commit()
    return True


def insert_ignore(model: Any, values: Mapping[str, Any], keys: Sequence[str]) -> bool:
    """INSERT a row unless one with the same ``keys`` exists. Returns True if inserted.

    A single statement, so completing a step twice (or concurrently) leaves one row.
    """
    return upsert(model, values, keys, update=()) is not None


def upsert(
    target: Any,
    values: Mapping[str, Any],
    keys: Sequence[str],
    *,
    update: Sequence[str] | None = None,
    fill_empty: bool = False,
    while_empty: str | None = None,
    returning: Sequence[str] = (),
) -> Row[Any] | None:
    """INSERT ``values`` into ``target`` (a mapped class or a Table) or, when a row with the
    same ``keys`` (a unique constraint) is there, update that row instead. One statement on
    PostgreSQL and SQLite alike, so concurrent writers leave one row and never fail.

    - ``update``: the columns an existing row takes from ``values`` (by default every one
      but ``keys``); ``()`` leaves an existing row as it is (see ``insert_ignore``).
    - ``fill_empty``: only the columns of ``update`` still empty (NULL) take the new value,
      so a first value is never moved; a row with none of them empty is left as it is.
    - ``while_empty``: a column; an existing row is changed only while it is empty (of two
      writers at the same moment, only the first changes the row and is told so).
    - ``returning``: the columns to give back (by default ``keys``).

    Returns those columns of the row inserted or updated, or None when the existing row was
    left as it was. The statement is built once per shape and runs with ``values`` as its
    parameters.
    """
    dialect = db.session.get_bind().dialect.name
    table: Table = target if isinstance(target, Table) else target.__table__
    key_names = tuple(keys)
    changed = (
        tuple(name for name in values if name not in key_names) if update is None else tuple(update)
    )
    returned = tuple(returning) or key_names
    shape = (dialect, table, key_names, changed, fill_empty, while_empty, returned)
    statement = _UPSERTS.get(shape)
    if statement is None:
        statement = _UPSERTS[shape] = _upsert_statement(*shape)
    row: Row[Any] | None = db.session.execute(statement, dict(values)).first()
    return row


_UPSERTS: dict[tuple[Any, ...], Any] = {}


def _upsert_statement(
    dialect: str,
    table: Table,
    keys: tuple[str, ...],
    changed: tuple[str, ...],
    fill_empty: bool,
    while_empty: str | None,
    returning: tuple[str, ...],
) -> Any:
    base = (pg_insert if dialect == "postgresql" else sqlite_insert)(table)
    if not changed:
        statement = base.on_conflict_do_nothing(index_elements=list(keys))
    elif fill_empty:
        statement = base.on_conflict_do_update(
            index_elements=list(keys),
            set_={name: func.coalesce(table.c[name], base.excluded[name]) for name in changed},
            where=(
                table.c[while_empty].is_(None)
                if while_empty
                else or_(*(table.c[name].is_(None) for name in changed))
            ),
        )
    else:
        statement = base.on_conflict_do_update(
            index_elements=list(keys),
            set_={name: base.excluded[name] for name in changed},
            where=table.c[while_empty].is_(None) if while_empty else None,
        )
    # Asked for explicitly: the implicit RETURNING of the primary key would leave rowcount
    # at -1 on psycopg, and no row comes back when the statement did nothing.
    return statement.returning(*(table.c[name] for name in returning))


def one_of(column: Any, values: Iterable[Any]) -> Any:
    """``column IN (...)`` for a fixed list of values, each bound as its own parameter.
    For statements built once and run often: ``column.in_(values)`` binds the list as one
    expanding parameter, which is rewritten into the SQL again at every execution."""
    return column.in_([literal(value) for value in values])


def pairs(rows: Any) -> dict[Any, Any]:
    """``{first: second}`` from two-column result rows."""
    return {first: second for first, second in rows}


def rows(
    statement: Executable, params: Mapping[str, Any] | None = None
) -> Result[*tuple[Any, ...]]:
    """The rows of a statement that selects columns (not mapped objects), run on the
    session's connection in its transaction. ``Session.execute`` prepares every statement
    for the ORM (compile state, events, a result that could load objects), which about
    doubles what a page's column read costs. Changes not yet sent are flushed first, as
    the session would. A write goes through the session, whose events keep caches honest
    (``lms.catalogue.structure``)."""
    session = db.session()
    if getattr(statement, "is_dml", False):
        return session.execute(statement, params)
    if session.autoflush:
        session.flush()
    return session.connection().execute(statement, params)


@cache
def _by_id(model: Any) -> Any:
    """``model`` by primary key, built once (``Session.get`` builds its query each time)."""
    (key,) = inspect(model).primary_key
    return select(model).where(key == bindparam("ident"))


def get_or_404(model: type[T], ident: Any) -> T:
    """The row of ``model`` with this primary key (already loaded, or read), else a 404."""
    session = db.session()
    obj = session.identity_map.get(identity_key(model, ident)) if ident is not None else None
    if obj is None:
        obj = session.execute(_by_id(cast(Hashable, model)), {"ident": ident}).scalar_one_or_none()
    if obj is None:
        abort(404)
    return cast(T, obj)
