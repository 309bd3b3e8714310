"""Reading course folders: a valid course gives typed specs; every rule of the format has a
failing input whose problem names the file and line, and nothing is written."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from lms.catalogue.loader import CourseFileErrors, CourseSpec, load_course
from lms.catalogue.services import import_course
from lms.plugins.manager import Registries
from tests.catalogue.helpers import SLUG, edit, line_of, row_counts

COURSE = "course.yaml"
START = "modules/01-start.md"
MORE = "modules/02-more.md"

# (case, file, text to replace, replacement, where the problem is (text on that line, a line
#  number, or (text, lines after it)), what the message says). Kept as a table: one case per
#  two or three lines reads better than ruff's one value per line.
# fmt: off
CASES: list[tuple[str, str, str, str, str | int | tuple[str, int], str]] = [
    ("course-unknown-key", COURSE, "audience:", "audiense:", "audiense",
     'unknown key "audiense" (did you mean "audience"?)'),
    ("course-duplicate-key", COURSE, "cpd_hours: 1.5\n", "cpd_hours: 1.5\ncpd_hours: 2\n",
     "cpd_hours: 2", '"cpd_hours" appears twice (first at line 6)'),
    ("course-title-missing", COURSE, "title: A sample course\n", "", 1, '"title" is required'),
    ("course-title-not-text", COURSE, "title: A sample course", "title: [a, b]", "title:",
     "title must be text, not a list"),
    ("course-invalid-yaml", COURSE, "summary: A small", "summary: [A small", "outcomes",
     "invalid YAML"),
    ("course-outcomes-empty", COURSE, "outcomes:\n  - Know how course files are read\n"
     "  - Know what happens when they change", "outcomes: []", "outcomes",
     "outcomes must be a list with at least one entry"),
    ("course-outcome-not-text", COURSE, "  - Know what happens when they change", "  - yes",
     "  - yes", "outcomes entry 2 must be text"),
    ("course-cpd-negative", COURSE, "cpd_hours: 1.5", "cpd_hours: -1", "cpd_hours",
     "cpd_hours must be a number of at least 0, not -1"),
    ("course-participatory", COURSE, "participatory: false", "participatory: sometimes",
     "participatory", "participatory must be true or false"),
    ("course-practice-level", COURSE, "practice_level: informed", "practice_level: expert",
     "practice_level", "practice_level must be one of informed, skilled, enhanced, specialist"),
    ("course-delivery-mode", COURSE, "delivery_mode: self-paced", "delivery_mode: selfpaced",
     "delivery_mode", 'did you mean "self-paced"?'),
    ("course-certificate", COURSE, "certificate_template: completion",
     "certificate_template: fancy", "certificate_template",
     "certificate_template must be one of completion, attendance, not 'fancy'"),
    ("course-enrolment", COURSE, "enrolment: open", "enrolment: closed", "enrolment:",
     "enrolment must be one of open, cohort"),
    ("course-completion-n", COURSE, "  rule: all", "  rule: any\n  n: 3", "n: 3",
     "completion: n must be a whole number from 1 to 2, not 3"),
    ("course-completion-unknown", COURSE, "  rule: all", "  rule: most", "rule: most",
     "completion: unknown rule 'most'"),
    ("course-completion-extra", COURSE, "  rule: all", "  rule: all\n  n: 1", "  n: 1",
     'completion: unknown key "n"'),
    ("course-module-missing", COURSE, "  - 02-more.md", "  - 03-missing.md", "03-missing",
     'module file "modules/03-missing.md" does not exist'),
    ("course-module-twice", COURSE, "  - 02-more.md", "  - 02-more.md\n  - 01-start.md",
     18, 'module file "01-start.md" is listed twice (first at line 16)'),
    ("course-module-outside", COURSE, "  - 02-more.md", "  - ../course.md", "../course",
     "must be a file name in modules/"),
    ("course-modules-empty", COURSE, "modules:\n  - 01-start.md\n  - 02-more.md",
     "modules: []", "modules:", "modules must be a list of at least one file name"),
    ("module-no-front-matter", START, "---\nid: start", "id: start", 1,
     "the file must start with front matter"),
    ("module-front-matter-open", START, "  activity: reading\n---\n", "  activity: reading\n",
     1, "the front matter that starts here is never closed"),
    ("module-front-matter-yaml", START, "title: Getting started", "title: 'Getting started",
     "title: 'Getting", "invalid YAML"),
    ("module-id-invalid", START, "id: start", "id: Start_Here", "id: Start",
     "id 'Start_Here' is not valid"),
    ("module-id-twice", MORE, "id: more", "id: start", "id: start",
     'module id "start" is already used by sample-course/modules/01-start.md:2'),
    ("module-unknown-key", START, "summary: The first", "sumary: The first", "sumary",
     'unknown key "sumary" (did you mean "summary"?)'),
    ("module-note-intensity", START, "intensity: low", "intensity: extreme", "intensity",
     "content_note: intensity must be one of low, medium, high"),
    ("module-note-topics", START, "  topics: [testing]\n", "", "content_note:",
     'content_note: "topics" is required'),
    ("module-completion-any", MORE, "  n: 1", "  n: 0", "  n: 0",
     "completion: n must be a whole number from 1 to 2, not 0"),
    ("step-fence-open", START, "file: files/handout.pdf\n```", "file: files/handout.pdf",
     ("id: handout", -1), "this ```step block is never closed"),
    ("step-fence-tilde", START, "```step\nid: welcome", "~~~step\nid: welcome", "~~~step",
     "a step must start with a line ```step exactly"),
    ("code-fence-open", START, 'print("a code block is part of the body")\n```',
     'print("a code block is part of the body")', ("id: clip", -1),
     "this ```step is inside the code block opened at line 20: is that block missing its "
     "closing ```?"),
    ("code-fence-open-at-end", START, "A page to print.", "```\nA page to print.",
     ("A page to print.", -1), "this code block is never closed"),
    ("step-yaml-invalid", START, "title: Welcome", "title: Welcome: again", "Welcome: again",
     "invalid YAML"),
    ("step-yaml-not-mapping", START, "id: welcome\ntype: text\ntitle: Welcome\nminutes: 5",
     "- just a list", ("- just a list", -1), "a ```step block must hold YAML keys"),
    ("step-id-invalid", START, "id: welcome", "id: -welcome", "-welcome",
     "id '-welcome' is not valid"),
    ("step-id-twice", MORE, "id: think", "id: welcome", "id: welcome",
     'step id "welcome" is already used at sample-course/modules/01-start.md:13'),
    ("step-type-unknown", START, "type: video", "type: vidoe", "vidoe",
     "unknown step type 'vidoe' (did you mean \"video\"?)"),
    ("step-type-missing", START, "type: text\n", "", "id: welcome", '"type" is required'),
    ("step-title-missing", START, "title: Welcome\n", "", "id: welcome", '"title" is required'),
    ("step-minutes-range", START, "minutes: 5", "minutes: 700", "minutes: 700",
     "minutes must be a whole number from 0 to 600, not 700"),
    ("step-minutes-text", START, "minutes: 5", "minutes: five", "minutes: five",
     "minutes must be a whole number from 0 to 600, not 'five'"),
    ("step-key-for-other-type", START, "minutes: 5", "minutes: 5\nfile: files/handout.pdf",
     "file: files/handout.pdf", 'a text step has no "file" (only video and download steps do)'),
    ("step-note-activity", MORE, "  activity: private writing\n", "", "content_note:",
     'content_note: "activity" is required'),
    ("step-complete-when-quiz", START, "minutes: 5", "minutes: 5\ncomplete_when: quiz_passed",
     "complete_when", "complete_when: quiz_passed only works on a quiz step"),
    ("step-complete-when-reflection", MORE, "pass_mark: 1",
     "pass_mark: 1\ncomplete_when: reflection_submitted", "complete_when",
     "complete_when: reflection_submitted only works on a reflection step"),
    ("step-complete-when-unknown", START, "minutes: 5", "minutes: 5\ncomplete_when: seen",
     "complete_when", "complete_when must be one of viewed, marked_done"),
    ("video-file-missing", START, "file: files/clip.webm", "file: files/other.webm",
     "other.webm", 'file "files/other.webm" does not exist in the course folder'),
    ("video-file-required", START, "file: files/clip.webm\n", "", "id: clip",
     '"file" is required'),
    ("video-file-absolute", START, "file: files/clip.webm", "file: /etc/clip.webm",
     "/etc/clip", 'file "/etc/clip.webm" must be a path inside the course folder'),
    ("video-file-dotdot", START, "file: files/clip.webm", "file: files/../../clip.webm",
     "../../", 'must not use ".." or backslashes'),
    ("video-file-extension", START, "file: files/clip.webm", "file: files/handout.pdf",
     "file: files/handout.pdf",
     'file "files/handout.pdf" must be one of these kinds of file: .webm, .mp4'),
    ("video-captions-extension", START, "captions: files/clip.vtt",
     "captions: files/clip.webm", "captions", "must be one of these kinds of file: .vtt"),
    ("video-transcript-empty", START, "The transcript of the clip.\n", "", ("id: clip", -1),
     "a video step needs its transcript"),
    ("download-extension", START, "file: files/handout.pdf", "file: files/clip.vtt",
     "file: files/clip.vtt", "must be one of these kinds of file: .pdf, .docx"),
    ("text-body-empty", START, "Hello and welcome. Here is [a link](https://example.org).\n\n"
     '```python\nprint("a code block is part of the body")\n```\n', "",
     ("id: welcome", -1), "a text step needs some text"),
    ("body-html", START, "Hello and welcome.", "Hello and <b>welcome</b>.", "Hello and",
     'HTML is not allowed in course text; use Markdown instead (found "<b>")'),
    ("body-image", MORE, "What did you notice?", "What did you notice?\n\n![A chart](c.png)",
     "![A chart]", "images are not supported in course text"),
    ("body-link-relative", START, "(https://example.org)", "(files/handout.pdf)",
     "Here is [a link]", 'link to "files/handout.pdf" would be removed'),
    ("intro-link-script", START, "An intro with", "[Click](javascript:alert(1)) An intro with",
     "[Click]", 'link to "javascript:alert(1)" would be removed'),
    ("quiz-answer-range", MORE, "    answer: 1", "    answer: 5", "answer: 5",
     "quiz question 1: answer 5 is out of range (there are 3 choices)"),
    ("quiz-answer-missing", MORE, "    answer: 2\n", "", "Which comes second",
     'quiz question 2: "answer" is required'),
    ("quiz-answer-text", MORE, "    answer: 2", "    answer: Second", "answer: Second",
     "quiz question 2: answer must be the number of the right choice"),
    ("quiz-pass-mark", MORE, "pass_mark: 1", "pass_mark: 3", "pass_mark",
     "pass_mark must be a whole number from 1 to 2, not 3"),
    ("quiz-pass-mark-missing", MORE, "pass_mark: 1\n", "", "id: check",
     '"pass_mark" is required'),
    ("quiz-one-choice", MORE, "choices: [First, Second]", "choices: [First]", "[First]",
     "quiz question 2: choices needs at least 2 entries"),
    ("quiz-choice-not-text", MORE, "choices: [First, Second]", "choices: [First, no]",
     "[First, no]", "quiz question 2: choices entry 2 must be text, not yes/no (false)"),
    ("quiz-prompt-missing", MORE, "  - prompt: Which comes second?\n    choices",
     "  - choices", "- choices: [First", 'quiz question 2: "prompt" is required'),
    ("quiz-question-key", MORE, "    explanation: It is", "    explantion: It is",
     "explantion", 'quiz question 1: unknown key "explantion" (did you mean "explanation"?)'),
    ("quiz-no-questions", MORE, "questions:\n", "questions: []\nold:\n", "questions: []",
     "questions must be a list with at least one question"),
]
# fmt: on


def _problems(path: Path, registries: Registries | None = None) -> list[str]:
    with pytest.raises(CourseFileErrors) as caught:
        load_course(path, registries)
    return caught.value.problems


def test_the_sample_course_loads(course_dir: Path) -> None:
    spec = load_course(course_dir)
    assert isinstance(spec, CourseSpec)
    assert spec.slug == SLUG and spec.cpd_hours == 1.5 and spec.completion == {"rule": "all"}
    assert [m.key for m in spec.modules] == ["start", "more"]
    assert [s.key for s in spec.steps] == ["welcome", "clip", "handout", "think", "check"]
    assert [s.complete_when for s in spec.steps] == [
        "marked_done",
        "marked_done",
        "marked_done",
        "reflection_submitted",
        "quiz_passed",
    ]
    welcome, clip, handout, think, check = spec.steps
    assert welcome.body.startswith("Hello and welcome.") and "```python" in welcome.body
    assert clip.config == {"file": "files/clip.webm", "captions": "files/clip.vtt"}
    assert handout.config == {"file": "files/handout.pdf"}
    assert think.content_note == {
        "topics": ["your own work"],
        "intensity": "low",
        "activity": "private writing",
    }
    assert check.config["pass_mark"] == 1
    assert check.config["questions"][1] == {
        "prompt": "Which comes second?",
        "choices": ["First", "Second"],
        "answer": 2,
    }
    assert spec.modules[1].completion == {"rule": "any", "n": 1}
    assert spec.files == ("files/clip.vtt", "files/clip.webm", "files/handout.pdf")
    assert len(spec.content_hash) == 64
    assert load_course(course_dir).content_hash == spec.content_hash


@pytest.mark.parametrize(
    ("file", "old", "new", "at", "message"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_each_rule_reports_file_and_line_and_writes_nothing(
    db: Any,
    course_dir: Path,
    file: str,
    old: str,
    new: str,
    at: str | int | tuple[str, int],
    message: str,
) -> None:
    edit(course_dir / file, old, new)
    if isinstance(at, tuple):
        line = line_of(course_dir / file, at[0]) + at[1]
    else:
        line = at if isinstance(at, int) else line_of(course_dir / file, at)
    before = row_counts()
    problems = _problems(course_dir)
    expected = f"{SLUG}/{file}:{line}: "
    assert any(p.startswith(expected) and message in p for p in problems), (expected, problems)
    with pytest.raises(CourseFileErrors):
        import_course(course_dir)
    assert row_counts() == before


def test_all_problems_are_reported_together(course_dir: Path) -> None:
    edit(course_dir / COURSE, "enrolment: open", "enrolment: closed")
    edit(course_dir / START, "minutes: 5", "minutes: -1")
    edit(course_dir / MORE, "    answer: 1", "    answer: 4")
    problems = _problems(course_dir)
    assert [p.split(": ")[0] for p in problems] == [
        f"{SLUG}/course.yaml:11",
        f"{SLUG}/{START}:16",
        f"{SLUG}/{MORE}:32",
    ]


def test_empty_and_badly_encoded_files(course_dir: Path) -> None:
    (course_dir / START).write_text("  \n", encoding="utf-8")
    (course_dir / MORE).write_bytes(b"---\nid: more\ntitle: Caf\xe9\n---\n")
    assert _problems(course_dir) == [
        f"{SLUG}/{START}:1: the file is empty",
        f"{SLUG}/{MORE}:3: the file is not UTF-8 text (byte 0xe9 cannot be read); "
        "save it with UTF-8 encoding",
    ]


def test_empty_course_yaml_and_missing_course_yaml(course_dir: Path) -> None:
    (course_dir / COURSE).write_text("", encoding="utf-8")
    assert _problems(course_dir) == [f"{SLUG}/course.yaml:1: the file is empty"]
    (course_dir / COURSE).unlink()
    assert _problems(course_dir) == [f"{SLUG}/course.yaml:1: course.yaml is missing"]


def test_course_yaml_must_be_a_mapping(course_dir: Path) -> None:
    (course_dir / COURSE).write_text("- title\n", encoding="utf-8")
    assert _problems(course_dir) == [
        f"{SLUG}/course.yaml:1: course.yaml must hold keys: title, summary, modules..."
    ]


def test_folder_name_must_be_a_slug(course_dir: Path) -> None:
    bad = course_dir.rename(course_dir.parent / "Sample_Course")
    assert _problems(bad)[0].startswith("Sample_Course/course.yaml:1: the folder name")


def test_crlf_line_endings_and_a_bom_are_fine(course_dir: Path) -> None:
    for name in (COURSE, START, MORE):
        text = (course_dir / name).read_text(encoding="utf-8")
        (course_dir / name).write_bytes(b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode())
    assert [s.key for s in load_course(course_dir).steps][:2] == ["welcome", "clip"]


def test_a_symlink_leaving_the_course_folder_is_refused(course_dir: Path, tmp_path: Path) -> None:
    outside = tmp_path / "secret.pdf"
    outside.write_bytes(b"%PDF-1.4 private")
    (course_dir / "files" / "escape.pdf").symlink_to(outside)
    edit(course_dir / START, "file: files/handout.pdf", "file: files/escape.pdf")
    line = line_of(course_dir / START, "escape.pdf")
    assert (
        f'{SLUG}/{START}:{line}: file "files/escape.pdf" leads outside the course folder '
        "(a symlink?)" in _problems(course_dir)
    )


def test_a_symlinked_module_file_leaving_the_folder_is_refused(
    course_dir: Path, tmp_path: Path
) -> None:
    outside = tmp_path / "elsewhere.md"
    outside.write_text((course_dir / MORE).read_text(encoding="utf-8"), encoding="utf-8")
    (course_dir / MORE).unlink()
    (course_dir / MORE).symlink_to(outside)
    assert _problems(course_dir) == [
        f'{SLUG}/course.yaml:17: module file "02-more.md" leads outside the modules folder'
    ]


def test_changing_a_referenced_file_changes_the_hash(course_dir: Path) -> None:
    before = load_course(course_dir).content_hash
    (course_dir / "files" / "handout.pdf").write_bytes(b"%PDF-1.4 new")
    assert load_course(course_dir).content_hash != before


def _plugin_registries() -> Registries:
    from tests.catalogue.plugin_poll import PollPlugin

    plugin = PollPlugin("poll")
    registries = Registries()
    for step_type in plugin.lms_step_types():
        registries.step_types[step_type.key] = ("poll", step_type)
    for rule in plugin.lms_completion_rules():
        registries.completion_rules[rule.key] = ("poll", rule)
    for template in plugin.lms_certificate_templates():
        registries.certificate_templates[template.key] = ("poll", template)
    return registries


POLL_STEP = """```step
id: vote
type: poll
title: Have your say
minutes: 2
options: [Yes please, Not now]
```
Which do you prefer?

