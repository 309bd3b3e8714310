"""Importing course folders into the database: checked first, then written in one
transaction. Modules and steps keep their database ids across imports (matched by their
``id`` in the files), so learners' progress stays attached; what leaves the files is
retired, never deleted, and completion already earned is never touched."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask import current_app
from sqlalchemy import select

from lms.accounts.models import User
from lms.audit.services import record
from lms.catalogue.loader import CourseFileErrors, CourseSpec, ModuleSpec, StepSpec, load_course
from lms.catalogue.markdown import render_markdown
from lms.catalogue.models import ContentVersion, Course, Module, Step
from lms.db import begin_write, utcnow
from lms.extensions import db

__all__ = ["ImportResult", "course_folders", "import_all", "import_course", "import_many"]


@dataclass
class ImportResult:
    """What one course's import did. ``status`` is created, updated, unchanged or invalid
    (the files have ``problems`` and nothing was written)."""

    slug: str
    status: str
    version: int = 0
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    retired: list[str] = field(default_factory=list)
    restored: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def summary(self) -> str:
        counts = (
            ("added", self.added),
            ("changed", self.changed),
            ("retired", self.retired),
            ("restored", self.restored),
        )
        parts = [f"{len(keys)} {label}" for label, keys in counts if keys]
        steps = f" (steps: {', '.join(parts)})" if parts else ""
        return f"{self.status} {self.slug}: version {self.version}{steps}"


@dataclass
class _Changes:
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    retired: list[str] = field(default_factory=list)
    restored: list[str] = field(default_factory=list)
    modules_added: list[str] = field(default_factory=list)
    modules_retired: list[str] = field(default_factory=list)
    modules_restored: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, list[str]]:
        return {name: list(getattr(self, name)) for name in self.__dataclass_fields__}


def import_course(path: Path | str, *, actor: User | None = None) -> ImportResult:
    """Import the course folder at ``path`` (its name is the slug).

    Raises ``CourseFileErrors`` (listing every problem) before anything is written. Same
    files as last time: ``unchanged``, nothing written. Otherwise one transaction updates the
    course, its modules and steps, adds a ContentVersion and an audit entry.
    """
    registries = current_app.extensions["lms_plugins"].registries
    spec = load_course(Path(path), registries)
    html = {step.key: render_markdown(step.body) for step in spec.steps}
    intros = {module.key: render_markdown(module.intro) for module in spec.modules}
    begin_write()
    try:
        course = db.session.scalar(select(Course).where(Course.slug == spec.slug))
        if course is not None and course.content_hash == spec.content_hash:
            result = ImportResult(spec.slug, "unchanged", course.content_version)
            db.session.commit()
            return result
        created = course is None
        if course is None:
            course = Course(slug=spec.slug, content_version=0)
            db.session.add(course)
        _set_course_fields(course, spec)
        db.session.flush()
        changes = _sync(course, spec, html, intros)
        course.content_version = (course.content_version or 0) + 1
        course.content_hash = spec.content_hash
        db.session.add(
            ContentVersion(
                course_id=course.id,
                version=course.content_version,
                content_hash=spec.content_hash,
                changes=changes.as_dict(),
            )
        )
        result = ImportResult(
            spec.slug,
            "created" if created else "updated",
            course.content_version,
            added=changes.added,
            changed=changes.changed,
            retired=changes.retired,
            restored=changes.restored,
        )
        record(
            actor,
            "course.import",
            course,
            f"Imported {result.summary()}",
            version=course.content_version,
            **changes.as_dict(),
        )
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    return result


def course_folders(root: Path | str) -> list[Path]:
    """The course folders in ``root``: sub-folders holding a course.yaml, by name."""
    root = Path(root)
    if not root.is_dir():
        return []
    return sorted(
        child
        for child in root.iterdir()
        if child.is_dir() and not child.name.startswith(".") and (child / "course.yaml").is_file()
    )


def import_many(
    paths: Iterable[Path],
    progress: Callable[[ImportResult], Any] | None = None,
    *,
    actor: User | None = None,
) -> list[ImportResult]:
    """Import each course folder on its own: one with problems is reported (status
    ``invalid``) and the others are still imported, each all-or-nothing."""
    results = []
    for path in paths:
        try:
            result = import_course(path, actor=actor)
        except CourseFileErrors as errors:
            result = ImportResult(Path(path).name, "invalid", problems=errors.problems)
        results.append(result)
        if progress is not None:
            progress(result)
    return results


def import_all(
    root: Path | str,
    progress: Callable[[ImportResult], Any] | None = None,
    *,
    actor: User | None = None,
) -> list[ImportResult]:
    """Import every course folder in ``root`` (see ``import_many``). Courses whose folder has
    gone are left as they are: courses are never deleted."""
    return import_many(course_folders(root), progress, actor=actor)


def _set_course_fields(course: Course, spec: CourseSpec) -> None:
    course.title = spec.title
    course.summary = spec.summary
    course.audience = spec.audience
    course.outcomes = list(spec.outcomes)
    course.cpd_hours = spec.cpd_hours
    course.participatory = spec.participatory
    course.practice_level = spec.practice_level
    course.delivery_mode = spec.delivery_mode
    course.certificate_template = spec.certificate_template
    course.enrolment = spec.enrolment
    course.completion_rule = dict(spec.completion)


def _sync(
    course: Course, spec: CourseSpec, html: dict[str, str], intros: dict[str, str]
) -> _Changes:
    """Bring the course's modules and steps in line with ``spec``, matching rows by key."""
    changes = _Changes()
    now = utcnow()
    modules = {
        m.key: m
        for m in db.session.scalars(
            select(Module).where(Module.course_id == course.id).order_by(Module.position)
        )
    }
    steps = {
        s.key: s
        for s in db.session.scalars(
            select(Step)
            .join(Module, Step.module_id == Module.id)
            .where(Step.course_id == course.id)
            .order_by(Module.position, Step.position)
        )
    }
    module_ids: dict[str, int] = {}
    for position, module_spec in enumerate(spec.modules):
        module = modules.get(module_spec.key)
        if module is None:
            module = Module(course_id=course.id, key=module_spec.key)
            db.session.add(module)
            changes.modules_added.append(module_spec.key)
        elif module.retired_at is not None:
            changes.modules_restored.append(module_spec.key)
        module.position = position
        module.retired_at = None
        _assign(module, _module_values(module_spec, intros[module_spec.key]))
        db.session.flush()
        module_ids[module_spec.key] = module.id
    for module_spec in spec.modules:
        for position, step_spec in enumerate(module_spec.steps):
            values = _step_values(step_spec, html[step_spec.key])
            values["module_id"] = module_ids[module_spec.key]
            step = steps.get(step_spec.key)
            if step is None:
                step = Step(course_id=course.id, key=step_spec.key)
                db.session.add(step)
                _assign(step, values)
                changes.added.append(step.key)
            elif step.retired_at is not None:
                step.retired_at = None
                _assign(step, values)
                changes.restored.append(step.key)
            elif _assign(step, values):
                changes.changed.append(step.key)
            step.position = position
    keep_steps = {step.key for step in spec.steps}
    for key, step in steps.items():
        if key not in keep_steps and step.retired_at is None:
            step.retired_at = now
            changes.retired.append(key)
    keep_modules = {module.key for module in spec.modules}
    for key, module in modules.items():
        if key not in keep_modules and module.retired_at is None:
            module.retired_at = now
            changes.modules_retired.append(key)
    db.session.flush()
    return changes


def _module_values(spec: ModuleSpec, intro_html: str) -> dict[str, Any]:
    return {
        "title": spec.title,
        "summary": spec.summary,
        "intro_html": intro_html,
        "content_note": spec.content_note,
        "completion_rule": dict(spec.completion),
    }


def _step_values(spec: StepSpec, body_html: str) -> dict[str, Any]:
    return {
        "type": spec.type,
        "title": spec.title,
        "minutes": spec.minutes,
        "body_html": body_html,
        "config": spec.config,
        "content_note": spec.content_note,
        "complete_when": spec.complete_when,
    }


def _assign(row: Any, values: dict[str, Any]) -> bool:
    """Set ``values`` on ``row``; True if any of them differed."""
    changed = False
    for name, value in values.items():
        if getattr(row, name) != value:
            setattr(row, name, value)
            changed = True
    return changed
