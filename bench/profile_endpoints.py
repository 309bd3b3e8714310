"""Profile LMS endpoints in-process: the Flask test client on the seeded database.

    python bench/profile_endpoints.py dashboard step report complete [--db ...]

For each endpoint: the time per request and SQL statements per request without a profiler,
the statements that cost the most, then a pyinstrument profile (text and HTML) of the
same requests. ``bench/run.py`` calls this for the endpoints that miss their target.
Profiling ``complete`` marks real steps done in the database (not-yet-done ones).
"""

from __future__ import annotations

import json
import re
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import click

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
for _p in (str(ROOT), str(BENCH)):
    if _p not in sys.path:
        sys.path.insert(0, _p)

BASE_URL = "https://localhost"  # the LMS marks its cookies Secure outside development
REFERER = {"Referer": BASE_URL + "/"}  # CSRF checks the referrer on https
REQUESTS = {"dashboard": 300, "step": 300, "report": 200, "complete": 150}
TOKEN_RE = re.compile(r'<input[^>]*name="csrf_token"[^>]*value="([^"]+)"')


def available() -> bool:
    try:
        import pyinstrument  # noqa: F401
    except ImportError:
        return False
    return True


class SQLCounter:
    """Counts and times every statement the engine sends."""

    def __init__(self) -> None:
        self.enabled = False
        self.count = 0
        self.by_sql: dict[str, list[float]] = defaultdict(lambda: [0, 0.0])
        self._started: list[float] = []

    def before(self, _conn: Any, _cursor: Any, _statement: str, *_args: Any) -> None:
        if self.enabled:
            self._started.append(time.perf_counter())

    def after(self, _conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if self.enabled and self._started:
            took = time.perf_counter() - self._started.pop()
            self.count += 1
            entry = self.by_sql[" ".join(statement.split())]
            entry[0] += 1
            entry[1] += took

    def reset(self) -> None:
        self.count = 0
        self.by_sql.clear()


def _client_signed_in(app: Any, email: str, password: str) -> Any:
    client = app.test_client()
    page = client.get("/sign-in", base_url=BASE_URL).get_data(as_text=True)
    token = TOKEN_RE.search(page)
    response = client.post(
        "/sign-in",
        base_url=BASE_URL,
        headers=REFERER,
        data={
            "csrf_token": token.group(1) if token else "",
            "name": email,
            "password": password,
            "next": "",
        },
    )
    if response.status_code not in (302, 303):
        raise click.ClickException(f"In-process sign-in as {email} failed: {response.status}")
    return client


def _token(client: Any) -> str:
    page = client.get("/support", base_url=BASE_URL).get_data(as_text=True)
    match = TOKEN_RE.search(page)
    return match.group(1) if match else ""


def profile(
    db_path: Path, summary: dict[str, Any], names: list[str], out_dir: Path
) -> dict[str, Any]:
    from load import open_pairs  # bench/load.py
    from pyinstrument import Profiler
    from sqlalchemy import event

    from lms import create_app
    from lms.extensions import db

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{db_path}",
            "INSTANCE_PATH": str(out_dir / "instance"),
            "SECRET_KEY": "profile-" + "x" * 32,
            "ENV_NAME": "benchmark",
            "RATELIMIT_ENABLED": False,
        }
    )
    counter = SQLCounter()
    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", counter.before)
    event.listen(engine, "after_cursor_execute", counter.after)
    password = summary["password"]
    probe = summary["probe_learner"]
    results: dict[str, Any] = {}

    for name in names:
        n = REQUESTS.get(name, 200)
        if name == "complete":
            pairs = open_pairs(db_path, exclude={probe["user_id"]})
            learners = sorted(pairs, key=lambda uid: (-len(pairs[uid]), uid))
            calls: list[tuple[Any, str, str, dict[str, str]]] = []
            emails = _emails(db_path, learners[: max(1, 2 * n // 10)])
            # As wrk does: the same cookie on every POST (a client keeping the cookies it is
            # given back would carry a growing pile of unread confirmation messages).
            fixed = app.test_client(use_cookies=False)
            for uid in learners:
                if len(calls) >= 2 * n or uid not in emails:
                    break
                client = _client_signed_in(app, emails[uid], password)
                token = _token(client)
                cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"])
                data = {"csrf_token": token, "Cookie": f"{cookie.key}={cookie.value}"}
                calls += [(fixed, "POST", url, data) for url, _ in pairs[uid]]
            calls = calls[: 2 * n]
            timed, profiled = calls[:n], calls[n:]
        else:
            who = summary["manager"]["email"] if name == "report" else probe["email"]
            path = {
                "dashboard": "/",
                "step": probe["step_url"],
                "report": f"/organisations/{summary['manager']['organisation_id']}",
            }[name]
            client = _client_signed_in(app, who, password)
            for _ in range(20):  # warm: caches, compiled statements, a first view recorded
                client.get(path, base_url=BASE_URL)
            timed = profiled = [(client, "GET", path, {})] * n

        def call(item: tuple[Any, str, str, dict[str, str]]) -> int:
            client, method, path, data = item
            if method == "GET":
                return client.get(path, base_url=BASE_URL).status_code
            headers = {**REFERER, "Cookie": data["Cookie"]}
            form = {"csrf_token": data["csrf_token"]}
            return client.post(path, base_url=BASE_URL, headers=headers, data=form).status_code

        counter.reset()
        counter.enabled = True
        t0, c0 = time.perf_counter(), time.process_time()
        statuses: dict[int, int] = defaultdict(int)
        for item in timed:
            statuses[call(item)] += 1
        elapsed, cpu = time.perf_counter() - t0, time.process_time() - c0
        counter.enabled = False
        top = sorted(counter.by_sql.items(), key=lambda kv: kv[1][1], reverse=True)[:6]
        total_sql = sum(v[1] for v in counter.by_sql.values())

        profiler = Profiler(interval=0.0005)
        profiler.start()
        for item in profiled:
            call(item)
        profiler.stop()
        text_path = out_dir / f"profile-{name}.txt"
        text_path.write_text(profiler.output_text(unicode=False, color=False), encoding="utf-8")
        (out_dir / f"profile-{name}.html").write_text(profiler.output_html(), encoding="utf-8")

        results[name] = {
            "requests": len(timed),
            "statuses": dict(statuses),
            "ms_per_request": round(1000 * elapsed / max(len(timed), 1), 2),
            "cpu_ms_per_request": round(1000 * cpu / max(len(timed), 1), 2),
            "queries_per_request": round(counter.count / max(len(timed), 1), 1),
            "sql_ms_per_request": round(1000 * total_sql / max(len(timed), 1), 2),
            "top_queries": [
                {
                    "per_request": round(v[0] / len(timed), 2),
                    "ms_per_request": round(1000 * v[1] / len(timed), 3),
                    "sql": sql[:300],
                }
                for sql, v in top
            ],
            "text": str(text_path),
        }
    return results


def _emails(db_path: Path, user_ids: list[int]) -> dict[int, str]:
    import sqlite3

    if not user_ids:
        return {}
    with sqlite3.connect(db_path) as conn:
        marks = ",".join("?" * len(user_ids))
        return dict(
            conn.execute(
                f"SELECT id, email FROM users WHERE id IN ({marks})",  # noqa: S608
                user_ids,
            ).fetchall()
        )


@click.command()
@click.argument("names", nargs=-1, type=click.Choice(["dashboard", "step", "report", "complete"]))
@click.option(
    "--db",
    "db_path",
    type=click.Path(path_type=Path, exists=True),
    default=BENCH / "results" / "bench-full.sqlite3",
    show_default=True,
)
@click.option(
    "--results",
    "out_dir",
    type=click.Path(path_type=Path),
    default=BENCH / "results",
    show_default=True,
)
def main(names: tuple[str, ...], db_path: Path, out_dir: Path) -> None:
    """Profile NAMES (default: all four) in-process and print a JSON summary."""
    if not available():
        raise click.ClickException("pip install pyinstrument")
    summary = json.loads(Path(f"{db_path}.json").read_text())
    out_dir.mkdir(parents=True, exist_ok=True)
    chosen = list(names) or ["dashboard", "step", "report", "complete"]
    click.echo(json.dumps(profile(db_path.resolve(), summary, chosen, out_dir.resolve()), indent=2))


if __name__ == "__main__":
    main()
