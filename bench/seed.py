"""Seed a fresh SQLite database for the benchmark, fast, with bulk Core inserts.

    python bench/seed.py --scale small --db bench/results/bench-small.sqlite3

Schema comes from the real migrations (``flask_migrate.upgrade("heads")``) and courses from
the real importer (``lms.catalogue.services.import_all``); everything else is written with
SQLAlchemy Core ``insert()`` in large executemany batches. The plan (who is enrolled where,
how far they got) is in bench/seed_plan.py, the row writing in bench/seed_rows.py.

Shape (see bench/README.md for the reasoning):

* organisations with one manager each; learners spread over them (50/30/20 % for three);
* the two real courses, plus retired *past editions* of both (same content, imported under
  a new slug, then retired). ``UNIQUE(user_id, step_id)`` on ``step_progress`` caps the rows
  at learners x steps, and the two real courses have only 29 steps, so a million rows for
  ten thousand learners needs history: each learner has taken earlier editions (annual
  refreshers). Learner pages only show live courses, so they measure the two real ones;
  the manager's report lists every enrolment, as it would on a site with history;
* cohorts spread over all courses, each with its own facilitator;
* every learner is enrolled on the real foundations course and every edition of it; 40 %
  ("team members") on the real cohort course and its editions too;
* progress is a prefix of the course's steps: all steps before the last row are complete
  (with the Reflection / passed QuizAttempt their rule needs, and the note
  acknowledgements the pages ask for), the last row is only viewed and is where the
  learner resumes. Module and course completions follow from the steps exactly as the
  completion engine would derive them (``lms completion recompute`` adds nothing);
* exactly ``--completions`` course completions, each with its certificate
  (bench/seed_certificates.py), and exactly ``--progress-rows`` step rows;
* 30 % of learners have not started this year's courses: their not-yet-done steps are the
  pool the mark-complete benchmark posts to (each a real first insert).
"""

from __future__ import annotations

import json
import os
import random
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import asdict
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import click

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
for path in (str(ROOT), str(BENCH)):
    if path not in sys.path:
        sys.path.insert(0, path)

from seed_plan import (  # noqa: E402 - bench/seed_plan.py, next to this file
    FOUNDATIONS,
    SCALES,
    TEAMS,
    Enrol,
    Scale,
    _edition_folders,
    _load_courses,
    _split,
    editions_needed,
    plan,
    scale_with,
)
from seed_rows import (  # noqa: E402 - bench/seed_rows.py, next to this file
    ORGANISATIONS,
    Writer,
    _loading,
    _name,
    _write_enrolment,
)

BENCH_PASSWORD = "bench-password-123"  # noqa: S105 - a throwaway benchmark database
EMAIL_DOMAIN = "bench.example.org"


