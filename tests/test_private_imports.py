"""No area of the core reaches into another area's private (underscore) names."""

from __future__ import annotations

import ast
from pathlib import Path

import lms

ROOT = Path(lms.__file__).parent


def _area(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def test_no_area_imports_another_areas_private_names():
    found = []
    for path in sorted(ROOT.rglob("*.py")):
        module = ".".join(path.relative_to(ROOT.parent).with_suffix("").parts)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.ImportFrom) or not (node.module or "").startswith("lms."):
                continue
            if _area(node.module or "") == _area(module):
                continue
            for alias in node.names:
                if alias.name.startswith("_") and not alias.name.startswith("__"):
                    found.append(f"{module} imports {node.module}.{alias.name}")
    assert not found, "\n".join(found)
