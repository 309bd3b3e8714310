"""The course-structure cache: a hit asks nothing, a new content version or any change made
through a session reads the rows again, and what it hands out can't be changed."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, text, update

from lms.catalogue import structure
from lms.catalogue.models import Course, Module, Step
from lms.catalogue.services import import_course
from lms.db import utcnow
from lms.extensions import db as _db
from lms.testing.fixtures import count_queries
from tests.catalogue.helpers import SLUG, edit

TEXT = {"type": "text"}
NOTE = {"topics": ["grief"], "intensity": "medium", "activity": "reading"}


def _titles(shape: structure.CourseStructure) -> list[str]:
    return [step.title for step in shape.steps]


def _behind_the_sessions_back(sql: str, **params: Any) -> None:
    """Change rows as another process would: on the connection, past the session's events."""
    _db.session.connection().execute(text(sql), params)


def test_the_structure_holds_live_modules_and_steps_in_order(db: Any, create_course: Any) -> None:
    course = create_course(
        modules=[[TEXT, {"type": "quiz", "content_note": NOTE}], [TEXT]],
        module_notes={1: NOTE},
    )
    first, second = course.modules
    first.completion_rule = {"rule": "any", "n": 1}
    _db.session.flush()

    shape = structure.of(course)

    assert (shape.course_id, shape.content_version) == (course.id, course.content_version)
    assert dict(shape.completion_rule) == {"rule": "all"}
    assert [m.key for m in shape.modules] == ["module-1", "module-2"]
    assert dict(shape.modules[0].completion_rule) == {"rule": "any", "n": 1}
    assert shape.modules[0].step_ids == tuple(s.id for s in first.steps)
    assert [s.key for s in shape.steps] == ["m1-step-1", "m1-step-2", "m2-step-1"]
    quiz = shape.step(first.steps[1].id)
    assert quiz is not None
    assert (quiz.type, quiz.complete_when, quiz.module_id) == ("quiz", "quiz_passed", first.id)
    assert quiz.content_note == {"topics": ("grief",), "intensity": "medium", "activity": "reading"}
    assert shape.module(second.id) is shape.modules[1]
    assert shape.modules[1].content_note is not None


def test_retired_modules_and_steps_are_left_out(db: Any, create_course: Any) -> None:
    course = create_course(modules=[[TEXT, TEXT], [TEXT]])
    first, second = course.modules
    first.steps[1].retired_at = second.retired_at = second.steps[0].retired_at = utcnow()
    _db.session.flush()

    shape = structure.of(course)

    assert [m.id for m in shape.modules] == [first.id]
    assert [s.key for s in shape.steps] == ["m1-step-1"]
    assert shape.modules[0].step_ids == (first.steps[0].id,)


def test_a_hit_asks_the_database_nothing(db: Any, create_course: Any) -> None:
    course = create_course(modules=[[TEXT, TEXT]])
    first = structure.of(course)
    with count_queries() as statements:
        again = structure.of(course)
        by_id = structure.for_courses([course.id])
    assert again is first and by_id == {course.id: first}
    assert statements == []


def test_for_courses_asks_one_query_for_versions_it_does_not_hold(
    db: Any, create_course: Any
) -> None:
    ids = [create_course(modules=[[TEXT]]).id for _ in range(3)]
    structure.for_courses(ids)
    _db.session.expire_all()  # the courses' versions are no longer loaded
    with count_queries() as statements:
        found = structure.for_courses([*ids, 987654])
    assert list(found) == ids  # an unknown id is left out
    assert len(statements) == 1


def test_values_handed_out_cannot_be_changed(db: Any, create_course: Any) -> None:
    course = create_course(modules=[[{"type": "text", "content_note": NOTE}]])
    shape = structure.of(course)
    step = shape.steps[0]
    with pytest.raises(dataclasses.FrozenInstanceError):
        step.title = "Changed"  # type: ignore[misc]
    with pytest.raises(TypeError):
        step.content_note["intensity"] = "high"  # type: ignore[index]
    with pytest.raises(TypeError):
        shape.modules[0].completion_rule["rule"] = "any"  # type: ignore[index]
    assert isinstance(shape.steps, tuple) and isinstance(step.content_note["topics"], tuple)
    assert structure.thaw(step.content_note) == NOTE


def test_a_new_content_version_reads_the_rows_again(db: Any, create_course: Any) -> None:
    course = create_course(modules=[[TEXT, TEXT]])
    assert _titles(structure.of(course)) == ["Step 1", "Step 2"]

    # Another process edits a title: without a new version this process keeps what it read.
    _behind_the_sessions_back(
        "UPDATE steps SET title = 'Renamed' WHERE id = :id", id=course.modules[0].steps[0].id
    )
    assert _titles(structure.of(course)) == ["Step 1", "Step 2"]

    # Its import raises the version: the next lookup reads the rows again.
    _behind_the_sessions_back(
        "UPDATE courses SET content_version = content_version + 1 WHERE id = :id", id=course.id
    )
    _db.session.refresh(course)
    with count_queries() as statements:
        shape = structure.of(course)
    assert _titles(shape) == ["Renamed", "Step 2"]
    assert shape.content_version == course.content_version and statements


