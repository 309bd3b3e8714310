"""The courses shipped in courses/ load without problems and import."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from lms.catalogue.loader import CourseFileErrors, load_course
from lms.catalogue.services import course_folders, import_all

ROOT = Path(__file__).resolve().parents[2] / "courses"
FOLDERS = course_folders(ROOT)


@pytest.mark.skipif(not FOLDERS, reason="no courses in courses/ yet")
@pytest.mark.parametrize("folder", FOLDERS, ids=[folder.name for folder in FOLDERS])
def test_a_real_course_has_no_problems(app: Flask, folder: Path) -> None:
    registries = app.extensions["lms_plugins"].registries
    try:
        spec = load_course(folder, registries)
    except CourseFileErrors as errors:
        pytest.fail("\n".join(errors.problems))
    assert spec.modules and all(module.steps for module in spec.modules)


@pytest.mark.skipif(not FOLDERS, reason="no courses in courses/ yet")
def test_the_real_courses_import_and_reimport_unchanged(app: Flask, db: Any) -> None:
    results = import_all(ROOT)
    assert {r.status for r in results} <= {"created", "updated", "unchanged"}, results
    assert {r.status for r in import_all(ROOT)} == {"unchanged"}
