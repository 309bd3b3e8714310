"""The organisation tree: organisations and the units inside them (units of units too)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from sqlalchemy import select

from lms.accounts.models import Organisation
from lms.extensions import db

Tree = tuple[dict[int, list[int]], dict[int, str]]


_TREE = select(Organisation.id, Organisation.parent_id, Organisation.name).order_by(
    Organisation.name
)


def organisation_tree() -> Tree:
    """Children of every organisation (by name), and every organisation's name: one query
    over the (small) organisations table, as plain rows."""
    children: dict[int, list[int]] = defaultdict(list)
    names: dict[int, str] = {}
    for org_id, parent_id, name in db.session.connection().execute(_TREE):
        names[org_id] = name
        if parent_id is not None:
            children[parent_id].append(org_id)
    return children, names


def with_units(root_ids: Iterable[int], tree: Tree | None = None) -> list[int]:
    """``root_ids`` and every unit below them, roots first."""
    children, _names = tree or organisation_tree()
    found: list[int] = []
    seen: set[int] = set()
    queue = sorted(root_ids)
    while queue:
        org_id = queue.pop(0)
        if org_id in seen:
            continue
        seen.add(org_id)
        found.append(org_id)
        queue.extend(children.get(org_id, []))
    return found
