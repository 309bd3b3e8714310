"""Importing courses: created, unchanged, updated in place; steps keep their ids, retire and
come back; learners' progress and completion are never removed; failures write nothing."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from lms.audit.models import AuditEvent
from lms.catalogue.models import ContentVersion, Course, Module, Step
from lms.catalogue.services import import_all, import_course
from lms.db import utcnow
from lms.extensions import db as _db
from lms.progress.models import CourseCompletion, ModuleCompletion, StepProgress
from tests.catalogue.helpers import SLUG, edit, row_counts, step_block

START = "modules/01-start.md"
MORE = "modules/02-more.md"


def _course() -> Course:
    course = _db.session.scalar(select(Course).where(Course.slug == SLUG))
    assert course is not None
    return course


def _steps() -> dict[str, Step]:
    return {
        s.key: s for s in _db.session.scalars(select(Step).join(Course).where(Course.slug == SLUG))
    }


def _versions() -> list[ContentVersion]:
    return list(
        _db.session.scalars(
            select(ContentVersion)
            .where(ContentVersion.course_id == _course().id)
            .order_by(ContentVersion.version)
        )
    )


def test_a_valid_course_is_created(db: Any, course_dir: Path, create_user: Any) -> None:
    admin = create_user(is_admin=True)
    result = import_course(course_dir, actor=admin)
    assert (result.status, result.version) == ("created", 1)
    assert result.added == ["welcome", "clip", "handout", "think", "check"]

    course = _course()
    assert course.title == "A sample course" and course.content_version == 1
    assert course.outcomes == [
        "Know how course files are read",
        "Know what happens when they change",
    ]
    assert course.completion_rule == {"rule": "all"} and course.audience == "People who write tests"
    assert [m.key for m in course.modules] == ["start", "more"]
    start, more = course.modules
    assert start.intro_html == "<p>An intro with <strong>bold</strong> text.</p>\n"
    assert start.content_note == {"topics": ["testing"], "intensity": "low", "activity": "reading"}
    assert more.completion_rule == {"rule": "any", "n": 1}
    assert [s.key for s in start.steps] == ["welcome", "clip", "handout"]
    steps = _steps()
    assert steps["welcome"].body_html.startswith("<p>Hello and welcome. Here is <a href=")
    assert steps["clip"].config == {"file": "files/clip.webm", "captions": "files/clip.vtt"}
    assert steps["check"].config["questions"][0]["choices"] == ["First", "Second", "Third"]
    assert steps["check"].complete_when == "quiz_passed"
    assert steps["think"].complete_when == "reflection_submitted"

    [version] = _versions()
    assert version.version == 1 and version.content_hash == course.content_hash
    assert version.changes["added"] == result.added
    audit = _db.session.scalar(select(AuditEvent).where(AuditEvent.action == "course.import"))
    assert audit is not None and audit.actor_id == admin.id and audit.subject_id == course.id


def test_importing_the_same_files_again_changes_nothing(db: Any, course_dir: Path) -> None:
    import_course(course_dir)
    before = row_counts()
    result = import_course(course_dir)
    assert (result.status, result.version) == ("unchanged", 1)
    assert row_counts() == before


def test_editing_text_makes_a_new_version_and_keeps_step_ids(db: Any, course_dir: Path) -> None:
    import_course(course_dir)
    ids = {key: step.id for key, step in _steps().items()}
    edit(course_dir / START, "Hello and welcome.", "Hello, and a warm welcome.")
    result = import_course(course_dir)
    assert (result.status, result.version, result.changed) == ("updated", 2, ["welcome"])
    assert {key: step.id for key, step in _steps().items()} == ids
    assert "a warm welcome" in _steps()["welcome"].body_html
    assert [v.changes["changed"] for v in _versions()] == [[], ["welcome"]]


def test_a_changed_media_file_makes_a_new_version(db: Any, course_dir: Path) -> None:
    import_course(course_dir)
    (course_dir / "files" / "clip.webm").write_bytes(b"another clip")
    result = import_course(course_dir)
    assert (result.status, result.version, result.changed) == ("updated", 2, [])


def test_moving_a_step_to_another_module_keeps_its_id(db: Any, course_dir: Path) -> None:
    import_course(course_dir)
    handout = _steps()["handout"]
    handout_id, old_module = handout.id, handout.module_id
    block = step_block("handout", course_dir / START)
    edit(course_dir / START, block, "")
    edit(course_dir / MORE, "```step\nid: check", block + "```step\nid: check")
    result = import_course(course_dir)
    assert result.changed == ["handout"] and result.added == [] and result.retired == []
    _db.session.expire_all()
    moved = _steps()["handout"]
    assert moved.id == handout_id and moved.module_id != old_module
    assert [s.key for s in _course().modules[1].steps] == ["think", "handout", "check"]


def test_a_removed_step_is_retired_and_progress_stays(
    db: Any, course_dir: Path, create_user: Any
) -> None:
    import_course(course_dir)
    learner = create_user()
    course, clip = _course(), _steps()["clip"]
    start_module = course.modules[0]
    _db.session.add_all(
        [
            StepProgress(
                user_id=learner.id, step_id=clip.id, viewed_at=utcnow(), completed_at=utcnow()
            ),
            ModuleCompletion(user_id=learner.id, module_id=start_module.id),
            CourseCompletion(user_id=learner.id, course_id=course.id, content_version=1),
        ]
    )
    _db.session.flush()
    clip_id = clip.id

    edit(course_dir / START, step_block("clip", course_dir / START), "")
    result = import_course(course_dir)
    assert (result.status, result.version, result.retired) == ("updated", 2, ["clip"])
    _db.session.expire_all()
    retired = _db.session.get(Step, clip_id)
    assert retired is not None and retired.retired_at is not None
    assert [s.key for s in _course().modules[0].steps] == ["welcome", "handout"]
    assert _db.session.scalar(select(StepProgress).where(StepProgress.step_id == clip_id))
    assert _db.session.scalar(
        select(ModuleCompletion).where(ModuleCompletion.module_id == start_module.id)
    )
    assert _db.session.scalar(
        select(CourseCompletion).where(CourseCompletion.course_id == course.id)
    )

    shutil.copy(Path(__file__).parent / "data" / SLUG / START, course_dir / START)
    result = import_course(course_dir)
    assert (result.version, result.restored, result.retired) == (3, ["clip"], [])
    _db.session.expire_all()
    restored = _db.session.get(Step, clip_id)
    assert restored is not None and restored.retired_at is None
    assert [v.changes["retired"] for v in _versions()] == [[], ["clip"], []]


def test_a_module_left_out_is_retired_with_its_steps(db: Any, course_dir: Path) -> None:
    import_course(course_dir)
    edit(course_dir / "course.yaml", "  - 02-more.md\n", "")
    result = import_course(course_dir)
    assert result.retired == ["think", "check"]
    _db.session.expire_all()
    more = _db.session.scalar(select(Module).where(Module.key == "more"))
    assert more is not None and more.retired_at is not None
    assert [m.key for m in _course().modules] == ["start"]
    assert _versions()[-1].changes["modules_retired"] == ["more"]

    shutil.copy(Path(__file__).parent / "data" / SLUG / "course.yaml", course_dir / "course.yaml")
    result = import_course(course_dir)
    assert result.restored == ["think", "check"] and result.version == 3
    assert _versions()[-1].changes["modules_restored"] == ["more"]
    _db.session.expire_all()
    assert [m.key for m in _course().modules] == ["start", "more"]


def test_a_failure_while_writing_writes_nothing(
    db: Any, course_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import_course(course_dir)
    before = row_counts()
    edit(course_dir / START, "Hello and welcome.", "Hello again.")

    def broken(*_args: Any, **_kwargs: Any) -> None:
        raise RuntimeError("the audit log is unavailable")

    monkeypatch.setattr("lms.catalogue.services.record", broken)
    with pytest.raises(RuntimeError):
        import_course(course_dir)
    assert row_counts() == before
    assert _course().content_version == 1 and "Hello again" not in _steps()["welcome"].body_html


def test_import_all_imports_the_good_and_reports_the_bad(db: Any, courses_root: Path) -> None:
    shutil.copytree(courses_root / SLUG, courses_root / "broken-course")
    edit(courses_root / "broken-course" / "course.yaml", "cpd_hours: 1.5", "cpd_hours: lots")
    (courses_root / "notes").mkdir()  # no course.yaml: not a course
    seen: list[str] = []
    results = import_all(courses_root, progress=lambda result: seen.append(result.slug))
    assert seen == ["broken-course", SLUG]
    assert [(r.slug, r.status) for r in results] == [
        ("broken-course", "invalid"),
        (SLUG, "created"),
    ]
    assert results[0].problems == [
        "broken-course/course.yaml:6: cpd_hours must be a number of at least 0, not 'lots'"
    ]
    assert _db.session.scalar(select(Course).where(Course.slug == "broken-course")) is None


def test_a_course_whose_folder_is_gone_is_left_alone(db: Any, courses_root: Path) -> None:
    import_all(courses_root)
    shutil.rmtree(courses_root / SLUG)
    assert import_all(courses_root) == []
    course = _course()
    assert course.content_version == 1 and not course.retired
    assert len(_steps()) == 5 and all(s.retired_at is None for s in _steps().values())
