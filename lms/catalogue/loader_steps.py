"""Checking the parts of course files below the course: content notes, completion rules,
steps (core and plugin types) and the files steps point at."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from lms.catalogue.loader_yaml import (
    FAILED,
    Fields,
    Problems,
    YamlList,
    YamlMap,
    describe,
    plain,
    suggestion,
)
from lms.catalogue.markdown import markdown_problems
from lms.catalogue.models import INTENSITIES
from lms.plugins.manager import CORE_STEP_TYPES, Registries

CORE_STEP_RULES = ("viewed", "marked_done", "quiz_passed", "reflection_submitted")
DEFAULT_COMPLETE_WHEN = {
    "text": "marked_done",
    "video": "marked_done",
    "download": "marked_done",
    "reflection": "reflection_submitted",
    "quiz": "quiz_passed",
}
COMMON_STEP_KEYS = ("id", "type", "title", "minutes", "content_note", "complete_when")
TYPE_KEYS: dict[str, tuple[str, ...]] = {
    "text": (),
    "video": ("file", "captions"),
    "download": ("file",),
    "reflection": (),
    "quiz": ("pass_mark", "questions"),
}
FILE_EXTENSIONS = {
    "video": (".webm", ".mp4"),
    "captions": (".vtt",),
    "download": (".pdf", ".docx", ".odt", ".txt", ".xlsx", ".pptx", ".mp3", ".zip"),
}
BODY_REQUIRED = {
    "text": "a text step needs some text after its ```step block",
    "video": "a video step needs its transcript after its ```step block",
}


@dataclass(frozen=True)
class StepSpec:
    """One step as written in a module file."""

    key: str
    type: str
    title: str
    minutes: int
    body: str  # Markdown
    config: dict[str, Any]
    content_note: dict[str, Any] | None
    complete_when: str
    source: str  # the module file, relative to the courses root
    line: int  # the line of its ```step fence


@dataclass
class FileContext:
    """Where a block of YAML came from, and what checking it needs."""

    file: str  # relative to the courses root, for messages
    course_dir: Path
    registries: Registries
    problems: Problems


def read_content_note(fields: Fields, key: str = "content_note") -> dict[str, Any] | None:
    data = fields.mapping(key)
    if data is None:
        return None
    note = Fields(
        data,
        fields.file,
        fields.problems,
        ("topics", "intensity", "activity"),
        prefix=f"{key}: ",
        line=fields.data.key_line(key),
    )
    topics = note.text_list("topics")
    intensity = note.choice("intensity", tuple(INTENSITIES))
    activity = note.text("activity", max_length=300)
    if topics is None or intensity is None or activity is None:
        return None
    return {"topics": topics, "intensity": intensity, "activity": activity}


def read_completion(
    fields: Fields, level: str, children: int, registries: Registries
) -> dict[str, Any]:
    """A module's or course's ``completion``: ``{rule: all}`` unless the file says more."""
    data = fields.mapping("completion")
    if data is None:
        return {"rule": "all"}
    what = "steps" if level == "module" else "modules"
    rule = data.get("rule")
    if rule == "all":
        Fields(data, fields.file, fields.problems, ("rule",), prefix="completion: ")
        return {"rule": "all"}
    if rule == "any":
        any_fields = Fields(
            data,
            fields.file,
            fields.problems,
            ("rule", "n"),
            prefix="completion: ",
            line=fields.data.key_line("completion"),
        )
        n = any_fields.integer("n", 1, max(children, 1))
        if n is not None and n > children:
            any_fields.problem(any_fields.line("n"), f"n is {n} but there are {children} {what}")
        return {"rule": "any", "n": n}
    if rule == "attendance":
        attendance = Fields(
            data,
            fields.file,
            fields.problems,
            ("rule", "percent"),
            prefix="completion: ",
            line=fields.data.key_line("completion"),
        )
        percent = attendance.integer("percent", 1, 100)
        return (
            {"rule": "attendance", "percent": percent} if percent is not None else {"rule": "all"}
        )
    plugin_rule = registries.completion_rules.get(rule) if isinstance(rule, str) else None
    if plugin_rule is not None and level in plugin_rule[1].levels:
        return {"rule": rule, **plain({k: v for k, v in data.items() if k != "rule"})}
    line = data.value_line("rule") if "rule" in data else fields.data.key_line("completion")
    if rule is None:
        fields.problem(
            line, 'completion: "rule" is required (all, any, attendance, or a plugin\'s rule)'
        )
    elif plugin_rule is not None:
        fields.problem(line, f'completion: rule "{rule}" cannot be used for a {level}')
    else:
        known = ["all", "any", "attendance"] + [
            key for key, (_, r) in sorted(registries.completion_rules.items()) if level in r.levels
        ]
        fields.problem(
            line,
            f"completion: unknown rule {describe(rule)}{suggestion(str(rule), known)}; "
            f"known for a {level}: {', '.join(known)}",
        )
    return {"rule": "all"}


def check_course_file(fields: Fields, key: str, kind: str, ctx: FileContext) -> str | None:
    """A ``file``/``captions`` value: a relative path to a file inside the course folder,
    with an extension allowed for ``kind``."""
    value = fields.text(key, max_length=300)
    if value is None:
        return None
    line = fields.line(key)
    path = PurePosixPath(value)
    if value.startswith(("/", "\\")) or path.is_absolute() or ":" in path.parts[0]:
        fields.problem(
            line,
            f'{key} "{value}" must be a path inside the course folder, like "files/handout.pdf"',
        )
        return None
    if ".." in path.parts or "\\" in value:
        fields.problem(line, f'{key} "{value}" must not use ".." or backslashes')
        return None
    allowed = FILE_EXTENSIONS[kind]
    if path.suffix.lower() not in allowed:
        fields.problem(
            line, f'{key} "{value}" must be one of these kinds of file: {", ".join(allowed)}'
        )
        return None
    root = ctx.course_dir.resolve()
    target = (ctx.course_dir / path).resolve()
    if not target.is_relative_to(root):
        fields.problem(line, f'{key} "{value}" leads outside the course folder (a symlink?)')
        return None
    if not target.is_file():
        fields.problem(line, f'{key} "{value}" does not exist in the course folder')
        return None
    return str(path)


def read_step(
    data: Any, fence_line: int, body: str, body_line: int, ctx: FileContext
) -> StepSpec | None:
    """Check one ```step block and its body; note problems and return what could be read."""
    if data is FAILED:
        return None
    if not isinstance(data, YamlMap):
        ctx.problems.add(
            ctx.file, fence_line, "a ```step block must hold YAML keys (id, type, title, minutes)"
        )
        return None
    step_type = data.get("type")
    plugin_type = ctx.registries.step_types.get(step_type) if isinstance(step_type, str) else None
    allowed: tuple[str, ...] | None = None  # a plugin's type checks its own keys
    if step_type in TYPE_KEYS:
        allowed = COMMON_STEP_KEYS + TYPE_KEYS[step_type]
        for key in data:
            users = [t for t, keys in TYPE_KEYS.items() if key in keys and t != step_type]
            if users and key not in allowed:
                ctx.problems.add(
                    ctx.file,
                    data.key_line(key),
                    f'a {step_type} step has no "{key}" (only {" and ".join(users)} steps do)',
                )
                allowed += (key,)
    fields = Fields(data, ctx.file, ctx.problems, allowed)
    key = fields.identifier("id")
    title = fields.text("title")
    minutes = fields.integer("minutes", 0, 600)
    note = read_content_note(fields)
    known_types = list(CORE_STEP_TYPES) + sorted(ctx.registries.step_types)
    if step_type is None:
        fields.problem(data.line, f'"type" is required (one of {", ".join(known_types)})')
    elif step_type not in TYPE_KEYS and plugin_type is None:
        fields.problem(
            fields.line("type"),
            f"unknown step type {describe(step_type)}{suggestion(str(step_type), known_types)}; "
            f"known types: {', '.join(known_types)}",
        )
    step_type = step_type if step_type in known_types else None
    config = _read_config(fields, step_type, plugin_type, fence_line, ctx)
    complete_when = _read_complete_when(fields, step_type, plugin_type, ctx)
    if step_type in BODY_REQUIRED and not body.strip():
        fields.problem(fence_line, BODY_REQUIRED[step_type])
    for index, message in markdown_problems(body):
        fields.problem(body_line + index, message)
    if None in (key, title, minutes, step_type, config, complete_when):
        return None
    return StepSpec(
        key=str(key),
        type=str(step_type),
        title=str(title),
        minutes=int(minutes or 0),
        body=body.strip("\n"),
        config=config or {},
        content_note=note,
        complete_when=str(complete_when),
        source=ctx.file,
        line=fence_line,
    )


