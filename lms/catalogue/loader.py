"""Reading one course folder (``course.yaml``, ``modules/*.md``, ``files/``) into checked
specs. Pure: no database. Every problem in the folder is collected and reported together as
``file:line: message``, with the file relative to the courses root. See docs/courses.md."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

from lms.catalogue.loader_files import read_text, split_module
from lms.catalogue.loader_steps import (
    FileContext,
    StepSpec,
    read_completion,
    read_content_note,
    read_step,
)
from lms.catalogue.loader_yaml import (
    FAILED,
    ID_HINT,
    ID_PATTERN,
    Fields,
    Problem,
    Problems,
    YamlList,
    YamlMap,
    describe,
    parse_yaml,
)
from lms.catalogue.markdown import RENDER_VERSION, markdown_problems
from lms.catalogue.models import DELIVERY_MODES, PRACTICE_LEVELS
from lms.errors import InvalidInput
from lms.plugins.manager import Registries

__all__ = ["CourseFileErrors", "CourseSpec", "ModuleSpec", "Problem", "StepSpec", "load_course"]

COURSE_KEYS = (
    "title",
    "summary",
    "outcomes",
    "cpd_hours",
    "participatory",
    "practice_level",
    "delivery_mode",
    "certificate_template",
    "enrolment",
    "audience",
    "completion",
    "modules",
)
MODULE_KEYS = ("id", "title", "summary", "content_note", "completion")
CORE_CERTIFICATE_TEMPLATES = ("completion", "attendance")
ENROLMENT_MODES = ("open", "cohort")


class CourseFileErrors(InvalidInput):
    """A course folder has problems; nothing of it was imported."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problem_list = problems
        self.problems = [str(problem) for problem in problems]
        count = f"{len(problems)} problem{'s' if len(problems) != 1 else ''}"
        super().__init__(f"The course files have {count}:\n" + "\n".join(self.problems))


@dataclass(frozen=True)
class ModuleSpec:
    key: str
    title: str
    summary: str
    intro: str  # Markdown
    content_note: dict[str, Any] | None
    completion: dict[str, Any]
    steps: tuple[StepSpec, ...]
    source: str
    line: int = 1


@dataclass(frozen=True)
class CourseSpec:
    slug: str
    title: str
    summary: str
    audience: str
    outcomes: tuple[str, ...]
    cpd_hours: float
    participatory: bool
    practice_level: str
    delivery_mode: str
    certificate_template: str
    enrolment: str
    completion: dict[str, Any]
    modules: tuple[ModuleSpec, ...]
    files: tuple[str, ...] = ()  # files the steps use, relative to the course folder
    content_hash: str = ""

    @property
    def steps(self) -> Iterator[StepSpec]:
        for module in self.modules:
            yield from module.steps


def load_course(path: Path, registries: Registries | None = None) -> CourseSpec:
    """Read and check the course folder at ``path``; raise ``CourseFileErrors`` listing every
    problem found. ``registries`` holds the step types, completion rules and certificate
    templates that loaded plugins add."""
    path = Path(path)
    registries = registries or Registries()
    slug = path.name
    problems = Problems()
    course_file = f"{slug}/course.yaml"
    if not ID_PATTERN.match(slug) or len(slug) > 80:
        problems.add(
            course_file,
            1,
            f'the folder name "{slug}" cannot be a course slug: use up to 80 {ID_HINT}',
        )
    text = read_text(path / "course.yaml", course_file, problems)
    data = parse_yaml(text, course_file, 1, problems) if text is not None else FAILED
    if data is not FAILED and not isinstance(data, YamlMap):
        problems.add(course_file, 1, "course.yaml must hold keys: title, summary, modules...")
        data = FAILED
    if not isinstance(data, YamlMap):
        raise CourseFileErrors(problems.items)

    fields = Fields(data, course_file, problems, COURSE_KEYS)
    ctx = FileContext(course_file, path, registries, problems)
    templates = CORE_CERTIFICATE_TEMPLATES + tuple(sorted(registries.certificate_templates))
    values: dict[str, Any] = {
        "title": fields.text("title"),
        "summary": fields.text("summary", max_length=5000),
        "audience": fields.text("audience", required=False, max_length=300) or "",
        "outcomes": fields.text_list("outcomes"),
        "cpd_hours": fields.number("cpd_hours", 0),
        "participatory": fields.boolean("participatory"),
        "practice_level": fields.choice("practice_level", tuple(PRACTICE_LEVELS)),
        "delivery_mode": fields.choice("delivery_mode", tuple(DELIVERY_MODES)),
        "certificate_template": fields.choice("certificate_template", templates),
        "enrolment": fields.choice("enrolment", ENROLMENT_MODES),
    }
    names = _module_names(fields, path)
    values["completion"] = read_completion(fields, "course", len(names), registries)
    modules = _read_modules(path, names, ctx)
    if problems:
        raise CourseFileErrors(problems.items)
    spec = CourseSpec(
        slug=slug,
        **{**values, "outcomes": tuple(values["outcomes"])},
        modules=tuple(modules),
        files=_used_files(modules),
    )
    return replace(spec, content_hash=_content_hash(spec, path))


