"""Every page each kind of person opens, in-process on the seeded database.

    python bench/pages.py [--db bench/results/bench-full.sqlite3] [--slow 50]

The benchmark proper (``run.py``) loads four pages under gunicorn; this looks at the rest:
for the probe learner, a facilitator, the manager and the admin of the seed it opens each
page they can reach from the navigation (with real ids from the database) and prints the
SQL statements and the in-process time per request, slowest first. A page over ``--slow``
milliseconds, or one that fails, is flagged; with ``--check`` the command then exits 1.
Its last line is one JSON object: ``{"pages": [...], "slow": [...], "failed": [...]}``.
"""

from __future__ import annotations

import json
import sqlite3
import sys
import time
from pathlib import Path
from typing import Any

import click

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
for _p in (str(ROOT), str(BENCH)):
    if _p not in sys.path:
        sys.path.insert(0, _p)

from profile_endpoints import BASE_URL, SQLCounter, _client_signed_in  # noqa: E402

#: Requests per page (after one to warm it up); the median is not needed at this size.
REPEAT = 5


def _one(con: sqlite3.Connection, sql: str, *args: Any) -> Any:
    row = con.execute(sql, args).fetchone()
    return row[0] if row else None


def pages_by_role(db_path: Path, summary: dict[str, Any]) -> dict[str, tuple[str, list[str]]]:
    """(email, pages) for each kind of person, with ids taken from the database."""
    con = sqlite3.connect(db_path)
    try:
        domain = summary["manager"]["email"].split("@", 1)[1]
        facilitator = f"facilitator1@{domain}"
        cohort = _one(
            con,
            "SELECT f.cohort_id FROM cohort_facilitators f JOIN users u ON u.id = f.user_id "
            "WHERE u.email = ? ORDER BY f.cohort_id LIMIT 1",
            facilitator,
        )
        enrolment = _one(con, "SELECT id FROM enrolments WHERE cohort_id = ? LIMIT 1", cohort)
        course = summary["probe_learner"]["step_url"].split("/")[2]
        module = _one(
            con,
            "SELECT m.key FROM modules m JOIN courses c ON c.id = m.course_id "
            "WHERE c.slug = ? AND m.retired_at IS NULL ORDER BY m.position LIMIT 1",
            course,
        )
        org = summary["manager"]["organisation_id"]
        member = _one(
            con,
            "SELECT user_id FROM memberships WHERE organisation_id = ? ORDER BY user_id LIMIT 1",
            org,
        )
    finally:
        con.close()
    learner = [
        "/",
        "/courses",
        f"/courses/{course}",
        f"/courses/{course}/modules/{module}",
        summary["probe_learner"]["step_url"],
        "/calendar",
        "/certificates",
        "/reflections",
        "/account",
        "/support",
    ]
    facilitating = [
        "/",
        "/facilitate",
        f"/facilitate/cohorts/{cohort}",
        f"/facilitate/cohorts/{cohort}/report",
        f"/facilitate/cohorts/{cohort}/enrolments/{enrolment}",
        f"/cohorts/{cohort}",
        f"/cohorts/{cohort}/sessions",
        f"/cohorts/{cohort}/certificates",
    ]
    organisation = f"/organisations/{org}"
    managing = [
        "/",
        organisation,
        f"{organisation}?page=20",
        f"{organisation}/dashboard",
        f"{organisation}/enrolments",
        f"{organisation}/attendance",
        f"{organisation}/book",
        f"{organisation}/people/{member}",
        "/certificates/people",
    ]
    admin = [
        "/admin",
        "/admin/people",
        "/admin/organisations",
        "/admin/audit",
        "/reports",
        "/reports/regions",
        "/certificates/people",
    ]
    return {
        "learner": (summary["probe_learner"]["email"], learner),
        "facilitator": (facilitator, facilitating),
        "manager": (summary["manager"]["email"], managing),
        "admin": (f"admin@{domain}", admin),
    }


def measure(db_path: Path, summary: dict[str, Any], results: Path) -> list[dict[str, Any]]:
    from sqlalchemy import event

    from lms import create_app
    from lms.extensions import db

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{db_path}",
            "INSTANCE_PATH": str(results / "instance"),
            "SECRET_KEY": "pages-" + "x" * 32,
            "ENV_NAME": "benchmark",
            "RATELIMIT_ENABLED": False,
        }
    )
    counter = SQLCounter()
    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", counter.before)
    event.listen(engine, "after_cursor_execute", counter.after)
    found = []
    roles = pages_by_role(db_path, summary)
    with click.progressbar(
        length=sum(len(urls) for _email, urls in roles.values()),
        label="Opening pages",
        file=sys.stderr,
    ) as bar:
        for role, (email, urls) in roles.items():
            client = _client_signed_in(app, email, summary["password"])
            for url in urls:
                client.get(url, base_url=BASE_URL)
                counter.reset()
                counter.enabled = True
                started = time.process_time()
                for _ in range(REPEAT):
                    response = client.get(url, base_url=BASE_URL)
                took = (time.process_time() - started) / REPEAT
                counter.enabled = False
                found.append(
                    {
                        "role": role,
                        "url": url,
                        "status": response.status_code,
                        "statements": counter.count // REPEAT,
                        "ms": round(1000 * took, 2),
                        "kb": round(len(response.data) / 1024),
                    }
                )
                bar.update(1)
    return found


@click.command()
@click.option(
    "--db",
    "db_path",
    type=click.Path(path_type=Path, exists=True, dir_okay=False),
    default=BENCH / "results" / "bench-full.sqlite3",
    show_default=True,
    help="A database seeded by run.py or seed.py (its .json summary beside it).",
)
@click.option("--slow", type=float, default=50.0, show_default=True, help="Flag pages over this.")
@click.option("--check", is_flag=True, help="Exit 1 when a page is slow or fails.")
def main(db_path: Path, slow: float, check: bool) -> None:
    """Statements and in-process milliseconds of every page, slowest first."""
    summary = json.loads(Path(f"{db_path}.json").read_text())
    results = BENCH / "results"
    pages = measure(db_path.resolve(), summary, results)
    pages.sort(key=lambda page: -page["ms"])
    click.echo(f"{'role':12s} {'status':>6s} {'stmts':>5s} {'ms':>8s} {'KB':>5s}  page")
    for page in pages:
        flag = "  <- slow" if page["ms"] > slow else ""
        click.echo(
            f"{page['role']:12s} {page['status']:6d} {page['statements']:5d} "
            f"{page['ms']:8.2f} {page['kb']:5d}  {page['url']}{flag}"
        )
    slow_pages = [p["url"] for p in pages if p["ms"] > slow]
    failed = [p["url"] for p in pages if p["status"] >= 400]
    click.echo(json.dumps({"pages": pages, "slow": slow_pages, "failed": failed}))
    if check and (slow_pages or failed):
        sys.exit(1)


if __name__ == "__main__":
    main()
