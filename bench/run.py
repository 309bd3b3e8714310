"""Load-test the LMS against a minimal Flask app, both under the same gunicorn settings.

    python bench/run.py                 # full scale: 10,000 learners, 1,000,000 step rows
    python bench/run.py --scale small   # a quick run (CI smoke check)

Seeds a fresh SQLite database (bench/seed.py), serves a minimal Flask app (the baseline,
bench/baseline_app.py) and then the LMS under gunicorn with sync workers, loads each from
loopback with wrk, and prints a table and, as the last line, one JSON object. Every figure
is a ratio to the baseline's requests/s measured in the same run. Targets are reported,
never asserted: the exit status is 0 whenever the measurements could be made. See
bench/README.md.
"""

from __future__ import annotations

import http.client
import json
import math
import os
import platform
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import datetime
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any

import click

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
for path in (str(ROOT), str(BENCH)):
    if path not in sys.path:
        sys.path.insert(0, path)

import files  # noqa: E402 - bench/files.py, next to this file
import seed as seeding  # noqa: E402 - bench/seed.py, next to this file

USER_AGENT = "lms-bench/1.0"
CONNECTIONS = 16
WARMUP_SECONDS = 1
SIGN_IN_RETRIES: list[str] = []  # sign-ins that failed and were retried (with the reason)
POOL_MARGIN = 1.6  # pairs signed in for mark-complete: this x the warm-up rate x duration

TARGETS = {
    "dashboard": {"ratio": 0.20, "p99_ms": 50.0},
    "step": {"ratio": 0.20, "p99_ms": 50.0},
    "complete": {"ratio": 0.15},
    "report": {"ratio": 0.10},
    "csv": {"rows_per_s": 20_000, "peak_rss_mb": 150.0},
    "certificate": {"render_vs_reportlab": 6.0, "cached_ratio": 0.5},
}


# -- processes ----------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            found.append(int(entry.name))
    return found


