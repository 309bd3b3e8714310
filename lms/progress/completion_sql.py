"""The completion engine's statements (``lms.progress.completion``), built once at import.

Plain tables rather than the mapped classes where a statement runs inside every write that
completes a step: it then runs without the ORM's compile step.
"""

from __future__ import annotations

from sqlalchemy import (
    String,
    bindparam,
    cast,
    exists,
    literal_column,
    null,
    select,
    union_all,
    update,
)

from lms.catalogue.models import Course, Module, Step
from lms.cohorts.models import Cohort, Enrolment
from lms.extensions import Model
from lms.progress.models import (
    CourseCompletion,
    ModuleCompletion,
    QuizAttempt,
    Reflection,
    StepProgress,
)

_PROGRESS = Model.metadata.tables[StepProgress.__tablename__]
_THIS_ROW = (
    (_PROGRESS.c.user_id == bindparam("p_user"))
    & (_PROGRESS.c.step_id == bindparam("p_step"))
    & _PROGRESS.c.completed_at.is_(None)
)
DONE_WHEN = {
    "quiz_passed": exists().where(
        QuizAttempt.user_id == bindparam("p_user"),
        QuizAttempt.step_id == bindparam("p_step"),
        QuizAttempt.passed.is_(True),
    ),
    "reflection_submitted": exists().where(
        Reflection.user_id == bindparam("p_user"), Reflection.step_id == bindparam("p_step")
    ),
}
# Completing a step is one guarded UPDATE: only the first of two concurrent writers
# changes the row (the other finds completed_at set), so only one fires the events.
COMPLETE_STEP = update(_PROGRESS).where(_THIS_ROW).values(completed_at=bindparam("p_now"))
COMPLETE_STEP_WHEN = {
    "viewed": COMPLETE_STEP.where(_PROGRESS.c.viewed_at.is_not(None)),
    "marked_done": COMPLETE_STEP.where(_PROGRESS.c.marked_done_at.is_not(None)),
    **{rule: COMPLETE_STEP.where(condition) for rule, condition in DONE_WHEN.items()},
}


_NO_TEXT = cast(null(), String)
_TABLES = Model.metadata.tables
_STEPS, _MODULES = _TABLES[Step.__tablename__], _TABLES[Module.__tablename__]
_MODULE_DONE = _TABLES[ModuleCompletion.__tablename__]
_COURSE_DONE = _TABLES[CourseCompletion.__tablename__]
_COURSES = _TABLES[Course.__tablename__]
_ENROLMENTS, _COHORTS = _TABLES[Enrolment.__tablename__], _TABLES[Cohort.__tablename__]
# The course completed: the learner's active places on it are completed too.
ENROLMENTS_COMPLETED = (
    update(_ENROLMENTS)
    .where(
        _ENROLMENTS.c.user_id == bindparam("p_user"),
        _ENROLMENTS.c.cohort_id.in_(
            select(_COHORTS.c.id).where(_COHORTS.c.course_id == bindparam("p_course"))
        ),
        _ENROLMENTS.c.status == "active",
    )
    .values(status="completed", completed_at=bindparam("p_now"))
)
# Plain tables rather than the mapped classes: the statement then runs without the ORM's
# compile step (this one runs inside every write that completes a step).
LEARNER_STATE = union_all(
    select(literal_column("'s'", String), _PROGRESS.c.step_id, _NO_TEXT)
    .join(_STEPS, _STEPS.c.id == _PROGRESS.c.step_id)
    .where(
        _PROGRESS.c.user_id == bindparam("p_user"),
        _STEPS.c.course_id == bindparam("p_course"),
        _PROGRESS.c.completed_at.is_not(None),
    ),
    select(literal_column("'m'", String), _MODULE_DONE.c.module_id, _NO_TEXT)
    .join(_MODULES, _MODULES.c.id == _MODULE_DONE.c.module_id)
    .where(
        _MODULE_DONE.c.user_id == bindparam("p_user"),
        _MODULES.c.course_id == bindparam("p_course"),
    ),
    select(literal_column("'c'", String), _COURSE_DONE.c.id, _NO_TEXT).where(
        _COURSE_DONE.c.user_id == bindparam("p_user"),
        _COURSE_DONE.c.course_id == bindparam("p_course"),
    ),
    select(
        literal_column("'v'", String), _COURSES.c.content_version, _COURSES.c.content_hash
    ).where(_COURSES.c.id == bindparam("p_course")),
)
