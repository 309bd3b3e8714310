"""The completion engine: step, module and course completion from what a learner did.

Called inside the request (or command) that records progress, so completion is never a cron
lag away. Every write is an idempotent single statement guarded by a unique constraint (or,
for a step, by the empty ``completed_at`` it fills), so recording the same thing twice, or at
the same moment, leaves one row and fires each event once. Earned completion is never taken
away: a later content change or a stricter rule only ever adds.

The course's structure (its modules, steps and rules) comes from the per-version cache of
``lms.catalogue.structure``. What the learner has done is read inside the write transaction,
in one query with the course's current version (an import committed meanwhile is seen and
its structure used), so every decision is made on what is committed.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm.util import identity_key

from lms.accounts.models import User
from lms.catalogue import structure
from lms.catalogue.loader_steps import CORE_STEP_RULES
from lms.catalogue.models import Course, Module, Step
from lms.catalogue.structure import CourseStructure
from lms.db import LEARNER_PROGRESS, insert_ignore, rows, take_turns, upsert, utcnow
from lms.events import after_commit
from lms.extensions import db
from lms.progress.completion_sql import (
    COMPLETE_STEP,
    COMPLETE_STEP_WHEN,
    DONE_WHEN,
    ENROLMENTS_COMPLETED,
    LEARNER_STATE,
)
from lms.progress.models import (
    CourseCompletion,
    ModuleCompletion,
    QuizAttempt,
    Reflection,
    StepProgress,
)
from lms.progress.rules import plugin_step_rule_met, rule_met

ALL: Mapping[str, Any] = MappingProxyType({"rule": "all"})


@dataclass
class Outcome:
    """What a recompute newly completed (empty when nothing changed)."""

    steps: list[int] = field(default_factory=list)
    modules: list[int] = field(default_factory=list)
    course: bool = False


def step_condition_met(step: Step, progress: StepProgress | None, user_id: int) -> bool:
    """Has the learner done what ``step.complete_when`` asks?"""
    rule = step.complete_when
    if rule == "viewed":
        return progress is not None and progress.viewed_at is not None
    if rule == "marked_done":
        return progress is not None and progress.marked_done_at is not None
    if rule in DONE_WHEN:
        params = {"p_user": user_id, "p_step": step.id}
        return bool(db.session.scalar(select(DONE_WHEN[rule]), params))
    return plugin_step_rule_met(rule, step, user_id)


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
    result = db.session.execute(COMPLETE_STEP, {"p_user": user_id, "p_step": step.id, "p_now": now})
    newly = bool(getattr(result, "rowcount", 0))
    if newly:
        after_commit("lms_step_completed", user=_user(user_id), step=step)
    return newly


@dataclass(frozen=True)
class Subject:
    """A learner acting on a step, taken before the write lock: the ids, the step's rule and
    the course's structure as plain values (inside the lock, touching a row loaded before it
    reads the row again), and the objects the event hooks are given."""

    user: User
    step: Step
    module: Module  # held, so the module's event finds it without a query
    course: Course
    user_id: int
    step_id: int
    course_id: int
    complete_when: str
    structure: CourseStructure


def subject_of(user: User, step: Step) -> Subject:
    """``user`` acting on ``step``; call it before ``begin_write()``."""
    module = step.module
    shape = structure.of(module.course)
    line = shape.step(step.id)
    user_id = user.id
    return Subject(
        user=_user(user_id),  # the row itself, not the request's current_user proxy
        step=step,
        module=module,
        course=module.course,
        user_id=user_id,
        step_id=step.id,
        course_id=shape.course_id,
        complete_when=line.complete_when if line is not None else step.complete_when,
        structure=shape,
    )


#: The step rules that marking a step done meets by itself (it stamps both times).
MET_BY_MARKING = frozenset({"viewed", "marked_done"})


def marked_done(who: Subject) -> Outcome:
    """The learner marked the step done, all its rule asks (``MET_BY_MARKING``): one
    statement stamps the progress row (a first time is never moved) and completes the step,
    unless it is complete already; then only its empty stamps are filled. Completed once,
    whoever writes at the same moment: the row is inserted complete or updated only while
    ``completed_at`` is empty, and a row comes back only then."""
    now = utcnow()
    row = {"user_id": who.user_id, "step_id": who.step_id}
    stamps = {"viewed_at": now, "marked_done_at": now}
    keys = tuple(row)
    completing = {**row, **stamps, "completed_at": now}
    if upsert(StepProgress, completing, keys, fill_empty=True, while_empty="completed_at") is None:
        upsert(StepProgress, {**row, **stamps}, keys, fill_empty=True)
        return Outcome()
    return _step_completed(who)


def step_recorded(who: Subject) -> Outcome:
    """The learner's progress row for the step was just written: complete the step if its
    rule is now met and, if it newly is, bring module and course completion up to date."""
    outcome = Outcome()
    rule = who.complete_when
    if rule not in CORE_STEP_RULES and not plugin_step_rule_met(rule, who.step, who.user_id):
        return outcome
    statement = COMPLETE_STEP_WHEN.get(rule, COMPLETE_STEP)
    result = db.session.execute(
        statement, {"p_user": who.user_id, "p_step": who.step_id, "p_now": utcnow()}
    )
    if not getattr(result, "rowcount", 0):
        return outcome
    return _step_completed(who)


def _step_completed(who: Subject) -> Outcome:
    """The step was just completed (by this transaction alone): its event, then module and
    course completion brought up to date."""
    after_commit("lms_step_completed", user=who.user, step=who.step)
    outcome = _recompute(who.user_id, who.structure, who.course, who.user)
    outcome.steps.append(who.step_id)
    return outcome


def recompute_course(user_id: int, course: Course) -> Outcome:
    """Bring module and course completion up to date for one learner and course.

    A fixed number of queries whatever the size of the course.
    """
    return _recompute(user_id, structure.of(course), course, None)


def _recompute(user_id: int, shape: CourseStructure, course: Course, user: User | None) -> Outcome:
    """Every live module of the course not yet complete is checked against its rule, then
    the course against its own. What the learner has done is read in one query, with the
    course's current version: an import that committed since ``shape`` was read is seen.

    The learner's recomputes take turns (``take_turns``): on PostgreSQL two steps of one
    module completed at the same moment would otherwise each be read without the other,
    and the module left uncompleted by both."""
    take_turns(LEARNER_PROGRESS, user_id)
    outcome = Outcome()
    done_steps: set[int] = set()
    done_modules: set[int] = set()
    completed = False
    version: tuple[int, str] | None = None
    for kind, value, content_hash in rows(
        LEARNER_STATE, {"p_user": user_id, "p_course": shape.course_id}
    ):
        if kind == "s":
            done_steps.add(value)
        elif kind == "m":
            done_modules.add(value)
        elif kind == "c":
            completed = True
        else:
            version = (value, content_hash)
    if version is None:
        return outcome
    if not shape.matches(*version):
        shape = structure.load([shape.course_id])[shape.course_id]
    now = utcnow()
    for module in shape.modules:
        if module.id in done_modules:
            continue
        done_here = done_steps.intersection(module.step_ids)
        if _met(module.completion_rule, done_here, module.step_ids, "module", module.id, user_id):
            if insert_ignore(
                ModuleCompletion,
                {"user_id": user_id, "module_id": module.id, "completed_at": now},
                ["user_id", "module_id"],
            ):
                outcome.modules.append(module.id)
                after_commit(
                    "lms_module_completed",
                    user=user or _user(user_id),
                    module=_entity(Module, module.id),
                )
            done_modules.add(module.id)
    if completed:
        return outcome

    module_ids = tuple(m.id for m in shape.modules)
    done_live = done_modules.intersection(module_ids)
    rule = shape.completion_rule or ALL
    if _met(rule, done_live, module_ids, "course", course, user_id) and insert_ignore(
        CourseCompletion,
        {
            "user_id": user_id,
            "course_id": shape.course_id,
            "completed_at": now,
            "content_version": shape.content_version,
            "rule": structure.thaw(rule),
        },
        ["user_id", "course_id"],
    ):
        outcome.course = True
        _mark_enrolments_completed(user_id, shape.course_id, now)
        after_commit("lms_course_completed", user=user or _user(user_id), course=course)
    return outcome


def _met(
    rule: Mapping[str, Any],
    done_ids: set[int],
    child_ids: tuple[int, ...],
    level: str,
    target: Any,
    user_id: int,
) -> bool:
    """``rule_met`` for a module (``target`` its id) or a course (``target`` the Course).
    The module row is loaded only for a rule that looks at it (attendance, a plugin's)."""
    rule = rule or ALL
    if level == "module" and rule.get("rule", "all") not in ("all", "any"):
        target = _entity(Module, target)
    return rule_met(
        rule, len(done_ids), len(child_ids), level, target, user_id, done_ids, list(child_ids)
    )


def _mark_enrolments_completed(user_id: int, course_id: int, now: Any) -> None:
    db.session.execute(
        ENROLMENTS_COMPLETED, {"p_user": user_id, "p_course": course_id, "p_now": now}
    )


def recompute_everything(progress: Any = None) -> dict[str, int]:
    """Re-derive step, module and course completion for every learner with progress.

    Gives the same answer as the in-request engine; only ever adds completion.
    ``progress`` is an optional callable told each (user, course) pair as it is done.
    """
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
    return _entity(User, user_id)


def _entity(model: type[Any], ident: int) -> Any:
    """The row already in the session (as it is: an expired one is read again only when
    used, after the commit) or else loaded now."""
    found = db.session.identity_map.get(identity_key(model, ident))
    return found if found is not None else db.session.get(model, ident)
