"""Read models for the learner's pages, each built with a fixed number of queries."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache, cached_property
from typing import Any

from sqlalchemy import (
    bindparam,
    select,
    union_all,
)

from lms.accounts.models import User
from lms.catalogue import structure
from lms.catalogue.models import Course
from lms.cohorts.models import PLACE_STATUSES, Cohort, Enrolment
from lms.db import one_of, request_memo, rows
from lms.extensions import db
from lms.progress.learner_state import Done, done_selects


@dataclass
class StepLine:
    id: int
    key: str
    title: str
    type: str
    minutes: int
    module_id: int
    content_note: Mapping[str, Any] | None
    done: bool = False


@dataclass(frozen=True)
class ModuleLine:
    """What an outline shows of a module."""

    id: int
    course_id: int
    key: str
    title: str
    summary: str
    content_note: Mapping[str, Any] | None


@dataclass
class ModuleView:
    module: ModuleLine
    steps: list[StepLine] = field(default_factory=list)
    done: bool = False

    @property
    def minutes(self) -> int:
        return sum(s.minutes for s in self.steps)

    @property
    def steps_done(self) -> int:
        return sum(1 for s in self.steps if s.done)


@dataclass(frozen=True)
class CourseLine:
    """What a learner's page shows of a course."""

    id: int
    slug: str
    title: str
    version: tuple[int, str]  # content version and hash: which cached structure is this one's


@dataclass(frozen=True)
class Place:
    """A course the learner has a place on, and the step they were last on."""

    course: CourseLine
    resume_step_id: int | None = None


@dataclass
class CourseView:
    """A course's outline with the learner's progress. Its totals are worked out once, when
    first asked for (a page shows them in several places): build it completely first."""

    course: CourseLine
    modules: list[ModuleView]
    completed_at: datetime | None
    next_step: StepLine | None = None

    @cached_property
    def steps_total(self) -> int:
        return sum(len(m.steps) for m in self.modules)

    @cached_property
    def steps_done(self) -> int:
        return sum(m.steps_done for m in self.modules)

    @cached_property
    def percent(self) -> int:
        total = self.steps_total
        return round(100 * self.steps_done / total) if total else 0

    @cached_property
    def minutes_left(self) -> int:
        return sum(s.minutes for m in self.modules for s in m.steps if not s.done)


Versions = Mapping[int, tuple[int, str]]


def _step_lines(
    course_ids: list[int], versions: Versions | None = None
) -> dict[int, list[StepLine]]:
    """Each course's live steps in order (shared by the page's outline and its neighbours:
    callers copy a line before marking it done)."""
    return request_memo(("step_lines", *course_ids), lambda: _load_step_lines(course_ids, versions))


def _load_step_lines(course_ids: list[int], versions: Versions | None) -> dict[int, list[StepLine]]:
    by_course: dict[int, list[StepLine]] = defaultdict(list)
    for course_id, shape in structure.for_courses(course_ids, versions).items():
        by_course[course_id] = [
            StepLine(s.id, s.key, s.title, s.type, s.minutes, s.module_id, s.content_note)
            for s in shape.steps
        ]
    return by_course


def _module_lines(course_ids: list[int], versions: Versions | None = None) -> list[ModuleLine]:
    return [
        ModuleLine(m.id, course_id, m.key, m.title, m.summary, m.content_note)
        for course_id, shape in structure.for_courses(course_ids, versions).items()
        for m in shape.modules
    ]


@cache
def _done_query() -> Any:
    course_ids: Any = bindparam("course_ids", expanding=True)
    return union_all(*done_selects(bindparam("user_id"), lambda column: column.in_(course_ids)))


def _done(
    user: User, course_ids: list[int]
) -> tuple[set[int], set[int], dict[int, datetime | None]]:
    """The learner's completed steps, modules and courses among ``course_ids``: one query."""
    done_steps: set[int] = set()
    done_modules: set[int] = set()
    completed: dict[int, datetime | None] = {}
    for kind, id_, at in rows(_done_query(), {"user_id": user.id, "course_ids": course_ids}):
        if kind == "step":
            done_steps.add(id_)
        elif kind == "module":
            done_modules.add(id_)
        else:
            completed[id_] = at
    return done_steps, done_modules, completed


def course_views(user: User, places: list[Place]) -> list[CourseView]:
    """Progress through each course the learner has a place on, in a fixed number of
    queries whatever their number."""
    course_ids = list({place.course.id: None for place in places})
    if not course_ids:
        return []
    versions = {place.course.id: place.course.version for place in places}
    modules = _module_lines(course_ids, versions)
    lines = _step_lines(course_ids, versions)
    done_steps, done_modules, completed = _done(user, course_ids)
    views = []
    for place in places:
        course = place.course
        module_views = {
            m.id: ModuleView(m, done=m.id in done_modules)
            for m in modules
            if m.course_id == course.id
        }
        ordered = [
            _done_line(s) if s.id in done_steps else s
            for s in lines.get(course.id, [])
            if s.module_id in module_views
        ]
        for line in ordered:
            module_views[line.module_id].steps.append(line)
        view = CourseView(course, list(module_views.values()), completed.get(course.id))
        view.next_step = _next_step(ordered, place.resume_step_id)
        views.append(view)
    return views


