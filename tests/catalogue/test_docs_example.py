"""The complete example in docs/courses.md is a valid course."""

from __future__ import annotations

import re
from pathlib import Path

from lms.catalogue.loader import load_course

DOC = Path(__file__).resolve().parents[2] / "docs" / "courses.md"


def test_the_documented_example_loads(tmp_path: Path) -> None:
    text = DOC.read_text(encoding="utf-8")
    folder = tmp_path / "listening-well"
    (folder / "modules").mkdir(parents=True)
    (folder / "files").mkdir()
    course = re.search(
        r"`courses/listening-well/course.yaml`:\n\n```yaml\n(.*?\n)```\n", text, re.S
    )
    assert course is not None
    (folder / "course.yaml").write_text(course.group(1), encoding="utf-8")
    for name in ("01-why-listening-matters.md", "02-practising.md"):
        module = re.search(
            rf"`courses/listening-well/modules/{name}`:\n\n````markdown\n(.*?\n)````\n", text, re.S
        )
        assert module is not None, name
        (folder / "modules" / name).write_text(module.group(1), encoding="utf-8")
    for name in ("listening.webm", "listening.vtt", "listening-handout.pdf"):
        (folder / "files" / name).write_bytes(b"stand-in")
    spec = load_course(folder)
    assert [len(module.steps) for module in spec.modules] == [3, 3]
    assert spec.modules[1].completion == {"rule": "any", "n": 2}
