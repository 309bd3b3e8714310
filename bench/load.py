"""Load and its measurement: wrk runs and their results, and the mark-complete pairs
(learners signed in upfront, each with the steps they have not done yet)."""

from __future__ import annotations

import json
import math
import re
import subprocess
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import click
from browser import Browser  # bench/browser.py
from servers import Server  # bench/servers.py

CONNECTIONS = 16
SIGN_IN_RETRIES: list[str] = []  # sign-ins that failed and were retried (with the reason)


@dataclass
class WrkResult:
    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    seconds: float
    errors: int  # non-2xx/3xx responses and socket errors
    socket_errors: dict[str, int] = field(default_factory=dict)
    script: dict[str, Any] = field(default_factory=dict)
    server_cpu_ms: float | None = None  # worker CPU time per answered request
    server_system_ms: float | None = None  # of which in the kernel (system time)
    baseline_rps: float | None = None  # the baseline's, measured just before this run

    @property
    def ratio(self) -> float | None:
        """Requests/s as a share of the baseline's in the run just before."""
        return self.rps / self.baseline_rps if self.baseline_rps else None


UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def _ms(value: str, unit: str) -> float:
    return float(value) * UNITS[unit]


def wrk(
    url: str,
    seconds: float,
    headers: dict[str, str] | None = None,
    script: Path | None = None,
    script_args: list[str] | None = None,
    timeout: str = "2s",
) -> WrkResult:
    # a script stops sending at ``seconds`` and drains what is in flight: give it 3 s more
    wrk_seconds = math.ceil(seconds) + (3 if script else 0)
    cmd = ["wrk", "-t1", f"-c{CONNECTIONS}", f"-d{wrk_seconds}s", "--latency", "--timeout", timeout]
    for name, value in (headers or {}).items():
        cmd += ["-H", f"{name}: {value}"]
    if script is not None:
        cmd += ["-s", str(script)]
    cmd.append(url)
    if script_args:
        cmd += ["--", *script_args]
    out = subprocess.run(  # noqa: S603 - our own wrk command
        cmd, capture_output=True, text=True, check=False, timeout=wrk_seconds + 60
    )
    text = out.stdout
    if out.returncode != 0 or "Requests/sec" not in text:
        raise click.ClickException(f"wrk failed: {out.stderr or text}")
    pct = {
        m[0]: _ms(m[1], m[2])
        for m in re.findall(r"^\s+(\d+)%\s+([\d.]+)(us|ms|s|m)\s*$", text, re.M)
    }
    done = re.search(r"(\d+) requests in ([\d.]+)(us|ms|s|m)", text)
    non = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
    socket_errors = (
        dict(zip(("connect", "read", "write", "timeout"), map(int, sock.groups()), strict=True))
        if sock
        else {}
    )
    script_json: dict[str, Any] = {}
    for line in text.splitlines():
        if line.startswith("BENCH_JSON "):
            script_json = json.loads(line[len("BENCH_JSON ") :])
    requests = int(done.group(1)) if done else 0
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))  # type: ignore[union-attr]
    elapsed = _ms(done.group(2), done.group(3)) / 1000 if done else 0.0
    if script_json.get("seconds"):  # the script timed itself (see complete.lua)
        elapsed = float(script_json["seconds"])
        rps = int(script_json["answered"]) / elapsed
    return WrkResult(
        rps=rps,
        p50_ms=pct.get("50", float("nan")),
        p99_ms=pct.get("99", float("nan")),
        requests=requests,
        seconds=elapsed,
        errors=(int(non.group(1)) if non else 0) + sum(socket_errors.values()),
        socket_errors=socket_errors,
        script=script_json,
    )