def _used_files(modules: list[ModuleSpec]) -> tuple[str, ...]:
    """The course files that video and download steps point at."""
    used = {
        step.config[key]
        for module in modules
        for step in module.steps
        if step.type in ("video", "download")
        for key in ("file", "captions")
        if key in step.config
    }
    return tuple(sorted(used))


def _module_names(fields: Fields, course_dir: Path) -> list[tuple[str, int]]:
    """The ``modules`` list: file names in modules/, each with its line in course.yaml."""
    names = fields.data.get("modules")
    if not isinstance(names, YamlList) or not names:
        where = fields.line("modules") if "modules" in fields.data else fields.data.line
        fields.problem(where, "modules must be a list of at least one file name in modules/")
        return []
    found: list[tuple[str, int]] = []
    seen: dict[str, int] = {}
    modules_dir = (course_dir / "modules").resolve()
    for index, name in enumerate(names):
        line = names.item_line(index)
        if not isinstance(name, str) or not name.endswith(".md") or "/" in name or "\\" in name:
            fields.problem(
                line,
                f"modules entry {describe(name)} must be a file name in "
                'modules/ ending in ".md", like "01-welcome.md"',
            )
        elif name in seen:
            fields.problem(
                line, f'module file "{name}" is listed twice (first at line {seen[name]})'
            )
        elif not (course_dir / "modules" / name).resolve().is_relative_to(modules_dir):
            fields.problem(line, f'module file "{name}" leads outside the modules folder')
        elif not (course_dir / "modules" / name).is_file():
            fields.problem(line, f'module file "modules/{name}" does not exist')
        else:
            seen[name] = line
            found.append((name, line))
    return found


def _read_modules(path: Path, names: list[tuple[str, int]], ctx: FileContext) -> list[ModuleSpec]:
    modules: list[ModuleSpec] = []
    module_ids: dict[str, str] = {}
    step_ids: dict[str, str] = {}
    for name, _line in names:
        file = f"{path.name}/modules/{name}"
        module_ctx = replace(ctx, file=file)
        module = _read_module(path / "modules" / name, module_ctx, step_ids)
        if module is None:
            continue
        if module.key in module_ids:
            ctx.problems.add(
                file,
                module.line,
                f'module id "{module.key}" is already used by {module_ids[module.key]}',
            )
        module_ids.setdefault(module.key, f"{file}:{module.line}")
        modules.append(module)
    return modules


def _read_module(path: Path, ctx: FileContext, step_ids: dict[str, str]) -> ModuleSpec | None:
    problems, file = ctx.problems, ctx.file
    text = read_text(path, file, problems)
    parts = split_module(text, file, problems) if text is not None else None
    if parts is None:
        return None
    front = parse_yaml("\n".join(parts.front), file, 2, problems)
    steps: list[StepSpec] = []
    for block in parts.blocks:
        before = len(problems.items)
        data = parse_yaml("\n".join(block.yaml), file, block.fence_line + 1, problems)
        body_line = block.fence_line + len(block.yaml) + 2
        step = read_step(data, block.fence_line, "\n".join(block.body), body_line, ctx)
        if step is None:
            if len(problems.items) == before:
                problems.add(file, block.fence_line, "this step could not be read")
            continue
        line = data.value_line("id") if isinstance(data, YamlMap) else block.fence_line
        if step.key in step_ids:
            problems.add(
                file, line, f'step id "{step.key}" is already used at {step_ids[step.key]}'
            )
            continue
        step_ids[step.key] = f"{file}:{line}"
        steps.append(step)
    if not parts.blocks and not parts.cut_short:
        problems.add(file, 1, "this module has no steps: add at least one ```step block")
    intro = "\n".join(parts.intro)
    for index, message in markdown_problems(intro):
        problems.add(file, parts.intro_line + index, message)
    if front is FAILED:
        return None
    if not isinstance(front, YamlMap):
        problems.add(
            file,
            1,
            "the front matter must hold keys: id, title (and optionally "
            "summary, content_note, completion)",
        )
        return None
    fields = Fields(front, file, problems, MODULE_KEYS)
    key, title = fields.identifier("id"), fields.text("title")
    summary = fields.text("summary", required=False, max_length=1000) or ""
    note = read_content_note(fields)
    completion = read_completion(fields, "module", len(parts.blocks), ctx.registries)
    if key is None or title is None:
        return None
    return ModuleSpec(
        key=key,
        title=title,
        summary=summary,
        intro=intro.strip("\n"),
        content_note=note,
        completion=completion,
        steps=tuple(steps),
        source=file,
        line=front.value_line("id"),
    )


def _content_hash(spec: CourseSpec, course_dir: Path) -> str:
    """sha256 over the normalised spec and the bytes of every file it uses, so an unchanged
    course is recognised however its files are laid out."""
    data = asdict(spec)
    data.pop("content_hash")
    for module in data["modules"]:
        module.pop("source"), module.pop("line")
        for step in module["steps"]:
            step.pop("source"), step.pop("line")
    digest = hashlib.sha256()
    digest.update(f"render:{RENDER_VERSION}\n".encode())
    digest.update(json.dumps(data, sort_keys=True, ensure_ascii=False, default=str).encode())
    for name in spec.files:
        digest.update(f"\nfile:{name}\n".encode())
        with (course_dir / name).open("rb") as handle:
            for chunk in iter(lambda: handle.read(1 << 16), b""):
                digest.update(chunk)
    return digest.hexdigest()
