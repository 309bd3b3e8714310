"""The whole test suite, run again on a throwaway PostgreSQL 15 cluster.

Skipped when the PostgreSQL server binaries aren't installed, except under CI (``LMS_CI=1``),
where that is a failure. Inside the PostgreSQL run (``LMS_TEST_DATABASE_URL`` set) it skips
itself, so the suite never recurses.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from lms.testing import postgres

ROOT = Path(__file__).resolve().parents[2]
#: Set in the PostgreSQL run's environment, so that run never starts another.
INSIDE = "LMS_TEST_POSTGRES_RUN"
TAIL_LINES = 80
TIMEOUT_SECONDS = 900


def workers() -> int:
    """pytest-xdist workers for the run: ``LMS_PG_TEST_WORKERS``, else 2 on two or more CPUs
    (each test waits on the server a good part of its time), 0 without pytest-xdist."""
    if os.environ.get("LMS_PG_TEST_WORKERS"):
        return int(os.environ["LMS_PG_TEST_WORKERS"])
    if importlib.util.find_spec("xdist") is None:
        return 0
    return 2 if (os.cpu_count() or 1) >= 2 else 0


def pytest_arguments() -> list[str]:
    """The suite, without this module (it would recurse) and without the browser tests.

    The rest of tests/pg runs: it holds the PostgreSQL-only checks (migrations, isolation).
    """
    args = ["-q", "-p", "no:cacheprovider", "-x", "tests"]
    args += ["--ignore=tests/pg/test_suite_on_postgres.py", "--ignore=tests/e2e"]
    if any((ROOT / "plugins").glob("**/test_*.py")):
        args.append("plugins")
    if workers() > 1:
        args += ["-n", str(workers())]
    return args


def subprocess_env(url: str) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("PYTEST_XDIST_", "PYTEST_CURRENT_TEST"))
    }
    env.update(LMS_TEST_DATABASE_URL=url, **{INSIDE: "1"})
    return env


def test_whole_suite_on_postgres() -> None:
    if os.environ.get("LMS_TEST_DATABASE_URL") or os.environ.get(INSIDE):
        pytest.skip("this run already uses LMS_TEST_DATABASE_URL; no second run from inside it")
    try:
        cluster = postgres.TemporaryPostgres()
    except postgres.PostgresNotFound as error:
        if os.environ.get("LMS_CI") == "1":
            pytest.fail(f"LMS_CI=1 needs the suite to run on PostgreSQL too: {error}")
        pytest.skip(str(error))

    started = time.monotonic()
    with cluster as url:
        try:
            result = subprocess.run(  # noqa: S603 - our own interpreter and arguments
                [sys.executable, "-m", "pytest", *pytest_arguments()],
                cwd=ROOT,
                env=subprocess_env(url),
                capture_output=True,
                text=True,
                timeout=TIMEOUT_SECONDS,
                check=False,
            )
        except subprocess.TimeoutExpired as error:
            pytest.fail(
                f"the suite on PostgreSQL took over {TIMEOUT_SECONDS}s; last {TAIL_LINES} "
                f"lines:\n{tail(error.stdout, error.stderr)}"
            )
    elapsed = time.monotonic() - started
    assert result.returncode == 0, (
        f"the suite failed on PostgreSQL (exit {result.returncode}, {elapsed:.0f}s); "
        f"last {TAIL_LINES} lines:\n{tail(result.stdout, result.stderr)}"
    )


def tail(*outputs: str | bytes | None) -> str:
    text = "".join(
        out.decode(errors="replace") if isinstance(out, bytes) else out or "" for out in outputs
    )
    return "\n".join(text.splitlines()[-TAIL_LINES:])
