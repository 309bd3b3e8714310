"""Helpers for the catalogue tests: copies of the sample course to edit, and row counts."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select

from lms.audit.models import AuditEvent
from lms.catalogue.models import ContentVersion, Course, Module, Step
from lms.extensions import db

DATA = Path(__file__).parent / "data"
SLUG = "sample-course"


def edit(path: Path, old: str, new: str) -> None:
    """Replace the first ``old`` in the file with ``new`` (``old`` must be there)."""
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def line_of(path: Path, needle: str) -> int:
    """The 1-based number of the first line of ``path`` that contains ``needle``."""
    for number, line in enumerate(path.read_text(encoding="utf-8").split("\n"), start=1):
        if needle in line:
            return number
    raise AssertionError(f"{needle!r} not in {path}")


def row_counts() -> dict[str, int]:
    return {
        model.__name__: db.session.scalar(select(func.count()).select_from(model)) or 0
        for model in (Course, Module, Step, ContentVersion, AuditEvent)
    }


def step_block(key: str, path: Path) -> str:
    """The text of step ``key``'s block and body in a module file (to move or remove it)."""
    text = path.read_text(encoding="utf-8")
    start = text.index(f"```step\nid: {key}\n")
    end = text.find("```step\n", start + 1)
    return text[start:] if end == -1 else text[start:end]
