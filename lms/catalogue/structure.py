"""A course's live structure, kept in the process between requests.

Modules and steps change only when a course is imported, and every import that changes a
course bumps ``courses.content_version`` (and its ``content_hash``). So the structure of a
course (its live modules in order with their rules, its live steps in order) is cached per
``(course id, content version, content hash)``, as frozen values shared by every request:

- another process (the importer command, another worker) changes the version, so the next
  lookup misses and reads the rows again;
- any insert, update or delete of a course, module or step made through this process's
  sessions (the importer, a test editing rows) empties the cache when it is flushed, and
  again when its transaction ends (commit, rollback or close), so no request keeps what
  another thread read while the change was on its way, nor what a rollback undid.

Lookups take the version from the course the caller already loaded, so a hit costs no query.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from sqlalchemy import bindparam, event, select
from sqlalchemy.orm import ORMExecuteState, Session, object_session
from sqlalchemy.orm.util import identity_key

from lms.catalogue.models import Course, Module, Step
from lms.db import database_key
from lms.extensions import db

__all__ = [
    "CourseStructure",
    "ModuleShape",
    "StepShape",
    "clear",
    "for_courses",
    "freeze",
    "load",
    "of",
    "thaw",
]


def freeze(value: Any) -> Any:
    """A read-only copy of a JSON value: mappings become read-only, lists become tuples."""
    if isinstance(value, Mapping):
        return MappingProxyType({k: freeze(v) for k, v in value.items()})
    if isinstance(value, list | tuple):
        return tuple(freeze(v) for v in value)
    return value


def thaw(value: Any) -> Any:
    """A plain JSON value (dicts and lists) from a frozen one, for writing to the database."""
    if isinstance(value, Mapping):
        return {k: thaw(v) for k, v in value.items()}
    if isinstance(value, tuple | list):
        return [thaw(v) for v in value]
    return value


@dataclass(frozen=True, slots=True)
class StepShape:
    id: int
    key: str
    title: str
    type: str
    minutes: int
    module_id: int
    content_note: Mapping[str, Any] | None
    complete_when: str


@dataclass(frozen=True, slots=True)
class ModuleShape:
    id: int
    key: str
    title: str
    summary: str
    content_note: Mapping[str, Any] | None
    completion_rule: Mapping[str, Any]
    step_ids: tuple[int, ...]  # its live steps, in order


@dataclass(frozen=True)
class CourseStructure:
    """One course at one content version: live modules in order, live steps in course order
    (by module position, then step position)."""

    course_id: int
    content_version: int
    content_hash: str
    completion_rule: Mapping[str, Any]
    modules: tuple[ModuleShape, ...]
    steps: tuple[StepShape, ...]
    _steps_by_id: Mapping[int, StepShape] = field(init=False, repr=False, compare=False)
    _modules_by_id: Mapping[int, ModuleShape] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_steps_by_id", MappingProxyType({s.id: s for s in self.steps}))
        object.__setattr__(
            self, "_modules_by_id", MappingProxyType({m.id: m for m in self.modules})
        )

    def step(self, step_id: int) -> StepShape | None:
        return self._steps_by_id.get(step_id)

    def module(self, module_id: int) -> ModuleShape | None:
        return self._modules_by_id.get(module_id)

    def matches(self, content_version: int, content_hash: str) -> bool:
        return self.content_version == content_version and self.content_hash == content_hash


# (database URL, course id) -> the structure last read for that course. One entry per
# course: a new version replaces the old one.
_cache: dict[tuple[Any, int], CourseStructure] = {}
# Bumped by every clear(); a structure read while a clear happened is not kept.
_generation = 0
_lock = threading.Lock()
_DIRTY = "lms_structure_changed"
_TABLES = frozenset({"courses", "modules", "steps"})


def clear() -> None:
    """Forget every cached structure (of every app in the process)."""
    global _generation
    with _lock:
        _generation += 1
        _cache.clear()


def of(course: Course) -> CourseStructure:
    """The structure of ``course`` at the version the caller loaded."""
    return _lookup(course.id, course.content_version, course.content_hash)


def _lookup(course_id: int, version: int, content_hash: str) -> CourseStructure:
    found = _cache.get((database_key(), course_id))
    if found is not None and found.matches(version, content_hash):
        return found
    return load([course_id])[course_id]


def for_courses(
    course_ids: Iterable[int], known: Mapping[int, tuple[int, str]] | None = None
) -> dict[int, CourseStructure]:
    """The structures of ``course_ids`` (unknown ids are left out). Versions come from
    ``known`` (course id -> (content version, content hash) the caller read), else from the
    courses already loaded in the session; the others are asked for in one query."""
    wanted = list(dict.fromkeys(course_ids))
    versions: dict[int, tuple[int, str]] = dict(known or {})
    unknown: list[int] = []
    identity_map = db.session.identity_map
    for course_id in wanted:
        if course_id in versions:
            continue
        course = identity_map.get(identity_key(Course, course_id))
        loaded = course.__dict__ if course is not None else {}
        if "content_version" in loaded and "content_hash" in loaded:
            versions[course_id] = (loaded["content_version"], loaded["content_hash"])
        else:
            unknown.append(course_id)
    if unknown:
        for course_id, version, content_hash in db.session.execute(
            _VERSIONS, {"course_ids": unknown}
        ):
            versions[course_id] = (version, content_hash)
    database = database_key()
    found: dict[int, CourseStructure] = {}
    missing: list[int] = []
    for course_id in wanted:
        if course_id not in versions:
            continue
        cached = _cache.get((database, course_id))
        if cached is not None and cached.matches(*versions[course_id]):
            found[course_id] = cached
        else:
            missing.append(course_id)
    if missing:
        found.update(load(missing))
    return {course_id: found[course_id] for course_id in wanted if course_id in found}


_VERSIONS = select(Course.id, Course.content_version, Course.content_hash).where(
    Course.id.in_(bindparam("course_ids", expanding=True))
)
_MODULES = (
    select(
        Course.id.label("course_id"),
        Course.content_version,
        Course.content_hash,
        Course.completion_rule.label("course_rule"),
        Module.id,
        Module.key,
        Module.title,
        Module.summary,
        Module.content_note,
        Module.completion_rule,
    )
    .outerjoin(Module, (Module.course_id == Course.id) & Module.retired_at.is_(None))
    .where(Course.id.in_(bindparam("course_ids", expanding=True)))
    .order_by(Course.id, Module.position, Module.id)
)
_STEPS = (
    select(
        Step.course_id,
        Course.content_version,
        Step.id,
        Step.key,
        Step.title,
        Step.type,
        Step.minutes,
        Step.module_id,
        Step.content_note,
        Step.complete_when,
    )
    .join(Module, Module.id == Step.module_id)
    .join(Course, Course.id == Step.course_id)
    .where(Step.course_id.in_(bindparam("course_ids", expanding=True)), Step.retired_at.is_(None))
    .order_by(Step.course_id, Module.position, Step.position, Step.id)
)


def load(course_ids: Iterable[int]) -> dict[int, CourseStructure]:
    """Read the structures of ``course_ids`` from the database (two queries) and keep them."""
    wanted = list(dict.fromkeys(course_ids))
    for _attempt in range(3):
        generation = _generation
        built = _read(wanted)
        if built is not None:
            break
    else:  # the courses kept changing under us: use the last reading, keep nothing
        return _read(wanted, strict=False) or {}
    database = database_key()
    with _lock:
        if generation == _generation:
            for course_id, structure in built.items():
                _cache[(database, course_id)] = structure
    return built


def _read(course_ids: list[int], *, strict: bool = True) -> dict[int, CourseStructure] | None:
    """One reading of the rows; None (when ``strict``) if an import committed between the
    two queries, so modules and steps would be of different versions."""
    courses: dict[int, tuple[int, str, Mapping[str, Any]]] = {}
    modules: dict[int, list[Any]] = {}
    for row in db.session.execute(_MODULES, {"course_ids": course_ids}):
        courses[row.course_id] = (row.content_version, row.content_hash, row.course_rule)
        rows = modules.setdefault(row.course_id, [])
        if row.id is not None:
            rows.append(row)
    steps: dict[int, list[StepShape]] = {course_id: [] for course_id in courses}
    for row in db.session.execute(_STEPS, {"course_ids": course_ids}):
        if row.course_id not in courses or row.content_version != courses[row.course_id][0]:
            if strict:
                return None
            continue
        steps[row.course_id].append(
            StepShape(
                row.id,
                row.key,
                row.title,
                row.type,
                row.minutes,
                row.module_id,
                freeze(row.content_note),
                row.complete_when,
            )
        )
    built: dict[int, CourseStructure] = {}
    for course_id, (version, content_hash, course_rule) in courses.items():
        step_ids: dict[int, list[int]] = {}
        for step in steps[course_id]:
            step_ids.setdefault(step.module_id, []).append(step.id)
        built[course_id] = CourseStructure(
            course_id=course_id,
            content_version=version,
            content_hash=content_hash,
            completion_rule=freeze(course_rule or {}),
            modules=tuple(
                ModuleShape(
                    row.id,
                    row.key,
                    row.title,
                    row.summary,
                    freeze(row.content_note),
                    freeze(row.completion_rule or {}),
                    tuple(step_ids.get(row.id, ())),
                )
                for row in modules[course_id]
            ),
            steps=tuple(steps[course_id]),
        )
    return built


# -- keeping the cache honest ------------------------------------------------------------


def _changed(session: Session | None) -> None:
    clear()
    if session is not None:
        session.info[_DIRTY] = True


def _on_row_change(_mapper: Any, _connection: Any, target: Any) -> None:
    _changed(object_session(target))


for _model in (Course, Module, Step):
    for _name in ("after_insert", "after_update", "after_delete"):
        event.listen(_model, _name, _on_row_change)


@event.listens_for(Session, "do_orm_execute")
def _on_statement(state: ORMExecuteState) -> None:
    """Bulk statements (``update(Step)``, ``Step.__table__.delete()``...) run through a
    session change rows without the per-object events above."""
    if not (state.is_insert or state.is_update or state.is_delete):
        return
    table = getattr(state.statement, "table", None)
    if getattr(table, "name", None) in _TABLES:
        _changed(state.session)


@event.listens_for(Session, "after_transaction_end")
def _on_transaction_end(session: Session, transaction: Any) -> None:
    # Committed, rolled back or closed: what other threads read while the change was on its
    # way, or what was read from rows a rollback undid, is forgotten too.
    if session.info.get(_DIRTY):
        clear()
        if transaction.parent is None:
            session.info.pop(_DIRTY, None)
