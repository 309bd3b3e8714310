"""SQLite's write lock, handed over at once.

SQLite lets one connection write at a time. A connection that finds the lock taken polls:
its busy handler sleeps 1, 2, 5, 10, 15, 20, 25... ms between tries, so under several
writers the lock often lies free while everyone sleeps. So a write transaction first takes
an flock() on "<database>-writelock" (one open file per connection, so the threads of a
process exclude each other too): waiting writers sleep in the kernel and the next one is
woken the moment the lock is given back, which is as soon as the SQLite transaction ends
(commit, rollback, or the connection closed; a process that dies closes its files and so
lets go too). SQLite's own lock and busy timeout stay as they were, for writers without
the file lock (other programs, a read transaction that goes on to write).

``lms.db`` opens a connection's lock file (``WriteLock.open``) and takes it before
``BEGIN IMMEDIATE``; ``SQLiteConnection`` gives it back when the transaction ends.
"""

from __future__ import annotations

import fcntl
import logging
import os
import sqlite3
import sys
import threading
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine

log = logging.getLogger(__name__)

_holders: dict[int, int] = {}  # thread id -> how many of its connections hold the lock
_holders_lock = threading.Lock()


class WriteLock:
    """The file lock of one connection."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self.owner: int | None = None  # the thread that took it

    @classmethod
    def open(cls, path: str) -> WriteLock | None:
        if _green_threads():
            return None  # flock() would stop every greenlet of the process, the holder's too
        try:
            fd = os.open(path, os.O_RDONLY | os.O_CREAT | os.O_CLOEXEC, 0o644)
        except OSError as error:
            log.warning("no SQLite write lock file (%s): writers poll for the lock", error)
            return None
        return cls(fd)

    def acquire(self) -> None:
        if self.owner is not None:
            return
        me = threading.get_ident()
        with _holders_lock:
            if _holders.get(me):
                # Another connection of this thread holds it (and perhaps SQLite's lock):
                # waiting here would be waiting for ourselves. SQLite's busy timeout decides.
                return
        fcntl.flock(self.fd, fcntl.LOCK_EX)
        self.owner = me
        with _holders_lock:
            _holders[me] = _holders.get(me, 0) + 1

    def release(self) -> None:
        owner, self.owner = self.owner, None
        if owner is None:
            return
        fcntl.flock(self.fd, fcntl.LOCK_UN)
        with _holders_lock:
            left = _holders.pop(owner, 1) - 1
            if left:
                _holders[owner] = left

    def close(self) -> None:
        if self.fd < 0:
            return
        try:
            self.release()
        finally:
            os.close(self.fd)
            self.fd = -1

    def __del__(self) -> None:  # a connection dropped without close(): let go of the file
        self.close()


def _green_threads() -> bool:
    gevent = sys.modules.get("gevent.monkey")
    if gevent is not None and gevent.is_module_patched("threading"):
        return True
    eventlet = sys.modules.get("eventlet.patcher")
    return eventlet is not None and bool(eventlet.is_monkey_patched("thread"))


class SQLiteConnection(sqlite3.Connection):
    """A pysqlite connection that gives its write lock back as soon as its transaction
    ends (``_on_begin`` takes it before ``BEGIN IMMEDIATE``)."""

    lms_write_lock: WriteLock | None = None

    def commit(self) -> None:
        try:
            super().commit()
        finally:
            if self.lms_write_lock is not None:
                self.lms_write_lock.release()

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            if self.lms_write_lock is not None:
                self.lms_write_lock.release()

    def close(self) -> None:
        lock, self.lms_write_lock = self.lms_write_lock, None
        try:
            super().close()
        finally:
            if lock is not None:
                lock.close()


@event.listens_for(Engine, "do_connect")
def _sqlite_connection_class(dialect: Any, _record: Any, _cargs: Any, cparams: Any) -> None:
    if dialect.name == "sqlite" and dialect.driver == "pysqlite":
        cparams.setdefault("factory", SQLiteConnection)
