"""The one scheduler process: ``flask --app wsgi lms scheduler``.

Runs the core's periodic jobs (``CORE_JOBS``, as ``lms.<key>``) and every plugin's (as
``<plugin>.<key>``) in an APScheduler ``BlockingScheduler``. Exactly one may
run per site: it holds a leader lock for its whole life (a PostgreSQL advisory lock, or an
exclusive file lock next to a SQLite database), and a second one waits for the lock. Web
workers never start it.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable
from pathlib import Path

import click
from apscheduler.schedulers.blocking import BlockingScheduler
from flask import Flask, current_app, has_request_context
from flask.cli import with_appcontext
from sqlalchemy.engine import Connection

from lms.extensions import db
from lms.plugins.manager import PluginHost
from lms.plugins.types import Job

log = logging.getLogger("lms.scheduler")

#: The PostgreSQL advisory lock key of the scheduler ("LMS" + 1).
ADVISORY_LOCK_KEY = 0x4C4D5301
WAITING_MESSAGE = "Another scheduler is already running; waiting for it to stop."
NOT_WAITING_MESSAGE = "Another scheduler is already running; exiting (--no-wait)."
JOB_DEFAULTS = {"coalesce": True, "max_instances": 1, "misfire_grace_time": 300}


def _forget_old_uploads() -> None:
    from lms.cohorts.services.retention import forget_old_uploads

    done = forget_old_uploads()
    log.info(
        "Deleted the people in %d applied bulk enrolment file(s) and %d unapplied preview(s)",
        done.applied,
        done.previews,
    )


def _refresh_statistics() -> None:
    from lms.db import refresh_statistics

    if refresh_statistics():
        log.info("Refreshed the database's statistics for the query planner")


#: The core's own periodic jobs, registered as ``lms.<key>``. Idempotent, like plugins' jobs.
CORE_JOBS = (
    # Personal details in bulk enrolment files: see docs/bulk-enrolment.md.
    Job("bulk-upload-retention", _forget_old_uploads, {"trigger": "cron", "hour": 3, "minute": 15}),
    # SQLite's query planner statistics: see docs/deploying.md.
    Job("database-statistics", _refresh_statistics, {"trigger": "cron", "hour": 3, "minute": 45}),
)


class LeaderLock:
    """The lock that makes one scheduler the only one. Held until ``release`` or exit."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self._connection: Connection | None = None
        self._fd: int | None = None
        #: Set when the lock was lost while running; the process then exits with status 1.
        self.lost = False

    @property
    def uses_postgres(self) -> bool:
        return db.engine.dialect.name == "postgresql"

    @property
    def lock_file(self) -> Path:
        return Path(self.app.instance_path) / "scheduler.lock"

    def try_acquire(self) -> bool:
        """Take the lock if it is free; never blocks."""
        if self.uses_postgres:
            return self._try_advisory_lock()
        return self._try_file_lock()

    def still_held(self) -> bool:
        """False when the database connection holding the advisory lock has gone."""
        if self._connection is None:
            return self._fd is not None
        try:
            self._connection.exec_driver_sql("SELECT 1")
        except Exception:
            log.exception("Lost the connection that holds the scheduler lock")
            return False
        return True

    def release(self) -> None:
        if self._connection is not None:
            try:
                self._connection.exec_driver_sql(f"SELECT pg_advisory_unlock({ADVISORY_LOCK_KEY})")
            finally:
                self._connection.close()
                self._connection = None
        if self._fd is not None:
            import fcntl

            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None

    def _try_advisory_lock(self) -> bool:
        # A dedicated connection outside any transaction: the lock is the session's, and the
        # connection stays open (and checked out of the pool) for the life of the process.
        connection = db.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        got = connection.exec_driver_sql(
            f"SELECT pg_try_advisory_lock({ADVISORY_LOCK_KEY})"
        ).scalar()
        if got:
            self._connection = connection
            return True
        connection.close()
        return False

    def _try_file_lock(self) -> bool:
        import fcntl

        if db.engine.dialect.name != "sqlite":
            log.warning(
                "The scheduler lock is a file lock on %s: it only keeps out "
                "schedulers on this machine.",
                self.lock_file,
            )
        self.lock_file.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.lock_file, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._fd = fd
        return True


