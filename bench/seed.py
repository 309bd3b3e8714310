"""Seed a fresh SQLite database for the benchmark, fast, with bulk Core inserts.

    python bench/seed.py --scale small --db bench/results/bench-small.sqlite3

Schema comes from the real migrations (``flask_migrate.upgrade("heads")``) and courses from
the real importer (``lms.catalogue.services.import_all``); everything else is written with
SQLAlchemy Core ``insert()`` in large executemany batches.

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
import math
import os
import random
import re
import shutil
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import click

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

BENCH_PASSWORD = "bench-password-123"  # noqa: S105 - a throwaway benchmark database
EMAIL_DOMAIN = "bench.example.org"
FOUNDATIONS = "trauma-informed-foundations"
TEAMS = "working-with-trauma-in-teams"


@dataclass(frozen=True)
class Scale:
    learners: int
    organisations: int
    cohorts: int
    progress_rows: int
    completions: int  # course completions (what certificates will be issued for)


SCALES = {
    "small": Scale(
        learners=500, organisations=3, cohorts=20, progress_rows=50_000, completions=1_000
    ),
    "full": Scale(
        learners=10_000,
        organisations=3,
        cohorts=200,
        progress_rows=1_000_000,
        completions=20_000,
    ),
}

TEAM_SHARE = 0.40  # learners also on the cohort course (and its editions)
FRESH_SHARE = 0.30  # learners who have not started this year's courses
TARGET_FILL = 0.65  # share of the possible (learner, step) rows that hold a row
BATCH = 20_000

ORGANISATIONS = [
    ("Northgate NHS Foundation Trust", "nhs_trust", "North West"),
    ("Riverside Women's Centre", "womens_centre", "London"),
    ("HMP Highmoor", "prison", "Yorkshire and the Humber"),
    ("Harbour Youth Agency", "youth_agency", "South West"),
    ("Eastfield University", "university", "East of England"),
]
FIRST = [
    "Alex",
    "Sam",
    "Priya",
    "Jordan",
    "Maria",
    "Imran",
    "Chloé",
    "Tom",
    "Aisha",
    "Ben",
    "Chen",
    "Dara",
    "Efe",
    "Fatima",
    "George",
    "Hana",
    "Isla",
    "Jamal",
    "Kofi",
    "Lena",
    "Mo",
    "Nia",
    "Oscar",
    "Pia",
    "Quinn",
    "Rosa",
    "Sean",
    "Tara",
    "Umar",
    "Vera",
    "Wei",
    "Yusuf",
    "Zoë",
]
LAST = [
    "Morgan",
    "Okafor",
    "Shah",
    "Lee",
    "Kowalska",
    "Khan",
    "Dubois",
    "Price",
    "Ahmed",
    "Brown",
    "Chen",
    "Doyle",
    "Evans",
    "Fraser",
    "Green",
    "Hughes",
    "Iqbal",
    "Jones",
    "Kaur",
    "Lewis",
    "Murphy",
    "Nowak",
    "O'Brien",
    "Patel",
    "Quinn",
    "Reid",
    "Singh",
    "Taylor",
    "Usman",
    "Vaughan",
    "Walsh",
    "Young",
    "Zielinski",
]
REFLECTION = (
    "I noticed how often I rush the first conversation. Slowing down and saying what "
    "happens next could make a real difference to the people I work with."
)


# -- course structure as imported ---------------------------------------------------------


@dataclass
class StepInfo:
    id: int
    module_id: int
    rule: str
    type: str
    note: bool
    answers: list[int]


@dataclass
class CourseInfo:
    id: int
    slug: str
    title: str
    live: bool
    real: str  # FOUNDATIONS or TEAMS: which real course this is (an edition of)
    year: int
    content_version: int
    rule: dict[str, Any]
    steps: list[StepInfo] = field(default_factory=list)
    modules: list[tuple[int, dict[str, Any], bool]] = field(default_factory=list)
    cohorts: list[int] = field(default_factory=list)

    @property
    def total(self) -> int:
        return len(self.steps)


def rule_met(rule: dict[str, Any] | None, done: int, total: int) -> bool:
    name = (rule or {}).get("rule", "all")
    if name == "all":
        return total > 0 and done >= total
    if name == "any":
        return total > 0 and done >= min(int((rule or {}).get("n", 1)), total)
    raise click.ClickException(f"The seeder does not know the completion rule {name!r}.")


def editions_needed(scale: Scale, steps_f: int, steps_t: int) -> int:
    per_learner = scale.progress_rows / max(scale.learners, 1)
    per_edition = steps_f + TEAM_SHARE * steps_t
    return max(0, math.ceil(per_learner / (TARGET_FILL * per_edition)) - 1)


def _edition_folders(src_root: Path, dest: Path, years: list[int]) -> list[Path]:
    """Copies of the two real course folders, one per past year, under a new slug/title."""
    import yaml

    folders = []
    for year in years:
        for slug in (FOUNDATIONS, TEAMS):
            target = dest / f"{slug}-{year}"
            shutil.copytree(src_root / slug, target)
            course_yaml = target / "course.yaml"
            text = course_yaml.read_text(encoding="utf-8")
            title = yaml.safe_load(text)["title"]
            new = json.dumps(f"{title} ({year} edition)", ensure_ascii=False)
            text = re.sub(
                r"^title:.*$", lambda _m, new=new: f"title: {new}", text, count=1, flags=re.M
            )
            course_yaml.write_text(text, encoding="utf-8")
            folders.append(target)
    return folders


def _load_courses(db: Any, years: dict[str, int]) -> dict[int, CourseInfo]:
    from sqlalchemy import select

    from lms.catalogue.models import Course, Module, Step

    courses: dict[int, CourseInfo] = {}
    for c in db.session.scalars(select(Course).order_by(Course.id)):
        real = FOUNDATIONS if c.slug.startswith(FOUNDATIONS) else TEAMS
        courses[c.id] = CourseInfo(
            id=c.id,
            slug=c.slug,
            title=c.title,
            live=not c.retired,
            real=real,
            year=years.get(c.slug, date.today().year),
            content_version=c.content_version,
            rule=dict(c.completion_rule or {"rule": "all"}),
        )
    for m in db.session.scalars(
        select(Module).where(Module.retired_at.is_(None)).order_by(Module.position)
    ):
        courses[m.course_id].modules.append(
            (m.id, dict(m.completion_rule or {"rule": "all"}), bool(m.content_note))
        )
    rows = db.session.execute(
        select(Step)
        .join(Module, Module.id == Step.module_id)
        .where(Step.retired_at.is_(None), Module.retired_at.is_(None))
        .order_by(Step.course_id, Module.position, Step.position)
    ).scalars()
    for s in rows:
        answers = [q["answer"] for q in (s.config or {}).get("questions", [])]
        courses[s.course_id].steps.append(
            StepInfo(s.id, s.module_id, s.complete_when, s.type, bool(s.content_note), answers)
        )
    for course in courses.values():
        for step in course.steps:
            if step.rule not in ("viewed", "marked_done", "quiz_passed", "reflection_submitted"):
                raise click.ClickException(f"Step rule {step.rule!r} is not seeded.")
    return courses


# -- the plan: who is enrolled where and how far they got ---------------------------------


@dataclass
class Enrol:
    id: int
    user_id: int
    course_id: int
    cohort_id: int
    rows: int = 0  # step rows, a prefix of the course's steps
    complete: bool = False
    fixed: bool = False  # not adjusted when fitting the row total


def _split(total: int, weights: list[float]) -> list[int]:
    raw = [total * w / sum(weights) for w in weights]
    out = [int(x) for x in raw]
    for i in sorted(range(len(raw)), key=lambda i: raw[i] - out[i], reverse=True)[
        : total - sum(out)
    ]:
        out[i] += 1
    return out


def plan(
    scale: Scale, courses: dict[int, CourseInfo], rng: random.Random, first_user_id: int
) -> tuple[list[int], list[Enrol], dict[str, Any]]:
    """Enrolments and how many step rows each holds; exact totals of rows and completions."""
    live = {c.real: c for c in courses.values() if c.live}
    past = [c for c in courses.values() if not c.live]
    learner_ids = list(range(first_user_id, first_user_id + scale.learners))
    team = {uid for uid in learner_ids if rng.random() < TEAM_SHARE}
    fresh = {uid for uid in learner_ids[1:] if rng.random() < FRESH_SHARE}
    probe = learner_ids[0]  # the benchmark's dashboard/step learner: part-way, on both
    team.add(probe)

    enrols: list[Enrol] = []
    next_id = 1
    for uid in learner_ids:
        for course in sorted(courses.values(), key=lambda c: c.id):
            if course.real == TEAMS and uid not in team:
                continue
            enrols.append(Enrol(next_id, uid, course.id, rng.choice(course.cohorts)))
            next_id += 1

    # Completions: 10 % on this year's foundations, 3 % on this year's team course, the
    # rest on past editions. Never for the fresh learners on this year's courses.
    def pick(cands: list[Enrol], n: int) -> int:
        chosen = rng.sample(cands, min(n, len(cands)))
        for e in chosen:
            e.complete, e.rows, e.fixed = True, courses[e.course_id].total, True
        return len(chosen)

    by_course: dict[int, list[Enrol]] = defaultdict(list)
    for e in enrols:
        by_course[e.course_id].append(e)
    k = scale.completions
    done = 0
    for real, share in ((FOUNDATIONS, 0.10), (TEAMS, 0.03)):
        cands = [
            e for e in by_course[live[real].id] if e.user_id not in fresh and e.user_id != probe
        ]
        done += pick(cands, round(k * share))
    past_cands = [e for c in past for e in by_course[c.id]]
    done += pick(past_cands, k - done)

    # The probe learner: part-way through both of this year's courses.
    for e in enrols:
        if e.user_id == probe and e.course_id == live[FOUNDATIONS].id:
            e.rows, e.fixed = min(8, courses[e.course_id].total), True
        elif e.user_id == probe and e.course_id == live[TEAMS].id:
            e.rows, e.fixed = min(4, courses[e.course_id].total), True
        elif e.user_id in fresh and courses[e.course_id].live:
            e.rows, e.fixed = 0, True

    # Everyone else: a random prefix, scaled so the rows add up exactly.
    adjustable = [e for e in enrols if not e.fixed]
    fixed_rows = sum(e.rows for e in enrols if e.fixed)
    want = scale.progress_rows - fixed_rows
    cap = sum(courses[e.course_id].total for e in adjustable)
    if want < 0 or want > cap:
        raise click.ClickException(
            f"Cannot place {scale.progress_rows:,} step rows: completions need {fixed_rows:,} "
            f"and the other enrolments hold at most {cap:,}. Change --editions or the scale."
        )
    for e in adjustable:
        lo = 1 if courses[e.course_id].live else 0
        e.rows = rng.randint(lo, courses[e.course_id].total)
    current = sum(e.rows for e in adjustable)
    if current:
        factor = want / current
        for e in adjustable:
            e.rows = min(courses[e.course_id].total, round(e.rows * factor))
    diff = want - sum(e.rows for e in adjustable)
    guard = 0
    while diff and adjustable:
        e = adjustable[rng.randrange(len(adjustable))]
        total = courses[e.course_id].total
        if diff > 0 and e.rows < total:
            e.rows += 1
            diff -= 1
        elif diff < 0 and e.rows > 0:
            e.rows -= 1
            diff += 1
        guard += 1
        if guard > 100 * (abs(diff) + len(adjustable)):
            raise click.ClickException("Could not fit the step rows; try another --seed.")
    info = {"team": len(team), "fresh": len(fresh), "probe_user_id": probe}
    return learner_ids, enrols, info


# -- writing ------------------------------------------------------------------------------


class Writer:
    """Buffers rows per table and writes them with executemany in large batches."""

    def __init__(self, conn: Any, bar: Any) -> None:
        self.conn = conn
        self.bar = bar
        self.buffers: dict[Any, list[dict[str, Any]]] = defaultdict(list)
        self.counts: dict[str, int] = defaultdict(int)

    def add(self, table: Any, row: dict[str, Any]) -> None:
        buf = self.buffers[table]
        buf.append(row)
        if len(buf) >= BATCH:
            self.flush(table)

    def flush(self, table: Any = None) -> None:
        from sqlalchemy import insert

        tables = [table] if table is not None else list(self.buffers)
        for t in tables:
            buf = self.buffers[t]
            if buf:
                self.conn.execute(insert(t), buf)
                self.counts[t.name] += len(buf)
                if t.name == "step_progress":
                    self.bar.update(len(buf))
                self.buffers[t] = []


def _name(rng: random.Random, n: int) -> str:
    return f"{rng.choice(FIRST)} {rng.choice(LAST)}"


def seed(db_path: Path, scale: Scale, *, editions: int | None = None, seed_value: int = 1) -> dict:
    """Create ``db_path`` from scratch at ``scale``; return a summary (also saved as JSON)."""
    from flask_migrate import upgrade
    from sqlalchemy import func, select, text, update

    from lms import create_app
    from lms.accounts.passwords import hash_password
    from lms.catalogue.models import Course
    from lms.catalogue.services import import_all, import_many
    from lms.certificates.models import Certificate
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
        # No ANALYZE: a live database has no planner statistics unless someone runs it.
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


@contextmanager
def _loading(conn: Any) -> Iterator[None]:
    """No fsync and a large page cache while loading (outside any transaction)."""
    raw = conn.connection.driver_connection
    raw.execute("PRAGMA synchronous = OFF")
    raw.execute("PRAGMA cache_size = -262144")  # 256 MiB
    try:
        yield
    finally:
        raw.execute("PRAGMA synchronous = NORMAL")
        raw.execute("PRAGMA cache_size = -2000")


def _step_key(db_path: Path, step_id: int) -> str:
    import sqlite3

    with sqlite3.connect(db_path) as conn:
        return conn.execute("SELECT key FROM steps WHERE id = ?", (step_id,)).fetchone()[0]


def _write_enrolment(
    w: Writer,
    e: Enrol,
    course: CourseInfo,
    start: date,
    rng: random.Random,
    acks: set[str],
    counts: dict[str, int],
    now: datetime,
) -> None:
    from lms.models import (
        CourseCompletion,
        Enrolment,
        ModuleCompletion,
        QuizAttempt,
        Reflection,
        StepProgress,
    )

    base = datetime.combine(start, datetime.min.time()) + timedelta(
        days=rng.randint(0, 20), minutes=rng.randint(8 * 60, 18 * 60)
    )
    if base > now - timedelta(hours=len(course.steps) * 5):
        base = now - timedelta(hours=len(course.steps) * 5 + rng.randint(1, 48))
    steps = course.steps[: e.rows]
    done: set[int] = set()
    last_at = None
    for i, step in enumerate(steps):
        at = base + timedelta(hours=3 * i, minutes=rng.randint(0, 50))
        last_at = at
        finished = e.complete or i < len(steps) - 1 or step.rule == "viewed"
        row = {
            "user_id": e.user_id,
            "step_id": step.id,
            "viewed_at": at,
            "marked_done_at": at if finished and step.rule == "marked_done" else None,
            "completed_at": at if finished else None,
        }
        w.add(StepProgress.__table__, row)
        acks.add(f"module:{step.module_id}")
        if step.note:
            acks.add(f"step:{step.id}")
        if finished:
            done.add(step.id)
            if step.rule == "reflection_submitted":
                w.add(
                    Reflection.__table__,
                    {
                        "user_id": e.user_id,
                        "step_id": step.id,
                        "body": REFLECTION,
                        "created_at": at,
                        "updated_at": at,
                    },
                )
            elif step.rule == "quiz_passed":
                w.add(
                    QuizAttempt.__table__,
                    {
                        "user_id": e.user_id,
                        "step_id": step.id,
                        "answers": step.answers,
                        "score": len(step.answers),
                        "passed": True,
                        "submitted_at": at,
                    },
                )
    # modules and the course, derived exactly as the completion engine would
    by_module: dict[int, list[int]] = defaultdict(list)
    for step in course.steps:
        by_module[step.module_id].append(step.id)
    done_modules = []
    for module_id, rule, _note in course.modules:
        children = by_module.get(module_id, [])
        if rule_met(rule, len(done.intersection(children)), len(children)):
            done_modules.append(module_id)
            w.add(
                ModuleCompletion.__table__,
                {"user_id": e.user_id, "module_id": module_id, "completed_at": last_at},
            )
    completed = rule_met(course.rule, len(done_modules), len(course.modules))
    if completed:
        w.add(
            CourseCompletion.__table__,
            {
                "user_id": e.user_id,
                "course_id": course.id,
                "completed_at": last_at,
                "content_version": course.content_version,
                "rule": course.rule,
                "source": "engine",
            },
        )
        counts["completions"] += 1
    resume = steps[-1].id if steps and not completed else None
    w.add(
        Enrolment.__table__,
        {
            "id": e.id,
            "user_id": e.user_id,
            "cohort_id": e.cohort_id,
            "status": "completed" if completed else "active",
            "source": "manager" if course.real == TEAMS else "self",
            "enrolled_at": base - timedelta(days=1),
            "completed_at": last_at if completed else None,
            "resume_step_id": resume,
            "last_activity_at": last_at,
        },
    )


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


def scale_with(
    base: Scale,
    learners: int | None = None,
    cohorts: int | None = None,
    progress_rows: int | None = None,
    completions: int | None = None,
) -> Scale:
    values = asdict(base)
    for key, value in (
        ("learners", learners),
        ("cohorts", cohorts),
        ("progress_rows", progress_rows),
        ("completions", completions),
    ):
        if value is not None:
            values[key] = value
    return Scale(**values)


if __name__ == "__main__":
    os.environ.setdefault("PYTHONDONTWRITEBYTECODE", "1")
    main()
