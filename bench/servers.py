"""The servers under load: ``gunicorn -w N -k sync`` on a free loopback port, stopped by
its own pid, and the CPU time and peak RSS of its workers (from /proc)."""

from __future__ import annotations

import http.client
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import click

BENCH = Path(__file__).resolve().parent  # gunicorn runs here: the apps are next to it
ROOT = BENCH.parent


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
        user, system = self.cpu_split()
        return user + system

    def cpu_split(self) -> tuple[float, float]:
        """User and system CPU time used so far by the workers, apart."""
        if self.proc is None:
            return 0.0, 0.0
        ticks = os.sysconf("SC_CLK_TCK")
        user = system = 0
        for pid in _children(self.proc.pid):
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            user += int(fields[11])  # utime
            system += int(fields[12])  # stime
        return user / ticks, system / ticks

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


def server_env(db_path: Path, results_dir: Path) -> dict[str, str]:
    """Both servers' environment: the caller's without its ``LMS_*`` variables, and the
    LMS settings of this run (its database, a fresh secret key, no rate limits)."""
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
    return env