def _peak_rss_mb(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


class Server:
    """``gunicorn -w N -k sync`` on a free loopback port, stopped by its own pid."""

    def __init__(self, app_spec: str, env: dict[str, str], workers: int, log: Path) -> None:
        self.app_spec, self.env, self.workers, self.log = app_spec, env, workers, log
        self.port = free_port()
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def args(self) -> list[str]:
        return ["-w", str(self.workers), "-k", "sync", "-b", f"127.0.0.1:{self.port}"]

    def __enter__(self) -> Server:
        cmd = [
            sys.executable,
            "-m",
            "gunicorn",
            *self.args,
            "--log-level",
            "warning",
            self.app_spec,
        ]
        with self.log.open("wb") as log:  # gunicorn's and the app's messages
            self.proc = subprocess.Popen(  # noqa: S603 - our own gunicorn command
                cmd, cwd=BENCH, env=self.env, stdout=log, stderr=log
            )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise click.ClickException(f"gunicorn exited; see {self.log}")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                conn.request("GET", "/")
                conn.getresponse().read()
                conn.close()
                if len(_children(self.proc.pid)) >= self.workers:
                    return self
            except OSError:
                pass
            time.sleep(0.2)
        raise click.ClickException(f"gunicorn did not start; see {self.log}")

    def cpu_seconds(self) -> float:
        """User + system CPU time used so far by the workers (not the master)."""
        if self.proc is None:
            return 0.0
        ticks = os.sysconf("SC_CLK_TCK")
        total = 0
        for pid in _children(self.proc.pid):
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            total += int(fields[11]) + int(fields[12])  # utime, stime
        return total / ticks

    def worker_peak_rss_mb(self) -> float | None:
        if self.proc is None:
            return None
        values = [v for v in map(_peak_rss_mb, _children(self.proc.pid)) if v is not None]
        return round(max(values), 1) if values else None

    def __exit__(self, *_exc: object) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


# -- a tiny browser (http.client: no redirects followed, cookies kept by hand) -------------


CSRF_RE = re.compile(r'<input[^>]*name="csrf_token"[^>]*>')
VALUE_RE = re.compile(r'value="([^"]+)"')


class Browser:
    """Cookies kept by hand: the LMS marks them Secure even on this plain-http loopback."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}

    @property
    def cookie_header(self) -> str:
        return "; ".join(f"{k}={v}" for k, v in self.cookies.items())

    def request(
        self, method: str, path: str, form: dict[str, str] | None = None
    ) -> tuple[int, http.client.HTTPMessage, str]:
        headers = {"User-Agent": USER_AGENT}
        if self.cookies:
            headers["Cookie"] = self.cookie_header
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            text = response.read().decode("utf-8", "replace")
        finally:
            conn.close()
        for raw in response.headers.get_all("Set-Cookie") or []:
            parsed = SimpleCookie()
            parsed.load(raw)
            for name, morsel in parsed.items():
                expired = morsel["max-age"] == "0" or "1970" in morsel["expires"]
                if expired or not morsel.value:
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
        return response.status, response.headers, text

    def csrf_token(self, path: str) -> str:
        status, _headers, text = self.request("GET", path)
        match = CSRF_RE.search(text)
        value = VALUE_RE.search(match.group(0)) if match else None
        if status != 200 or value is None:
            raise click.ClickException(f"No CSRF token on {path} (HTTP {status})")
        return value.group(1)

    def sign_in(self, name: str, password: str) -> None:
        token = self.csrf_token("/sign-in")
        status, _headers, _ = self.request(
            "POST",
            "/sign-in",
            {"csrf_token": token, "name": name, "password": password, "next": ""},
        )
        if status not in (302, 303):
            raise click.ClickException(f"Signing in as {name} failed (HTTP {status})")

    def refresh(self, path: str) -> bool:
        """GET ``path`` so the cookie is current; True if the server wanted to change it."""
        before = dict(self.cookies)
        status, _h, _t = self.request("GET", path)
        if status != 200:
            raise click.ClickException(f"GET {path} answered HTTP {status}")
        return before != self.cookies


# -- wrk ----------------------------------------------------------------------------------


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


def median_result(results: list[WrkResult]) -> WrkResult:
    """The run with the median requests/s (its own p50/p99 come with it)."""
    return sorted(results, key=lambda r: r.rps)[len(results) // 2]


# -- mark-complete pool -------------------------------------------------------------------


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


# -- the run ------------------------------------------------------------------------------


def _log_errors(log: Path) -> dict[str, int]:
    """Exceptions the LMS logged (their last line, counted), e.g. "database is locked"."""
    counts: dict[str, int] = defaultdict(int)
    try:
        lines = log.read_text(errors="replace").splitlines()
    except OSError:
        return {}
    for line in lines:
        if re.match(r"^[\w.]+(Error|Exception): ", line):
            counts[line[:120]] += 1
    return dict(counts)


def loadavg() -> list[float] | None:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return None


def fmt(value: Any, digits: int = 2) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def machine() -> dict[str, Any]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    import sqlite3

    return {
        "cpus": os.cpu_count(),
        "cpu": cpu,
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "platform": platform.platform(),
    }


def versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    out = {}
    for name in ("flask", "werkzeug", "sqlalchemy", "flask-sqlalchemy", "gunicorn", "jinja2"):
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = "missing"
    wrk_v = subprocess.run(
        ["wrk", "--version"],  # noqa: S607 - wrk from PATH, as every measurement uses
        capture_output=True,
        text=True,
        check=False,
    )
    out["wrk"] = (wrk_v.stdout or wrk_v.stderr).split(" [")[0].replace("wrk ", "").strip()
    return out


@click.command()
@click.option(
    "--scale",
    "scale_name",
    type=click.Choice(sorted(seeding.SCALES)),
    default="full",
    show_default=True,
    help="full: 10,000 learners; small: 500 (quick, for CI).",
)
@click.option("--duration", type=float, help="Seconds per measurement [10; small: 5].")
@click.option(
    "--repeat",
    type=int,
    default=1,
    show_default=True,
    help="Measure each endpoint N times; the median run is reported.",
)
@click.option("--workers", type=int, default=None, help="gunicorn sync workers [2 x CPUs].")
@click.option(
    "--db",
    "db_path",
    type=click.Path(path_type=Path),
    help="Database file [bench/results/bench-<scale>.sqlite3].",
)
@click.option(
    "--reuse-db",
    is_flag=True,
    help="Keep an existing database of this scale instead of seeding a fresh one.",
)
@click.option(
    "--profile",
    type=click.Choice(["auto", "always", "never"]),
    default="auto",
    show_default=True,
    help="Profile endpoints in-process (pyinstrument) when a "
    "target is missed (auto), always, or never.",
)
@click.option(
    "--wait-for-load",
    type=float,
    default=None,
    help="Before measuring, wait (up to 15 min) until the 1-minute load average is "
    "below this: on a shared machine, other work skews the figures.",
)
@click.option(
    "--results",
    "results_dir",
    type=click.Path(path_type=Path),
    default=BENCH / "results",
    show_default=True,
)
def main(
    scale_name: str,
    duration: float | None,
    repeat: int,
    workers: int | None,
    db_path: Path | None,
    reuse_db: bool,
    profile: str,
    wait_for_load: float | None,
    results_dir: Path,
) -> None:
    """Benchmark the LMS against a minimal Flask app (ratios to its requests/s)."""
    if shutil.which("wrk") is None:
        raise click.ClickException("wrk is not installed (apt-get install wrk).")
    try:
        import gunicorn  # noqa: F401
    except ImportError as missing:
        raise click.ClickException("gunicorn is missing: pip install -e '.[bench]'") from missing
    started = time.monotonic()
    load_at_start = loadavg()
    if load_at_start and load_at_start[0] > 0.5 * (os.cpu_count() or 1):
        click.echo(
            f"Note: the machine is busy (load average {load_at_start}); wrk and gunicorn "
            "share its CPUs, so expect noisy figures.",
            err=True,
        )
    scale = seeding.SCALES[scale_name]
    seconds = duration or (5.0 if scale_name == "small" else 10.0)
    workers = workers or 2 * (os.cpu_count() or 1)
    results_dir = results_dir.resolve()
    results_dir.mkdir(parents=True, exist_ok=True)
    db_path = (db_path or results_dir / f"bench-{scale_name}.sqlite3").resolve()
    say = lambda message: click.echo(message, err=True)  # noqa: E731

    # 1. the database
    summary_file = Path(f"{db_path}.json")
    previous = json.loads(summary_file.read_text()) if summary_file.exists() else {}
    if reuse_db and db_path.exists() and previous.get("scale") == asdict(scale):
        summary = previous
        say(f"Reusing {db_path} (seeded {summary['seconds']} s)")
    else:
        say(f"Seeding a fresh {scale_name} database ...")
        summary = seeding.seed(db_path, scale)
        say(f"Seeded in {summary['seconds']} s: {summary['rows']}")

    env = {k: v for k, v in os.environ.items() if not k.startswith("LMS_")}
    env.update(
        {
            "LMS_SQLALCHEMY_DATABASE_URI": f"sqlite:///{db_path}",
            "LMS_SECRET_KEY": secrets.token_hex(32),
            "LMS_ENV_NAME": "benchmark",
            "LMS_RATELIMIT_ENABLED": "false",
            "BENCH_INSTANCE_PATH": str(results_dir / "instance"),
            "PYTHONPATH": os.pathsep.join([str(ROOT), str(BENCH), env.get("PYTHONPATH", "")]),
            "PYTHONDONTWRITEBYTECODE": "1",
        }
    )
    password = summary["password"]
    measured: dict[str, WrkResult] = {}
    extra: dict[str, Any] = {}

    def timed(srv: Server, url: str, seconds: float, **kw: Any) -> WrkResult:
        cpu = srv.cpu_seconds()
        result = wrk(url, seconds, **kw)
        if result.requests:
            result.server_cpu_ms = 1000 * (srv.cpu_seconds() - cpu) / result.requests
        return result

    def measure(srv: Server, name: str, url: str, headers: dict[str, str]) -> WrkResult:
        wrk(url, WARMUP_SECONDS, headers)
        runs = [timed(srv, url, seconds, headers=headers) for _ in range(repeat)]
        result = median_result(runs)
        say(
            f"  {name:10s} {result.rps:8.1f} req/s  p50 {result.p50_ms:6.1f} ms  "
            f"p99 {result.p99_ms:6.1f} ms  errors {result.errors}  "
            f"server CPU {fmt(result.server_cpu_ms)} ms/request"
        )
        measured[name] = result
        return result

    if wait_for_load is not None:
        give_up = time.monotonic() + 900
        while (loadavg() or [0.0])[0] >= wait_for_load and time.monotonic() < give_up:
            say(f"  waiting for the load average {loadavg()} to fall below {wait_for_load} ...")
            time.sleep(20)
    load_at_start = loadavg()

    # 2. the baseline
    say(
        f"Baseline: minimal Flask app, gunicorn -w {workers} -k sync, wrk -t1 -c{CONNECTIONS} "
        f"-d{seconds:g}s"
    )
    with Server("baseline_app:app", env, workers, results_dir / "gunicorn-baseline.log") as srv:
        measure(srv, "baseline", f"http://127.0.0.1:{srv.port}/", {"User-Agent": USER_AGENT})
        extra["baseline_worker_peak_rss_mb"] = srv.worker_peak_rss_mb()
        gunicorn_args = " ".join(srv.args).replace(str(srv.port), "<free port>")
    baseline = measured["baseline"].rps

    # 3. the LMS
    say("LMS: same gunicorn settings")
    with Server("lms_wsgi:app", env, workers, results_dir / "gunicorn-lms.log") as srv:
        base_url = f"http://127.0.0.1:{srv.port}"
        learner = Browser(srv.port)
        learner.sign_in(summary["probe_learner"]["email"], password)
        manager = Browser(srv.port)
        manager.sign_in(summary["manager"]["email"], password)
        step_url = summary["probe_learner"]["step_url"]
        report_url = f"/organisations/{summary['manager']['organisation_id']}"
        cookie_churn = {}
        for name, browser, path in (
            ("dashboard", learner, "/"),
            ("step", learner, step_url),
            ("report", manager, report_url),
        ):
            browser.refresh(path)  # first visit may record (a step view) or refresh the cookie
            cookie_churn[name] = browser.refresh(path)  # should not change it any more
            measure(
                srv,
                name,
                base_url + path,
                {"Cookie": browser.cookie_header, "User-Agent": USER_AGENT},
            )
        extra["set_cookie_on_every_get"] = cookie_churn

        # a certificate download its holder already made once: served from the cache
        holder = summary.get("certificate_holder") or {}
        if holder.get("certificate_id"):
            owner = Browser(srv.port)
            owner.sign_in(holder["email"], password)
            pdf_path = f"/certificates/{holder['certificate_id']}/pdf"
            owner.refresh(pdf_path)  # the first download renders and caches the PDF
            measure(
                srv,
                "certificate",
                base_url + pdf_path,
                {"Cookie": owner.cookie_header, "User-Agent": USER_AGENT},
            )

        # mark complete: sign in learners with not-yet-done steps, warm up on a first slice
        # (which also tells the rate), then sign in enough for the measurement
        pairs = open_pairs(db_path, exclude={summary["probe_learner"]["user_id"]})
        candidates = sorted(pairs, key=lambda uid: (-len(pairs[uid]), uid))
        say(
            f"  mark complete: {sum(len(v) for v in pairs.values()):,} open (learner, step) "
            f"pairs over {len(candidates):,} learners"
        )
        t0 = time.monotonic()
        first = sign_in_learners(srv.port, db_path, candidates[: CONNECTIONS * 3], password)
        sign_in_rate = len(first) / max(time.monotonic() - t0, 1e-6)
        for x in first:
            x.steps = pairs[x.user_id]
        pairs_file = results_dir / "complete-pairs.tsv"
        lua = BENCH / "complete.lua"
        n = write_pairs(pairs_file, first)
        warm = wrk(
            base_url + "/",
            WARMUP_SECONDS,
            script=lua,
            timeout="5s",
            script_args=[str(pairs_file), "1", str(n), str(WARMUP_SECONDS), USER_AGENT],
        )
        warm_rate = warm.rps or 1.0
        need = math.ceil(POOL_MARGIN * warm_rate * seconds) + CONNECTIONS * 4
        say(f"  warm-up {warm_rate:.0f} req/s: {need:,} pairs per run")
        pool = list(first)
        probe_id = summary["probe_learner"]["user_id"]
        unused = iter(candidates[len(first) :])
        runs = []
        for _ in range(repeat):
            # steps nobody has marked yet; more learners signed in if that is too few
            left = open_pairs(db_path, exclude={probe_id})
            for x in pool:
                x.steps = left.get(x.user_id, [])
            pool = [x for x in pool if x.steps]
            have = sum(len(x.steps) for x in pool)
            more_ids = []
            while have < need and (uid := next(unused, None)) is not None:
                more_ids.append(uid)
                have += len(left.get(uid, []))
            if more_ids:
                say(
                    f"  signing in {len(more_ids)} more learners "
                    f"(~{len(more_ids) / sign_in_rate:.0f} s) ..."
                )
                for x in sign_in_learners(srv.port, db_path, more_ids, password):
                    x.steps = left.get(x.user_id, [])
                    pool.append(x)
            n = write_pairs(pairs_file, pool)
            if n == 0:
                raise click.ClickException("No learner has a step left to mark complete.")
            before = count_rows(db_path)
            result = timed(
                srv,
                base_url + "/",
                seconds,
                script=lua,
                timeout="5s",
                script_args=[str(pairs_file), "1", str(n), f"{seconds:g}", USER_AGENT],
            )
            time.sleep(0.5)
            result.script["rows_written"] = count_rows(db_path) - before
            result.script["learners"] = len(pool)
            runs.append(result)
        complete = median_result(runs)
        measured["complete"] = complete
        s = complete.script
        complete.errors = int(s.get("failed", 0)) + sum(complete.socket_errors.values())
        say(
            f"  {'complete':10s} {complete.rps:8.1f} req/s  p50 {complete.p50_ms:6.1f} ms  "
            f"p99 {complete.p99_ms:6.1f} ms  errors {complete.errors}  rows {s.get('rows_written')}"
            f" for {s.get('ok')} successes ({s.get('learners')} learners)"
        )
        extra["lms_worker_peak_rss_mb"] = srv.worker_peak_rss_mb()
        extra["sign_in_retries"] = len(SIGN_IN_RETRIES)
        extra["sign_in_retry_reasons"] = sorted(set(SIGN_IN_RETRIES))[:3]
        extra["lms_log_errors"] = _log_errors(results_dir / "gunicorn-lms.log")

    # 4. figures, targets, profiles
    def ratio(name: str) -> float | None:
        r = measured.get(name)
        return round(r.rps / baseline, 3) if r and baseline else None

    c = measured["complete"].script

    def cpu(name: str) -> float | None:
        value = measured[name].server_cpu_ms
        return round(value, 3) if value is not None else None

    base_cpu = measured["baseline"].server_cpu_ms
    figures: dict[str, Any] = {
        "baseline_rps": round(baseline, 1),
        "baseline_p50_ms": round(measured["baseline"].p50_ms, 2),
        "baseline_p99_ms": round(measured["baseline"].p99_ms, 2),
        "baseline_server_cpu_ms": cpu("baseline"),
    }
    for name in ("dashboard", "step", "complete", "report"):
        r = measured[name]
        figures[f"{name}_rps"] = round(r.rps, 1)
        figures[f"{name}_ratio"] = ratio(name)
        figures[f"{name}_p50_ms"] = round(r.p50_ms, 2)
        figures[f"{name}_p99_ms"] = round(r.p99_ms, 2)
        figures[f"{name}_server_cpu_ms"] = cpu(name)
        # what the ratio would be if worker CPU were the only limit: steadier than
        # req/s when other work shares the machine
        figures[f"{name}_cpu_ratio"] = (
            round(base_cpu / r.server_cpu_ms, 3) if base_cpu and r.server_cpu_ms else None
        )
    figures.update(
        {
            "complete_errors": measured["complete"].errors,
            "complete_successes": c.get("ok"),
            "complete_rows_written": c.get("rows_written"),
            "complete_rows_minus_2xx": (c["rows_written"] - c["ok"]) if "ok" in c else None,
            "complete_unanswered": (c["issued"] - c["answered"]) if "issued" in c else None,
            "complete_pool_exhausted": c.get("exhausted"),
            "complete_statuses": c.get("statuses"),
            "get_errors": {
                n: measured[n].errors for n in ("baseline", "dashboard", "step", "report")
            },
            "csv_rows_per_s": None,
            "csv_peak_rss_mb": None,
            "cert_render_vs_reportlab": None,
            "cert_cached_ratio": ratio("certificate"),
            "cert_cached_p99_ms": round(measured["certificate"].p99_ms, 2)
            if "certificate" in measured
            else None,
        }
    )
    checks = {
        "dashboard": figures["dashboard_ratio"] >= TARGETS["dashboard"]["ratio"]
        and figures["dashboard_p99_ms"] <= TARGETS["dashboard"]["p99_ms"],
        "step": figures["step_ratio"] >= TARGETS["step"]["ratio"]
        and figures["step_p99_ms"] <= TARGETS["step"]["p99_ms"],
        "complete": figures["complete_ratio"] >= TARGETS["complete"]["ratio"]
        and figures["complete_errors"] == 0
        and figures["complete_rows_minus_2xx"] == 0,
        "report": figures["report_ratio"] >= TARGETS["report"]["ratio"],
    }
    say("Files: CSV export of every enrolment, in a process of its own ...")
    figures.update(files.run_in_subprocess("csv", db_path, results_dir))
    say(
        f"  csv          {fmt(figures.get('csv_rows_per_s'))} rows/s "
        f"({figures.get('csv_rows')} rows), peak RSS {fmt(figures.get('csv_peak_rss_mb'))} MB"
    )
    say("Files: a certificate rendered by the LMS and by a bare reportlab canvas ...")
    figures.update(files.run_in_subprocess("certificate", db_path, results_dir))
    say(
        f"  certificate  {fmt(figures.get('cert_render_ms'))} ms vs reportlab "
        f"{fmt(figures.get('cert_reportlab_ms'))} ms = "
        f"{fmt(figures.get('cert_render_vs_reportlab'))}x; cached download "
        f"{fmt(figures.get('cert_cached_ratio'))}x baseline"
    )
    file_checks = {
        "csv": (figures.get("csv_rows_per_s") or 0) >= TARGETS["csv"]["rows_per_s"]
        and (figures.get("csv_peak_rss_mb") or math.inf) <= TARGETS["csv"]["peak_rss_mb"],
        "certificate_render": (figures.get("cert_render_vs_reportlab") or math.inf)
        <= TARGETS["certificate"]["render_vs_reportlab"],
        "certificate_cached": (figures.get("cert_cached_ratio") or 0)
        >= TARGETS["certificate"]["cached_ratio"],
    }
    figures["targets_met"] = {**checks, **file_checks}
    figures.update(extra)

    profiles: dict[str, Any] = {}
    wanted = [
        n for n, ok in checks.items() if profile == "always" or (profile == "auto" and not ok)
    ]
    if wanted:
        try:
            import profile_endpoints
        except ImportError:
            profile_endpoints = None  # type: ignore[assignment]
        if profile_endpoints is None or not profile_endpoints.available():
            say("  (pyinstrument is not installed: no profiles; pip install pyinstrument)")
        else:
            say(f"Profiling in-process (pyinstrument, Flask test client): {', '.join(wanted)}")
            profiles = profile_endpoints.profile(db_path, summary, wanted, results_dir)
    figures["profiles"] = {  # the statements that cost most are in profiles.json
        name: {k: v for k, v in p.items() if k != "top_queries"} for name, p in profiles.items()
    }
    if profiles:
        (results_dir / "profiles.json").write_text(json.dumps(profiles, indent=2))

    figures.update(
        {
            "scale": scale_name,
            "seeded": summary["rows"],
            "seed_seconds": summary["seconds"],
            "duration_s": seconds,
            "repeat": repeat,
            "connections": CONNECTIONS,
            "gunicorn": gunicorn_args,
            "date": datetime.now().astimezone().isoformat(timespec="seconds"),
            "machine": machine(),
            "versions": versions(),
            "total_seconds": round(time.monotonic() - started, 1),
            "loadavg_start": load_at_start,
            "loadavg_end": loadavg(),
        }
    )

    # 5. the table, then the JSON line (last)
    rows = [("baseline (minimal Flask)", measured["baseline"], None, "")]
    labels = {
        "dashboard": "learner dashboard  GET /",
        "step": "step page          GET step",
        "complete": "mark step complete POST done",
        "report": "org report         GET /organisations/<id>",
    }
    for name, label in labels.items():
        t = TARGETS[name]
        target = f">= {t['ratio']:.2f}x" + (
            f", p99 <= {t['p99_ms']:.0f} ms" if "p99_ms" in t else ""
        )
        rows.append(
            (
                label,
                measured[name],
                figures[f"{name}_ratio"],
                f"{target}: {'met' if checks[name] else 'MISSED'}",
            )
        )
    click.echo("")
    click.echo(
        f"{'endpoint':44s} {'req/s':>8s} {'ratio':>6s} {'p50 ms':>7s} {'p99 ms':>7s} "
        f"{'errors':>6s} {'CPU ms':>7s}  target"
    )
    for label, r, rt, target in rows:
        click.echo(
            f"{label:44s} {r.rps:8.1f} {fmt(rt):>6s} {r.p50_ms:7.1f} {r.p99_ms:7.1f} "
            f"{r.errors:6d} {fmt(r.server_cpu_ms):>7s}  {target}"
        )
    click.echo("(CPU ms: gunicorn workers' CPU time per answered request)")
    click.echo(
        f"mark complete: {figures['complete_rows_written']} rows written for "
        f"{figures['complete_successes']} successful POSTs "
        f"(rows - successes = {figures['complete_rows_minus_2xx']}), "
        f"statuses {figures['complete_statuses']}"
    )
    click.echo(
        f"CSV export: {fmt(figures.get('csv_rows_per_s'))} rows/s, peak RSS "
        f"{fmt(figures.get('csv_peak_rss_mb'))} MB (target >= 20,000 rows/s under 150 MB: "
        f"{'met' if file_checks['csv'] else 'MISSED'})"
    )
    click.echo(
        f"certificate: render {fmt(figures.get('cert_render_vs_reportlab'))}x reportlab "
        f"(target <= 6: {'met' if file_checks['certificate_render'] else 'MISSED'}), cached "
        f"download {fmt(figures.get('cert_cached_ratio'))}x baseline (target >= 0.5: "
        f"{'met' if file_checks['certificate_cached'] else 'MISSED'})"
    )
    for name, p in profiles.items():
        click.echo(
            f"profile {name}: {p.get('ms_per_request')} ms/request in-process, "
            f"{p.get('queries_per_request')} queries/request -> {p.get('text')}"
        )
    line = json.dumps(figures, separators=(", ", ": "))
    (results_dir / f"result-{scale_name}.json").write_text(json.dumps(figures, indent=2))
    click.echo(line)


if __name__ == "__main__":
    main()