def seed(db_path: Path, scale: Scale, *, editions: int | None = None, seed_value: int = 1) -> dict:
    """Create ``db_path`` from scratch at ``scale``; return a summary (also saved as JSON)."""
    from flask_migrate import upgrade
    from sqlalchemy import func, select, text, update

    from lms import create_app
    from lms.accounts.passwords import hash_password
    from lms.catalogue.models import Course
    from lms.catalogue.services import import_all, import_many
    from lms.certificates.models import Certificate
    from lms.db import refresh_statistics
    from lms.extensions import db
    from lms.models import (
        Cohort,
        CohortFacilitator,
        CourseCompletion,
        Enrolment,
        Membership,
        ModuleCompletion,
        NoteAcknowledgement,
        Organisation,
        QuizAttempt,
        Reflection,
        StepProgress,
        User,
    )

    started = time.perf_counter()
    db_path = db_path.resolve()
    db_path.parent.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{db_path}{suffix}").unlink(missing_ok=True)
    rng = random.Random(seed_value)
    instance = db_path.parent / "instance"
    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{db_path}", "INSTANCE_PATH": str(instance)}
    )
    import logging

    logging.getLogger("alembic").setLevel(logging.WARNING)
    with app.app_context():
        click.echo(f"Schema (flask db upgrade heads) and courses -> {db_path}", err=True)
        upgrade(revision="heads")
        courses_dir = Path(app.config["COURSES_DIR"])
        results = import_all(courses_dir)
        bad = [r for r in results if not r.ok]
        if bad:
            raise click.ClickException(f"Course import failed: {bad}")
        db.session.commit()
        probe_courses = _load_courses(db, {})
        steps_f = next(c.total for c in probe_courses.values() if c.slug == FOUNDATIONS)
        steps_t = next(c.total for c in probe_courses.values() if c.slug == TEAMS)
        n_editions = editions if editions is not None else editions_needed(scale, steps_f, steps_t)
        this_year = date.today().year
        years = list(range(this_year - n_editions, this_year))
        edition_years: dict[str, int] = {}
        if years:
            with tempfile.TemporaryDirectory(prefix="lms-bench-editions-") as tmp:
                folders = _edition_folders(courses_dir, Path(tmp), years)
                for r in import_many(folders):
                    if not r.ok:
                        raise click.ClickException(f"Edition import failed: {r}")
            for year in years:
                for slug in (FOUNDATIONS, TEAMS):
                    edition_years[f"{slug}-{year}"] = year
            db.session.execute(
                update(Course).where(Course.slug.in_(list(edition_years))).values(retired=True)
            )
        db.session.commit()
        courses = _load_courses(db, edition_years)
        click.echo(
            f"  {len(courses)} courses ({len(years)} past editions of each real course, "
            f"retired); {sum(c.total for c in courses.values())} steps",
            err=True,
        )
        password_hash = hash_password(BENCH_PASSWORD)  # once, for every seeded person
        db.session.remove()

        engine = db.engine
        now = datetime.now().replace(microsecond=0)
        today = date.today()
        summary: dict[str, Any] = {}
        with engine.connect() as conn, _loading(conn), conn.begin():
            # organisations, the admin, managers and facilitators
            orgs = []
            for i in range(scale.organisations):
                name, kind, region = ORGANISATIONS[i % len(ORGANISATIONS)]
                if i >= len(ORGANISATIONS):
                    name = f"{name} {i // len(ORGANISATIONS) + 1}"
                orgs.append({"id": i + 1, "name": name, "type": kind, "region": region})
            conn.execute(Organisation.__table__.insert(), orgs)

            def person(uid: int, display: str, email: str, admin: bool = False) -> dict:
                return {
                    "id": uid,
                    "display_name": display,
                    "email": email,
                    "password_hash": password_hash,
                    "is_admin": admin,
                    "active": True,
                    "is_demo": False,
                    "session_version": 1,
                    "created_at": now - timedelta(days=800),
                }

            staff = [person(1, "Alex Admin", f"admin@{EMAIL_DOMAIN}", admin=True)]
            managers = []
            for i, org in enumerate(orgs):
                uid = 2 + i
                staff.append(person(uid, _name(rng, uid), f"manager{i + 1}@{EMAIL_DOMAIN}"))
                managers.append({"user_id": uid, "organisation_id": org["id"], "role": "manager"})
            fac_first = 2 + len(orgs)
            for i in range(scale.cohorts):
                uid = fac_first + i
                staff.append(person(uid, _name(rng, uid), f"facilitator{i + 1}@{EMAIL_DOMAIN}"))
            conn.execute(User.__table__.insert(), staff)
            conn.execute(Membership.__table__.insert(), managers)
            first_learner = 1000 + (fac_first + scale.cohorts) // 1000 * 1000

            # cohorts: at least one per course, the rest 30 % foundations, 20 % team
            # course, 50 % over the past editions
            ordered = sorted(courses.values(), key=lambda c: c.id)
            if scale.cohorts < len(ordered):
                raise click.ClickException(
                    f"{scale.cohorts} cohorts for {len(ordered)} courses: need one each."
                )
            weights = [
                (0.30 if c.real == FOUNDATIONS else 0.20)
                if c.live
                else 0.5 / max(len(years) * 2, 1)
                for c in ordered
            ]
            extra = _split(scale.cohorts - len(ordered), weights)
            cohort_rows, facilitator_rows = [], []
            cid = 1
            cohort_start: dict[int, date] = {}
            for course, n in zip(ordered, extra, strict=True):
                for j in range(1 + n):
                    if course.live:
                        start = today - timedelta(days=rng.randint(7, 150))
                        mode = (
                            ("open" if j == 0 else "invitation")
                            if course.real == FOUNDATIONS
                            else "manager"
                        )
                    else:
                        start = date(course.year, rng.randint(1, 10), rng.randint(1, 28))
                        mode = "invitation"
                    cohort_rows.append(
                        {
                            "id": cid,
                            "course_id": course.id,
                            "name": f"{course.title}: cohort {j + 1}",
                            "starts_on": start,
                            "ends_on": start + timedelta(days=60),
                            "timezone": "Europe/London",
                            "enrolment_mode": mode,
                            "created_at": datetime.combine(start, datetime.min.time())
                            - timedelta(days=14),
                        }
                    )
                    facilitator_rows.append({"cohort_id": cid, "user_id": fac_first + cid - 1})
                    course.cohorts.append(cid)
                    cohort_start[cid] = start
                    cid += 1
            conn.execute(Cohort.__table__.insert(), cohort_rows)
            conn.execute(CohortFacilitator.__table__.insert(), facilitator_rows)

            learner_ids, enrols, info = plan(scale, courses, rng, first_learner)
            org_weights = (
                [0.5, 0.3, 0.2] if len(orgs) == 3 else [1 / (i + 1) for i in range(len(orgs))]
            )
            with click.progressbar(
                length=scale.progress_rows, label="Seeding step progress", file=sys.stderr
            ) as bar:
                w = Writer(conn, bar)
                user_t, member_t = User.__table__, Membership.__table__
                org_of: dict[int, int] = {}
                for uid in learner_ids:
                    org_id = (
                        1
                        if uid == info["probe_user_id"]
                        else rng.choices(orgs, org_weights)[0]["id"]
                    )
                    org_of[uid] = org_id
                    row = person(
                        uid, _name(rng, uid), f"learner{uid - first_learner + 1:05d}@{EMAIL_DOMAIN}"
                    )
                    row["created_at"] = now - timedelta(days=rng.randint(30, 2500))
                    w.add(user_t, row)
                    w.add(member_t, {"user_id": uid, "organisation_id": org_id, "role": "member"})
                w.flush()

                by_user: dict[int, list[Enrol]] = defaultdict(list)
                for e in enrols:
                    by_user[e.user_id].append(e)
                counts = defaultdict(int)
                for uid in learner_ids:
                    acks: set[str] = set()
                    for e in by_user[uid]:
                        _write_enrolment(
                            w,
                            e,
                            courses[e.course_id],
                            cohort_start[e.cohort_id],
                            rng,
                            acks,
                            counts,
                            now,
                        )
                    for subject in sorted(acks):
                        w.add(
                            NoteAcknowledgement.__table__,
                            {"user_id": uid, "subject": subject, "at": now - timedelta(days=1)},
                        )
                w.flush()
        click.echo("Certificates for every completed enrolment", err=True)
        from seed_certificates import seed_certificates  # bench/seed_certificates.py

        certified = seed_certificates(rng)
        db.session.remove()
        # What `flask lms init` and the scheduler's nightly job give a live database.
        click.echo("Statistics for the query planner", err=True)
        refresh_statistics()
        db.session.remove()
        with engine.connect() as conn:
            tallies = {
                t.name: conn.execute(select(func.count()).select_from(t)).scalar_one()
                for t in (
                    User.__table__,
                    Membership.__table__,
                    Cohort.__table__,
                    Enrolment.__table__,
                    StepProgress.__table__,
                    ModuleCompletion.__table__,
                    CourseCompletion.__table__,
                    Reflection.__table__,
                    QuizAttempt.__table__,
                    NoteAcknowledgement.__table__,
                    Certificate.__table__,
                )
            }
            largest = conn.execute(
                text(
                    "SELECT organisation_id, count(*) FROM memberships GROUP BY organisation_id "
                    "ORDER BY count(*) DESC, organisation_id LIMIT 1"
                )
            ).one()
        engine.dispose()

    live = {c.real: c for c in courses.values() if c.live}
    probe_step = live[FOUNDATIONS].steps[7 if live[FOUNDATIONS].total > 7 else 0]
    summary = {
        "db": str(db_path),
        "scale": asdict(scale),
        "editions_per_course": len(years),
        "courses": len(courses),
        "seed": seed_value,
        "seconds": round(time.perf_counter() - started, 1),
        "rows": tallies,
        "password": BENCH_PASSWORD,
        "probe_learner": {
            "email": f"learner00001@{EMAIL_DOMAIN}",
            "user_id": info["probe_user_id"],
            "step_url": f"/courses/{FOUNDATIONS}/steps/{_step_key(db_path, probe_step.id)}",
        },
        "manager": {
            "email": f"manager{largest[0]}@{EMAIL_DOMAIN}",
            "organisation_id": largest[0],
            "members": largest[1],
        },
        "certificate_holder": certified.get("certificate_holder"),
        "team_learners": info["team"],
        "fresh_learners": info["fresh"],
    }
    Path(f"{db_path}.json").write_text(json.dumps(summary, indent=2), encoding="utf-8")
    return summary