def timed(srv: Server, url: str, seconds: float, **kw: Any) -> WrkResult:
    """A wrk run, with the server's worker CPU time per answered request."""
    user, system = srv.cpu_split()
    result = wrk(url, seconds, **kw)
    if result.requests:
        user_after, system_after = srv.cpu_split()
        spent = user_after - user + system_after - system
        result.server_cpu_ms = 1000 * spent / result.requests
        result.server_system_ms = 1000 * (system_after - system) / result.requests
    return result


def median_result(results: list[WrkResult]) -> WrkResult:
    """The run with the median ratio to its baseline, or the median requests/s when the
    runs have no baseline (its own p50/p99 come with it)."""
    return sorted(results, key=lambda r: r.ratio or r.rps)[len(results) // 2]


def open_pairs(db_path: Path, exclude: set[int]) -> dict[int, list[tuple[str, int]]]:
    """Per learner, the live-course steps completed by marking done that have no row yet."""
    import sqlite3

    sql = """
        SELECT e.user_id, '/courses/' || c.slug || '/steps/' || s.key || '/done', s.id
        FROM enrolments e
        JOIN cohorts co ON co.id = e.cohort_id
        JOIN courses c ON c.id = co.course_id
        JOIN steps s ON s.course_id = c.id
        JOIN modules m ON m.id = s.module_id
        WHERE c.retired = 0 AND e.status IN ('active', 'invited', 'completed')
          AND s.retired_at IS NULL AND m.retired_at IS NULL
          AND s.complete_when = 'marked_done'
          AND NOT EXISTS (SELECT 1 FROM step_progress sp
                          WHERE sp.user_id = e.user_id AND sp.step_id = s.id)
        ORDER BY e.user_id, c.id, m.position, s.position
    """
    pairs: dict[int, list[tuple[str, int]]] = defaultdict(list)
    with sqlite3.connect(db_path) as conn:
        for user_id, url, step_id in conn.execute(sql):
            if user_id not in exclude:
                pairs[user_id].append((url, step_id))
    return pairs


def count_rows(db_path: Path) -> int:
    import sqlite3

    with sqlite3.connect(db_path, timeout=30) as conn:
        return int(conn.execute("SELECT count(*) FROM step_progress").fetchone()[0])


@dataclass
class Learner:
    user_id: int
    email: str
    cookie: str
    token: str
    steps: list[tuple[str, int]]


def sign_in_learners(port: int, db_path: Path, user_ids: list[int], password: str) -> list[Learner]:
    import sqlite3

    with sqlite3.connect(db_path) as conn:
        emails = (
            dict(
                conn.execute(
                    f"SELECT id, email FROM users WHERE id IN ({','.join('?' * len(user_ids))})",  # noqa: S608
                    user_ids,
                ).fetchall()
            )
            if user_ids
            else {}
        )

    retries: list[str] = []

    def one(user_id: int) -> Learner:
        for attempt in range(4):
            browser = Browser(port)
            try:
                browser.sign_in(emails[user_id], password)
                token = browser.csrf_token("/support")  # a form token of this session
                return Learner(user_id, emails[user_id], browser.cookie_header, token, [])
            except click.ClickException as problem:
                retries.append(problem.message)
                time.sleep(0.5 * (attempt + 1))
        raise click.ClickException(f"Could not sign in {emails[user_id]}: {retries[-1]}")

    # Two at a time: a sign-in holds SQLite's write lock while argon2 checks the password
    # (lms.accounts.services.people.authenticate), so more in parallel only queue on it.
    with ThreadPoolExecutor(max_workers=2) as pool:
        learners = list(pool.map(one, user_ids))
    SIGN_IN_RETRIES.extend(retries)
    return learners


def write_pairs(path: Path, learners: list[Learner]) -> int:
    """Interleave learners (consecutive requests are different people), each in course order."""
    lines = []
    depth = max((len(x.steps) for x in learners), default=0)
    for i in range(depth):
        for learner in learners:
            if i < len(learner.steps):
                lines.append(f"{learner.steps[i][0]}\t{learner.cookie}\t{learner.token}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return len(lines)
