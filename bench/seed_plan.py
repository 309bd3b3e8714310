"""The benchmark seeder's plan: the scales, the courses as imported (with their past
editions), and who is enrolled where and how far they got, to exact totals of step rows
and completions. Nothing here writes to the database."""

from __future__ import annotations

import json
import math
import random
import re
import shutil
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import click

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