def _step_key(db_path: Path, step_id: int) -> str:
    import sqlite3

    with sqlite3.connect(db_path) as conn:
        return conn.execute("SELECT key FROM steps WHERE id = ?", (step_id,)).fetchone()[0]


@click.command()
@click.option(
    "--scale", "scale_name", type=click.Choice(sorted(SCALES)), default="full", show_default=True
)
@click.option(
    "--db",
    "db_path",
    type=click.Path(path_type=Path),
    default=None,
    help="Default: bench/results/bench-<scale>.sqlite3",
)
@click.option("--learners", type=int)
@click.option("--cohorts", type=int)
@click.option("--progress-rows", type=int)
@click.option("--completions", type=int)
@click.option("--editions", type=int, help="Past editions per real course (default: enough).")
@click.option("--seed", "seed_value", type=int, default=1, show_default=True)
def main(
    scale_name: str,
    db_path: Path | None,
    learners: int | None,
    cohorts: int | None,
    progress_rows: int | None,
    completions: int | None,
    editions: int | None,
    seed_value: int,
) -> None:
    """Seed a fresh benchmark database."""
    scale = scale_with(SCALES[scale_name], learners, cohorts, progress_rows, completions)
    path = db_path or Path(__file__).resolve().parent / "results" / f"bench-{scale_name}.sqlite3"
    summary = seed(path, scale, editions=editions, seed_value=seed_value)
    click.echo(json.dumps(summary, indent=2))


if __name__ == "__main__":
    os.environ.setdefault("PYTHONDONTWRITEBYTECODE", "1")
    main()
