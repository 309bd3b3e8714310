"""``flask lms scheduler``: jobs registered as ``<plugin>.<key>``, run in an app context, and
only ever one scheduler at a time."""

from __future__ import annotations

import logging
import subprocess
import sys
import time

import pytest

from lms.scheduler import JOB_DEFAULTS, LeaderLock, build_scheduler, run_job
from tests.plugins.conftest import ROOT, flask_env, run_flask


@pytest.fixture
def lms(app, db):
    runner = app.test_cli_runner()
    return lambda *args: runner.invoke(args=["lms", *args])


CORE_JOBS = [
    "lms.bulk-upload-retention",
    "lms.database-statistics",
    "lms.certificates-batches",
    "lms.certificates-check",
]


def test_jobs_are_registered_with_the_agreed_defaults(app):
    sched = build_scheduler(app)
    assert [job.id for job in sched.get_jobs()] == [*CORE_JOBS, "sample.tidy"]
    assert str(sched.get_job("lms.bulk-upload-retention").trigger) == "cron[hour='3', minute='15']"
    assert str(sched.get_job("lms.database-statistics").trigger) == "cron[hour='3', minute='45']"
    job = sched.get_job("sample.tidy")
    assert job.name == "sample.tidy"
    assert str(job.trigger) == "interval[0:15:00]"
    # Pending jobs take the scheduler's defaults when it starts; APScheduler 3 keeps them here.
    assert sched._job_defaults == JOB_DEFAULTS
    assert JOB_DEFAULTS == {"coalesce": True, "max_instances": 1, "misfire_grace_time": 300}
    assert str(sched.timezone) == "UTC"


def test_a_failing_job_is_logged_and_does_not_raise(app, caplog):
    def broken_job() -> None:
        raise RuntimeError("the job broke")

    with caplog.at_level(logging.INFO, logger="lms.scheduler"):
        assert run_job(app, "sample.broken", broken_job) is False
    messages = [record.getMessage() for record in caplog.records]
    assert messages[0] == "Job sample.broken started"
    assert messages[1].startswith("Job sample.broken failed after")
    assert caplog.records[1].exc_info is not None


def test_list_with_no_plugins_shows_the_core_jobs(make_app):
    app = make_app()
    with app.app_context():
        result = app.test_cli_runner().invoke(args=["lms", "scheduler", "--list"])
    assert result.exit_code == 0
    assert [line.split("\t")[0] for line in result.output.splitlines()] == CORE_JOBS


def test_a_second_scheduler_does_not_start_while_the_lock_is_held(app, lms, job_runs):
    with app.app_context():
        holder = LeaderLock(app)
        assert holder.try_acquire()
    try:
        result = lms("scheduler", "--once", "--no-wait")
        assert result.exit_code == 1
        assert "Another scheduler is already running" in result.output
        assert job_runs == []
    finally:
        holder.release()
    result = lms("scheduler", "--once", "--no-wait")
    assert result.exit_code == 0, result.output
    assert len(job_runs) == 1


def test_only_one_scheduler_process_runs(tmp_path):
    env = flask_env(tmp_path / "instance", ["sample"], LMS_SCHEDULER_LOCK_POLL_SECONDS="0.2")
    assert run_flask(env, "db", "upgrade", "heads").returncode == 0
    cmd = [sys.executable, "-m", "flask", "--app", "tests.plugins.wsgi_sample", "lms", "scheduler"]
    waiting = None
    first = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
        cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        lock_file = tmp_path / "instance" / "scheduler.lock"
        deadline = time.monotonic() + 60
        while not (lock_file.exists() and lock_file.read_text().strip()):
            assert first.poll() is None, first.communicate()
            assert time.monotonic() < deadline, "the first scheduler never took the lock"
            time.sleep(0.1)
        assert lock_file.read_text().strip() == str(first.pid)

        second = run_flask(env, "lms", "scheduler", "--no-wait")
        assert second.returncode == 1
        assert "Another scheduler is already running" in second.stderr

        # Without --no-wait it says so and waits, then takes over once the first stops.
        waiting = subprocess.Popen(  # noqa: S603 - as above
            [*cmd, "--once"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        # Wait for it to say so (a fixed sleep is too short on a busy machine, where the
        # first could stop before the second has even started).
        said = ""
        while "waiting for it to stop" not in said:
            assert waiting.stderr is not None
            line = waiting.stderr.readline()
            assert line, waiting.communicate()
            said += line
        assert waiting.poll() is None, waiting.communicate()
        first.terminate()
        first.wait(timeout=30)
        out, err = waiting.communicate(timeout=60)
        err = said + err
        assert waiting.returncode == 0, err
        assert "Another scheduler is already running; waiting for it to stop." in err
        assert f"Ran {len(CORE_JOBS) + 1} job(s); 0 failed." in out
        assert "Job sample.tidy finished" in err
        assert "Job lms.bulk-upload-retention finished" in err
        assert "Refreshed the database's statistics for the query planner" in err
    finally:
        for process in (first, waiting):
            if process is not None and process.poll() is None:
                process.kill()
                process.wait()