def _done_line(line: StepLine) -> StepLine:
    """``line`` marked done (the constructor: ``dataclasses.replace`` costs several times
    as much, for every step of every course on the dashboard)."""
    return StepLine(
        line.id,
        line.key,
        line.title,
        line.type,
        line.minutes,
        line.module_id,
        line.content_note,
        done=True,
    )


def _next_step(ordered: list[StepLine], resume_step_id: int | None) -> StepLine | None:
    """Where to pick up: the step they left, else the next one not yet done."""
    for index, line in enumerate(ordered):
        if line.id == resume_step_id:
            if not line.done:
                return line
            later = [s for s in ordered[index + 1 :] if not s.done]
            if later:
                return later[0]
            break
    pending = [s for s in ordered if not s.done]
    return pending[0] if pending else None


@cache
def _enrolments_query() -> Any:
    return (
        select(Enrolment)
        .join(Cohort, Cohort.id == Enrolment.cohort_id)
        .join(Course, Course.id == Cohort.course_id)
        .where(
            Enrolment.user_id == bindparam("user_id"),
            Enrolment.status.in_(PLACE_STATUSES),
            Course.retired.is_(False),
        )
        .order_by(Enrolment.last_activity_at.desc().nulls_last(), Enrolment.enrolled_at.desc())
    )


def learner_enrolments(user: User) -> list[Enrolment]:
    return list(db.session.scalars(_enrolments_query(), {"user_id": user.id}).unique())


@cache
def _places_query() -> Any:
    return (
        select(
            Course.id,
            Course.slug,
            Course.title,
            Course.content_version,
            Course.content_hash,
            Enrolment.resume_step_id,
        )
        .join(Cohort, Cohort.course_id == Course.id)
        .join(Enrolment, Enrolment.cohort_id == Cohort.id)
        .where(
            Enrolment.user_id == bindparam("user_id"),
            one_of(Enrolment.status, PLACE_STATUSES),
            Course.retired.is_(False),
        )
        .order_by(Enrolment.last_activity_at.desc().nulls_last(), Enrolment.enrolled_at.desc())
    )


def learner_places(user: User) -> list[Place]:
    """The live courses the learner has a place on, the most recently active first."""
    return [
        Place(CourseLine(id_, slug, title, (version, digest)), resume)
        for id_, slug, title, version, digest, resume in rows(_places_query(), {"user_id": user.id})
    ]


def course_view(user: User, course: Course, enrolment: Enrolment | None) -> CourseView:
    """One course's outline with the learner's progress (empty progress if not enrolled)."""
    shown = CourseLine(
        course.id, course.slug, course.title, (course.content_version, course.content_hash)
    )
    if enrolment is not None:
        return course_views(user, [Place(shown, enrolment.resume_step_id)])[0]
    module_views = {m.id: ModuleView(m) for m in _module_lines([course.id])}
    for line in _step_lines([course.id]).get(course.id, []):
        if line.module_id in module_views:
            module_views[line.module_id].steps.append(line)
    return CourseView(shown, list(module_views.values()), None)


def neighbours(
    course: Course, step_id: int
) -> tuple[structure.StepShape | None, structure.StepShape | None]:
    """The steps before and after ``step_id`` in ``course``, across modules: from the
    course's cached structure, so it costs no query."""
    steps = structure.of(course).steps
    index = next((i for i, line in enumerate(steps) if line.id == step_id), None)
    if index is None:
        return None, None
    before = steps[index - 1] if index > 0 else None
    after = steps[index + 1] if index + 1 < len(steps) else None
    return before, after


@dataclass(frozen=True, slots=True)
class StepPosition:
    """Where a step sits in its course, and how far through the course the learner is."""

    done: bool
    steps_done: int
    steps_total: int
    before: structure.StepShape | None
    after: structure.StepShape | None


def step_position(course: Course, step_id: int, done: Done | None) -> StepPosition:
    """The step page's line on the course, from the cached structure (no query): the steps
    before and after ``step_id`` across modules, and the steps of the live modules counted
    as the outline counts them. ``done`` is None when no progress is shown (not enrolled)."""
    shape = structure.of(course)
    done_ids = done.steps if done is not None else frozenset()
    total = steps_done = 0
    here = None
    for line in shape.steps:
        if line.id == step_id:
            here = line
        if shape.module(line.module_id) is not None:
            total += 1
            steps_done += line.id in done_ids
    before, after = neighbours(course, step_id)
    shown = here is not None and shape.module(here.module_id) is not None
    return StepPosition(shown and step_id in done_ids, steps_done, total, before, after)