def _read_complete_when(
    fields: Fields, step_type: str | None, plugin_type: Any, ctx: FileContext
) -> str | None:
    if step_type is None:
        return None
    value = fields.data.get("complete_when")
    if value is None:
        if plugin_type is not None:
            return str(plugin_type[1].complete_when)
        return DEFAULT_COMPLETE_WHEN[step_type]
    line = fields.line("complete_when")
    only_for = {"quiz_passed": "quiz", "reflection_submitted": "reflection"}
    if value in only_for:
        if step_type != only_for[value]:
            fields.problem(line, f"complete_when: {value} only works on a {only_for[value]} step")
            return None
        return str(value)
    if value in CORE_STEP_RULES:
        return str(value)
    rule = ctx.registries.completion_rules.get(value) if isinstance(value, str) else None
    if rule is not None and "step" in rule[1].levels:
        return str(value)
    if rule is not None:
        fields.problem(line, f'complete_when: rule "{value}" cannot be used for a step')
        return None
    known = list(CORE_STEP_RULES) + [
        key for key, (_, r) in sorted(ctx.registries.completion_rules.items()) if "step" in r.levels
    ]
    fields.problem(
        line,
        f"complete_when must be one of {', '.join(known)}, not {describe(value)}"
        f"{suggestion(str(value), known)}",
    )
    return None