"""


def test_plugin_step_types_rules_and_templates_from_the_registries(course_dir: Path) -> None:
    edit(course_dir / START, "```step\nid: welcome", POLL_STEP + "```step\nid: welcome")
    edit(course_dir / START, "minutes: 5", "minutes: 5\ncomplete_when: voted")
    edit(course_dir / COURSE, "rule: all", "rule: most\n  threshold: 2")
    edit(
        course_dir / COURSE,
        "certificate_template: completion",
        "certificate_template: poll-certificate",
    )
    assert any("unknown step type 'poll'" in p for p in _problems(course_dir))

    spec = load_course(course_dir, _plugin_registries())
    vote = next(step for step in spec.steps if step.key == "vote")
    assert vote.type == "poll" and vote.complete_when == "viewed"
    assert vote.config == {"options": ["Yes please", "Not now"]}
    assert next(s for s in spec.steps if s.key == "welcome").complete_when == "voted"
    assert spec.completion == {"rule": "most", "threshold": 2}
    assert spec.certificate_template == "poll-certificate"


def test_a_plugin_step_types_validate_is_called(course_dir: Path) -> None:
    edit(course_dir / START, "```step\nid: welcome", POLL_STEP + "```step\nid: welcome")
    edit(course_dir / START, "options: [Yes please, Not now]", "options: [Alone]\ncolour: red")
    problems = _problems(course_dir, _plugin_registries())
    assert problems == [
        f"{SLUG}/{START}:{line_of(course_dir / START, 'options: [Alone]')}: "
        "poll step: options must be a list of at least 2 choices",
        f'{SLUG}/{START}:{line_of(course_dir / START, "```step")}: poll step: unknown key "colour"',
    ]


def test_a_rule_for_another_level_is_refused(course_dir: Path) -> None:
    edit(course_dir / START, "minutes: 5", "minutes: 5\ncomplete_when: most")
    edit(course_dir / MORE, "rule: any\n  n: 1", "rule: voted")
    problems = _problems(course_dir, _plugin_registries())
    assert problems == [
        f"{SLUG}/{START}:{line_of(course_dir / START, 'complete_when')}: "
        'complete_when: rule "most" cannot be used for a step',
        f'{SLUG}/{MORE}:5: completion: rule "voted" cannot be used for a module',
    ]


def test_a_module_needs_a_step(course_dir: Path) -> None:
    (course_dir / MORE).write_text(
        "---\nid: more\ntitle: More\n---\nJust words.\n", encoding="utf-8"
    )
    assert _problems(course_dir) == [
        f"{SLUG}/{MORE}:1: this module has no steps: add at least one ```step block"
    ]


def test_a_misspelt_step_fence_is_still_read_as_a_step(course_dir: Path) -> None:
    edit(course_dir / START, "```step\nid: welcome", "```Step\nid: welcome")
    edit(course_dir / START, "minutes: 5", "minutes: 900")
    assert _problems(course_dir) == [
        f'{SLUG}/{START}:12: a step must start with a line ```step exactly, not "```Step"',
        f"{SLUG}/{START}:16: minutes must be a whole number from 0 to 600, not 900",
    ]
