"""Writing the seeded rows: batched executemany inserts, a fast loading mode for SQLite,
and one enrolment's step progress with the completions it earns."""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from typing import Any

from seed_plan import TEAMS, CourseInfo, Enrol, rule_met  # bench/seed_plan.py

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