def test_a_new_content_hash_reads_the_rows_again(db: Any, create_course: Any) -> None:
    course = create_course(modules=[[TEXT]])
    structure.of(course)
    _behind_the_sessions_back("UPDATE steps SET minutes = 42 WHERE course_id = :id", id=course.id)
    _behind_the_sessions_back(
        "UPDATE courses SET content_hash = 'another' WHERE id = :id", id=course.id
    )
    _db.session.refresh(course)
    shape = structure.of(course)
    assert shape.content_hash == "another" and shape.steps[0].minutes == 42


@pytest.mark.parametrize("how", ["object", "orm-statement", "table-statement", "delete"])
def test_a_step_edited_in_this_process_is_read_again(db: Any, create_course: Any, how: str) -> None:
    course = create_course(modules=[[TEXT, TEXT]])
    step = course.modules[0].steps[0]
    assert _titles(structure.of(course)) == ["Step 1", "Step 2"]

    if how == "object":
        step.title = "Edited"
        _db.session.flush()
    elif how == "orm-statement":
        _db.session.execute(update(Step).where(Step.id == step.id).values(title="Edited"))
    elif how == "table-statement":
        _db.session.execute(
            Step.__table__.update().where(Step.__table__.c.id == step.id).values(title="Edited")
        )
    else:
        _db.session.delete(_db.session.get(Step, course.modules[0].steps[1].id))
        _db.session.flush()

    expected = ["Step 1"] if how == "delete" else ["Edited", "Step 2"]
    assert _titles(structure.of(course)) == expected  # same version, same hash


def test_a_module_rule_edited_in_this_process_is_read_again(db: Any, create_course: Any) -> None:
    course = create_course(modules=[[TEXT, TEXT]])
    assert dict(structure.of(course).modules[0].completion_rule) == {"rule": "all"}
    module = _db.session.get(Module, course.modules[0].id)
    assert module is not None
    module.completion_rule = {"rule": "any", "n": 1}
    _db.session.flush()
    assert dict(structure.of(course).modules[0].completion_rule) == {"rule": "any", "n": 1}


def test_a_change_rolled_back_is_forgotten(db: Any, create_course: Any) -> None:
    course = create_course(modules=[[TEXT]])
    structure.of(course)
    savepoint = _db.session.begin_nested()
    _db.session.execute(update(Step).where(Step.course_id == course.id).values(title="Gone"))
    assert _titles(structure.of(course)) == ["Gone"]  # read inside the change
    savepoint.rollback()
    assert _titles(structure.of(course)) == ["Step 1"]


def test_a_change_never_committed_is_forgotten_when_the_session_closes(
    db: Any, create_course: Any
) -> None:
    course = create_course(modules=[[TEXT]])
    course_id, step_id = course.id, course.modules[0].steps[0].id
    _db.session.commit()
    step = _db.session.get(Step, step_id)
    assert step is not None
    step.title = "Never saved"
    _db.session.flush()
    assert _titles(structure.of(course)) == ["Never saved"]  # read inside the change
    _db.session.close()  # the request ends without a commit
    course = _db.session.get(Course, course_id)
    assert course is not None
    assert _titles(structure.of(course)) == ["Step 1"]


def test_a_structure_read_while_a_change_was_made_is_not_kept(
    db: Any, create_course: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    course = create_course(modules=[[TEXT]])
    read = structure._read

    def read_then_change(course_ids: list[int], **kw: Any) -> Any:
        built = read(course_ids, **kw)
        structure.clear()  # another thread's change lands while this one was reading
        return built

    monkeypatch.setattr(structure, "_read", read_then_change)
    structure.of(course)
    monkeypatch.setattr(structure, "_read", read)
    with count_queries() as statements:
        structure.of(course)
    assert statements  # what was read during the change was not kept


def test_an_import_gives_the_new_structure(db: Any, course_dir: Path) -> None:
    assert import_course(course_dir).status == "created"
    course = _db.session.scalar(select(Course).where(Course.slug == SLUG))
    assert course is not None
    before = structure.of(course)
    assert [s.key for s in before.steps] == ["welcome", "clip", "handout", "think", "check"]

    edit(course_dir / "modules/01-start.md", "title: Welcome\n", "title: Hello there\n")
    assert import_course(course_dir).status == "updated"
    after = structure.of(course)
    assert after is not before and after.content_version == before.content_version + 1
    assert after.steps[0].title == "Hello there"
    assert structure.of(course) is after


def test_an_import_by_another_process_gives_the_new_structure(
    db: Any, course_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert import_course(course_dir).status == "created"
    course = _db.session.scalar(select(Course).where(Course.slug == SLUG))
    assert course is not None
    before = structure.of(course)

    # The other process's import: it changes the rows and the version; this process's
    # session sees none of it happen (so nothing is cleared here).
    monkeypatch.setattr(structure, "clear", lambda: None)
    edit(course_dir / "modules/01-start.md", "title: Welcome\n", "title: Hello there\n")
    assert import_course(course_dir).status == "updated"
    assert structure._cache  # still holds the old version
    monkeypatch.undo()

    after = structure.of(course)
    assert after.content_version == before.content_version + 1
    assert after.steps[0].title == "Hello there"
