"""``flask lms courses import`` and ``flask lms courses list``."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from flask import Flask

from tests.catalogue.helpers import SLUG, edit, row_counts


def _run(app: Flask, *args: str) -> Any:
    return app.test_cli_runner().invoke(args=["lms", "courses", *args])


def test_import_prints_a_line_per_course_and_is_idempotent(
    app: Flask, db: Any, course_dir: Path
) -> None:
    result = _run(app, "import", str(course_dir))
    assert result.exit_code == 0, result.output
    assert f"created {SLUG}: version 1 (steps: 5 added)" in result.output
    result = _run(app, "import", str(course_dir))
    assert result.exit_code == 0 and f"unchanged {SLUG}: version 1" in result.output


def test_import_reports_every_problem_and_exits_1(app: Flask, db: Any, courses_root: Path) -> None:
    shutil.copytree(courses_root / SLUG, courses_root / "broken-course")
    broken = courses_root / "broken-course"
    edit(broken / "course.yaml", "enrolment: open", "enrolment: closed")
    edit(broken / "modules" / "02-more.md", "    answer: 1", "    answer: 5")
    before = row_counts()
    result = _run(app, "import", str(courses_root))
    assert result.exit_code == 1
    assert "problems broken-course: 2 found, nothing imported" in result.output
    assert "broken-course/course.yaml:11: enrolment must be one of open, cohort" in result.output
    assert (
        "broken-course/modules/02-more.md:32: quiz question 1: answer 5 is out of range "
        "(there are 3 choices)"
    ) in result.output
    assert f"created {SLUG}: version 1" in result.output
    after = row_counts()
    assert (after["Course"], after["Step"]) == (before["Course"] + 1, before["Step"] + 5)


def test_import_defaults_to_the_courses_dir(
    app: Flask, db: Any, courses_root: Path, monkeypatch: Any
) -> None:
    monkeypatch.setitem(app.config, "COURSES_DIR", str(courses_root))
    result = _run(app, "import")
    assert result.exit_code == 0 and f"created {SLUG}" in result.output
    monkeypatch.setitem(app.config, "COURSES_DIR", str(courses_root / "nothing-here"))
    assert "No courses in" in _run(app, "import").output


def test_import_of_a_folder_without_courses_fails(app: Flask, db: Any, tmp_path: Path) -> None:
    result = _run(app, "import", str(tmp_path))
    assert result.exit_code == 1 and "no course.yaml here" in result.output


def test_list_shows_versions_and_counts(app: Flask, db: Any, course_dir: Path) -> None:
    _run(app, "import", str(course_dir))
    edit(course_dir / "course.yaml", "  - 02-more.md\n", "")
    _run(app, "import", str(course_dir / "course.yaml"))
    result = _run(app, "list")
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert lines[0].split() == ["slug", "version", "modules", "steps", "title"]
    row = next(line for line in lines if line.startswith(SLUG))
    assert row.split()[:4] == [SLUG, "2", "1", "3"] and row.endswith("A sample course")