def _read_config(
    fields: Fields, step_type: str | None, plugin_type: Any, fence_line: int, ctx: FileContext
) -> dict[str, Any] | None:
    if step_type in ("text", "reflection"):
        return {}
    if step_type == "video":
        config = {"file": check_course_file(fields, "file", "video", ctx)}
        if fields.data.get("captions") is not None:
            config["captions"] = check_course_file(fields, "captions", "captions", ctx)
        return None if None in config.values() else config
    if step_type == "download":
        file = check_course_file(fields, "file", "download", ctx)
        return None if file is None else {"file": file}
    if step_type == "quiz":
        return _read_quiz(fields)
    if plugin_type is None:
        return None
    config = plain({k: v for k, v in fields.data.items() if k not in COMMON_STEP_KEYS})
    validate = plugin_type[1].validate
    try:
        messages = list(validate(config)) if validate is not None else []
    except Exception as error:
        messages = [f"the {plugin_type[0]} plugin could not check this step: {error}"]
    for message in messages:
        line = next((fields.line(k) for k in config if str(message).startswith(k)), fence_line)
        fields.problem(line, f"{step_type} step: {message}")
    return None if messages else config


def _read_quiz(fields: Fields) -> dict[str, Any] | None:
    questions = fields.data.get("questions")
    if not isinstance(questions, YamlList) or not questions:
        where = fields.line("questions") if "questions" in fields.data else fields.data.line
        fields.problem(where, "questions must be a list with at least one question")
        fields.integer("pass_mark", 1, 1000)
        return None
    pass_mark = fields.integer("pass_mark", 1, len(questions))
    read = [_read_question(fields, questions, index) for index in range(len(questions))]
    if pass_mark is None or any(q is None for q in read):
        return None
    return {"pass_mark": pass_mark, "questions": read}


def _read_question(fields: Fields, questions: YamlList, index: int) -> dict[str, Any] | None:
    prefix = f"quiz question {index + 1}: "
    data = questions[index]
    if not isinstance(data, YamlMap):
        fields.problems.add(
            fields.file,
            questions.item_line(index),
            prefix + "must have a prompt, choices and an answer",
        )
        return None
    question = Fields(
        data,
        fields.file,
        fields.problems,
        ("prompt", "choices", "answer", "explanation"),
        prefix=prefix,
    )
    prompt = question.text("prompt", max_length=1000)
    choices = question.text_list("choices")
    explanation = question.text("explanation", required=False, max_length=2000)
    if choices is not None and len(choices) < 2:
        question.problem(question.line("choices"), "choices needs at least 2 entries")
        choices = None
    answer = question.data.get("answer")
    if answer is None:
        question.problem(data.line, '"answer" is required (the number of the right choice)')
    elif isinstance(answer, bool) or not isinstance(answer, int):
        question.problem(
            question.line("answer"),
            f"answer must be the number of the right choice, not {describe(answer)}",
        )
        answer = None
    elif choices is not None and not 1 <= answer <= len(choices):
        question.problem(
            question.line("answer"),
            f"answer {answer} is out of range (there are {len(choices)} choices)",
        )
        answer = None
    if prompt is None or choices is None or answer is None:
        return None
    result: dict[str, Any] = {"prompt": prompt, "choices": choices, "answer": answer}
    if explanation:
        result["explanation"] = explanation
    return result
