"""What the step page needs to know about the learner on one course, in one statement: the
steps, modules and course they have completed, whether they acknowledged the content notes
of the step and its module, and whether they have opened the step before."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    DateTime,
    Integer,
    String,
    bindparam,
    cast,
    literal_column,
    null,
    select,
    union_all,
)

from lms.accounts.models import User
from lms.catalogue.models import Module, Step
from lms.cohorts.models import Enrolment
from lms.db import rows
from lms.progress.models import (
    CourseCompletion,
    ModuleCompletion,
    NoteAcknowledgement,
    StepProgress,
)
from lms.progress.services import note_subject


@dataclass(frozen=True, slots=True)
class Done:
    """The learner's completed steps and modules on a course, and when they completed it."""

    steps: frozenset[int] = frozenset()
    modules: frozenset[int] = frozenset()
    completed_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class LearnerState:
    done: Done
    acknowledged: frozenset[str]  # the note subjects ("module:<id>", "step:<id>") among the two
    viewed: bool  # the step has been opened before

    def has_acknowledged(self, target: Module | Step) -> bool:
        return note_subject(target) in self.acknowledged

    def records_nothing_new(self, step: Step, enrolment: Enrolment) -> bool:
        """Opening ``step`` again would change nothing: it was viewed, and it is already
        the learner's place on the course."""
        return self.viewed and enrolment.resume_step_id == step.id


# Rows of (kind, id, at): kind is "step", "module", "course", "viewed" or a note subject.
_KIND = String(40)
_NO_ID = cast(null(), Integer)
_NO_DATE = cast(null(), DateTime)
_USER: Any = bindparam("user_id")
_COURSE: Any = bindparam("course_id")


def done_selects(user_id: Any, on_courses: Callable[[Any], Any]) -> list[Any]:
    """The selects of (kind, id, at) rows for what ``user_id`` has done on the courses
    ``on_courses(course id column)`` picks: completed steps, modules and courses (the last
    with when). The step page and the outlines run them, each with its own other rows."""
    return [
        select(literal_column("'step'", _KIND).label("kind"), StepProgress.step_id, _NO_DATE)
        .join(Step, Step.id == StepProgress.step_id)
        .where(
            StepProgress.user_id == user_id,
            on_courses(Step.course_id),
            StepProgress.completed_at.is_not(None),
        ),
        select(literal_column("'module'", _KIND), ModuleCompletion.module_id, _NO_DATE)
        .join(Module, Module.id == ModuleCompletion.module_id)
        .where(ModuleCompletion.user_id == user_id, on_courses(Module.course_id)),
        select(
            literal_column("'course'", _KIND),
            CourseCompletion.course_id,
            CourseCompletion.completed_at,
        ).where(CourseCompletion.user_id == user_id, on_courses(CourseCompletion.course_id)),
    ]


_STATE: Any = union_all(
    *done_selects(_USER, lambda course_id: course_id == _COURSE),
    select(NoteAcknowledgement.subject, _NO_ID, _NO_DATE).where(
        NoteAcknowledgement.user_id == _USER,
        NoteAcknowledgement.subject.in_([bindparam("module_note"), bindparam("step_note")]),
    ),
    select(literal_column("'viewed'", _KIND), StepProgress.step_id, StepProgress.viewed_at).where(
        StepProgress.user_id == _USER,
        StepProgress.step_id == bindparam("step_id"),
        StepProgress.viewed_at.is_not(None),
    ),
)


def learner_state(user: User, step: Step) -> LearnerState:
    """The learner's state on ``step``'s course (one query)."""
    params: dict[str, Any] = {
        "user_id": user.id,
        "course_id": step.course_id,
        "step_id": step.id,
        "module_note": note_subject(step.module),
        "step_note": note_subject(step),
    }
    steps: set[int] = set()
    modules: set[int] = set()
    completed_at: datetime | None = None
    acknowledged: set[str] = set()
    viewed = False
    for kind, id_, at in rows(_STATE, params):
        if kind == "step":
            steps.add(id_)
        elif kind == "module":
            modules.add(id_)
        elif kind == "course":
            completed_at = at
        elif kind == "viewed":
            viewed = True
        else:
            acknowledged.add(kind)
    return LearnerState(
        Done(frozenset(steps), frozenset(modules), completed_at), frozenset(acknowledged), viewed
    )