def run_job(app: Flask, job_id: str, func: Callable[[], None]) -> bool:
    """Run one job in its own app context, logging start, end and any exception.

    Returns whether it succeeded; an exception is logged, not raised, so one failing job
    never stops the scheduler.
    """
    with app.app_context():
        log.info("Job %s started", job_id)
        started = time.monotonic()
        try:
            func()
        except Exception:
            db.session.rollback()
            log.exception("Job %s failed after %.1fs", job_id, time.monotonic() - started)
            return False
        log.info("Job %s finished in %.1fs", job_id, time.monotonic() - started)
        return True


def core_jobs() -> list[tuple[str, Job]]:
    """The core's own periodic jobs, as ``lms.<key>``."""
    from lms.certificates.jobs import certificate_jobs

    return [(f"lms.{job.key}", job) for job in (*CORE_JOBS, *certificate_jobs())]


def build_scheduler(app: Flask) -> BlockingScheduler:
    """A scheduler with the core's jobs as ``lms.<key>`` and every loaded plugin's jobs as
    ``<plugin>.<key>``."""
    host: PluginHost = app.extensions["lms_plugins"]
    sched = BlockingScheduler(timezone="UTC", job_defaults=JOB_DEFAULTS)
    for job_id, job in [*core_jobs(), *host.jobs()]:
        sched.add_job(
            run_job,
            args=(app, job_id, job.func),
            id=job_id,
            name=job_id,
            replace_existing=True,
            **job.trigger,
        )
    return sched


def _take_lock(lock: LeaderLock, wait: bool, poll_seconds: float) -> None:
    if lock.try_acquire():
        return
    if not wait:
        click.echo(NOT_WAITING_MESSAGE, err=True)
        click.get_current_context().exit(1)
    click.echo(WAITING_MESSAGE, err=True)
    while not lock.try_acquire():
        time.sleep(poll_seconds)
    click.echo("The other scheduler has stopped; this one takes over.", err=True)


@click.command("scheduler")
@click.option("--once", is_flag=True, help="Run every job once now, then exit.")
@click.option("--list", "list_jobs", is_flag=True, help="List the jobs and their triggers.")
@click.option(
    "--no-wait", is_flag=True, help="Exit with status 1 if another scheduler holds the lock."
)
@with_appcontext
def scheduler(once: bool, list_jobs: bool, no_wait: bool) -> None:
    """Run the periodic jobs of the core and the plugins (exactly one scheduler per site)."""
    if has_request_context():
        raise click.ClickException("The scheduler never runs inside a web request.")
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    sched = build_scheduler(app)
    if list_jobs:
        jobs = sched.get_jobs()
        if not jobs:
            click.echo("No scheduled jobs.")
        for job in jobs:
            click.echo(f"{job.id}\t{job.trigger}")
        return

    lock = LeaderLock(app)
    poll = float(app.config.get("SCHEDULER_LOCK_POLL_SECONDS", 15))
    _take_lock(lock, wait=not no_wait, poll_seconds=poll)
    try:
        if once:
            failed = [job.id for job in sched.get_jobs() if not job.func(*job.args)]
            click.echo(f"Ran {len(sched.get_jobs())} job(s); {len(failed)} failed.")
            if failed:
                raise click.ClickException("Failed: " + ", ".join(failed))
            return
        sched.add_job(
            _check_lock, "interval", minutes=1, args=(lock, sched), id="lms.scheduler-lock"
        )
        log.info("Scheduler started with %d job(s)", len(sched.get_jobs()) - 1)
        sched.start()
        if lock.lost:
            raise click.ClickException("The scheduler lost its lock and stopped.")
    finally:
        lock.release()


def _check_lock(lock: LeaderLock, sched: BlockingScheduler) -> None:
    """Stop if the lock's connection is lost, so the process supervisor restarts us and we
    compete for the lock again instead of running beside a new leader."""
    if not lock.still_held():
        log.error("The scheduler lost its lock; stopping")
        lock.lost = True
        sched.shutdown(wait=False)
