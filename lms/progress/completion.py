"""The completion engine: step, module and course completion from what a learner did.

Called inside the request (or command) that records progress, so completion is never a cron
lag away. Every write is an idempotent single statement guarded by a unique constraint, so
recording the same thing twice, or at the same moment, leaves one row. Earned completion is
never taken away: a later content change or a stricter rule only ever adds.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from flask import current_app
from sqlalchemy import select, update

from lms.catalogue.models import Course, Module, Step
from lms.cohorts.models import Cohort, Enrolment
from lms.db import insert_ignore, utcnow
from lms.events import after_commit
from lms.extensions import db
from lms.plugins.types import CompletionContext
from lms.progress.models import (
    CourseCompletion,
    ModuleCompletion,
    QuizAttempt,
    Reflection,
    StepProgress,
)

CORE_STEP_RULES = ("viewed", "marked_done", "quiz_passed", "reflection_submitted")


@dataclass
class Outcome:
    """What a recompute newly completed (empty when nothing changed)."""

    steps: list[int] = field(default_factory=list)
    modules: list[int] = field(default_factory=list)
    course: bool = False


def rule_met(
    rule: dict[str, Any],
    done: int,
    total: int,
    level: str,
    target: Any,
    user_id: int,
    done_ids: set[int],
    child_ids: list[int],
) -> bool:
    """Does ``done`` of ``total`` children satisfy ``rule`` (``all``, ``any``, ``attendance``
    or a plugin's)? ``attendance`` looks at live sessions, not children (lms.live.queries)."""
    name = rule.get("rule", "all")
    if name == "all":
        return total > 0 and done >= total
    if name == "any":
        return done >= min(int(rule.get("n", 1)), total) and total > 0
    if name == "attendance":
        from lms.live.queries import attendance_met

        course = target if level == "course" else target.course
        return attendance_met(user_id, course, int(rule.get("percent", 100)))
    plugin_rule = _plugin_rule(name)
    params = {k: v for k, v in rule.items() if k != "rule"}
    return plugin_rule.check(
        CompletionContext(
            user_id=user_id,
            level=level,
            target=target,
            params=params,
            done_children=frozenset(done_ids),
            children=tuple(child_ids),
        )
    )


def _plugin_rule(name: str) -> Any:
    registry = current_app.extensions["lms_plugins"].registries.completion_rules
    if name not in registry:
        raise LookupError(f"Completion rule “{name}” is not registered (is its plugin loaded?)")
    return registry[name][1]


def step_condition_met(step: Step, progress: StepProgress | None, user_id: int) -> bool:
    """Has the learner done what ``step.complete_when`` asks?"""
    rule = step.complete_when
    if rule == "viewed":
        return progress is not None and progress.viewed_at is not None
    if rule == "marked_done":
        return progress is not None and progress.marked_done_at is not None
    if rule == "quiz_passed":
        return bool(
            db.session.scalar(
                select(QuizAttempt.id)
                .where(
                    QuizAttempt.user_id == user_id,
                    QuizAttempt.step_id == step.id,
                    QuizAttempt.passed.is_(True),
                )
                .limit(1)
            )
        )
    if rule == "reflection_submitted":
        return bool(
            db.session.scalar(
                select(Reflection.id).where(
                    Reflection.user_id == user_id, Reflection.step_id == step.id
                )
            )
        )
    return bool(
        _plugin_rule(rule).check(
            CompletionContext(user_id=user_id, level="step", target=step, params={})
        )
    )


def complete_step(user_id: int, step: Step) -> bool:
    """Mark ``step`` complete for the learner if its rule is met. True if newly complete."""
    progress = db.session.scalar(
        select(StepProgress).where(StepProgress.user_id == user_id, StepProgress.step_id == step.id)
    )
    if progress is not None and progress.completed_at is not None:
        return False
    if not step_condition_met(step, progress, user_id):
        return False
    now = utcnow()
    insert_ignore(StepProgress, {"user_id": user_id, "step_id": step.id}, ["user_id", "step_id"])
    result = db.session.execute(
        update(StepProgress)
        .where(
            StepProgress.user_id == user_id,
            StepProgress.step_id == step.id,
            StepProgress.completed_at.is_(None),
        )
        .values(completed_at=now)
        .execution_options(synchronize_session=False)
    )
    newly = bool(getattr(result, "rowcount", 0))
    if newly:
        after_commit("lms_step_completed", user=_user(user_id), step=step)
    return newly


def recompute_course(user_id: int, course: Course) -> Outcome:
    """Bring module and course completion up to date for one learner and course.

    A fixed number of queries whatever the size of the course.
    """
    outcome = Outcome()
    steps_by_module: dict[int, list[int]] = defaultdict(list)
    for step_id, module_id in db.session.execute(
        select(Step.id, Step.module_id).where(
            Step.course_id == course.id, Step.retired_at.is_(None)
        )
    ):
        steps_by_module[module_id].append(step_id)
    modules = list(
        db.session.scalars(
            select(Module)
            .where(Module.course_id == course.id, Module.retired_at.is_(None))
            .order_by(Module.position)
        )
    )
    done_steps = set(
        db.session.scalars(
            select(StepProgress.step_id)
            .join(Step, Step.id == StepProgress.step_id)
            .where(
                StepProgress.user_id == user_id,
                Step.course_id == course.id,
                StepProgress.completed_at.is_not(None),
            )
        )
    )
    done_modules = set(
        db.session.scalars(
            select(ModuleCompletion.module_id)
            .join(Module, Module.id == ModuleCompletion.module_id)
            .where(ModuleCompletion.user_id == user_id, Module.course_id == course.id)
        )
    )
    now = utcnow()
    for module in modules:
        if module.id in done_modules:
            continue
        children = steps_by_module.get(module.id, [])
        done_here = done_steps.intersection(children)
        if rule_met(
            module.completion_rule or {"rule": "all"},
            len(done_here),
            len(children),
            "module",
            module,
            user_id,
            done_here,
            children,
        ):
            if insert_ignore(
                ModuleCompletion,
                {"user_id": user_id, "module_id": module.id, "completed_at": now},
                ["user_id", "module_id"],
            ):
                outcome.modules.append(module.id)
                after_commit("lms_module_completed", user=_user(user_id), module=module)
            done_modules.add(module.id)

    module_ids = [m.id for m in modules]
    done_live = done_modules.intersection(module_ids)
    rule = course.completion_rule or {"rule": "all"}
    if rule_met(
        rule, len(done_live), len(module_ids), "course", course, user_id, done_live, module_ids
    ) and insert_ignore(
        CourseCompletion,
        {
            "user_id": user_id,
            "course_id": course.id,
            "completed_at": now,
            "content_version": course.content_version,
            "rule": rule,
        },
        ["user_id", "course_id"],
    ):
        outcome.course = True
        _mark_enrolments_completed(user_id, course, now)
        after_commit("lms_course_completed", user=_user(user_id), course=course)
    return outcome


def _mark_enrolments_completed(user_id: int, course: Course, now: Any) -> None:
    cohort_ids = select(Cohort.id).where(Cohort.course_id == course.id)
    db.session.execute(
        update(Enrolment)
        .where(
            Enrolment.user_id == user_id,
            Enrolment.cohort_id.in_(cohort_ids),
            Enrolment.status == "active",
        )
        .values(status="completed", completed_at=now)
        .execution_options(synchronize_session=False)
    )


def recompute_everything(progress: Any = None) -> dict[str, int]:
    """Re-derive step, module and course completion for every learner with progress.

    Gives the same answer as the in-request engine; only ever adds completion.
    ``progress`` is an optional callable told each (user, course) pair as it is done.
    """
    from lms.accounts.models import User

    pairs = db.session.execute(
        select(StepProgress.user_id, Step.course_id)
        .join(Step, Step.id == StepProgress.step_id)
        .union(
            select(QuizAttempt.user_id, Step.course_id).join(Step, Step.id == QuizAttempt.step_id),
            select(Reflection.user_id, Step.course_id).join(Step, Step.id == Reflection.step_id),
        )
    ).all()
    totals = {"pairs": len(pairs), "steps": 0, "modules": 0, "courses": 0}
    courses = {c.id: c for c in db.session.scalars(select(Course))}
    steps_by_course: dict[int, list[Step]] = defaultdict(list)
    for step in db.session.scalars(select(Step).where(Step.retired_at.is_(None))):
        steps_by_course[step.course_id].append(step)
    for user_id, course_id in sorted(pairs):
        if db.session.get(User, user_id) is None:
            continue
        for step in steps_by_course[course_id]:
            if complete_step(user_id, step):
                totals["steps"] += 1
        outcome = recompute_course(user_id, courses[course_id])
        totals["modules"] += len(outcome.modules)
        totals["courses"] += int(outcome.course)
        if progress is not None:
            progress(user_id, course_id)
    return totals


def _user(user_id: int) -> Any:
    from lms.accounts.models import User

    return db.session.get(User, user_id)
