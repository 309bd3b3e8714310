from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.catalogue.helpers import DATA, SLUG


@pytest.fixture
def courses_root(tmp_path: Path) -> Path:
    """A courses folder holding a fresh copy of the sample course."""
    root = tmp_path / "courses"
    shutil.copytree(DATA / SLUG, root / SLUG)
    return root


@pytest.fixture
def course_dir(courses_root: Path) -> Path:
    return courses_root / SLUG
