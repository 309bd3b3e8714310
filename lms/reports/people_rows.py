"""Rows of the people report (an organisation's people and their courses), drawn once per
person and record version and kept in the process.

What a row shows of a person changes rarely: their name, memberships, places and completed
courses, and the names of those organisations and courses. The database bumps the person's
``users.record_version`` whenever any of these change (triggers, whatever makes the change),
so a row drawn at one version stays true until the version moves. An unfiltered page then
costs one statement (who is on the page, at which version, and the headcount) and no
drawing when its rows are kept; otherwise the page is read and drawn as before, and the rows
are kept for next time. Filtered pages (a course, a cohort, dates) are always read afresh.

Rows are kept only from read-only requests, at the version read in the same statement as
the row (so a row is never newer or older than its version), and at most ``KEEP`` of them,
the least recently used going first.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence

from markupsafe import Markup

from lms.db import database_key, writing
from lms.reports.filters import Filters
from lms.reports.queries import Page, filter_shape, people
from lms.reports.scope import ReportScope

#: Rows kept per process (a few hundred bytes each).
KEEP = 20_000

_rows: OrderedDict[Hashable, Markup] = OrderedDict()
_lock = threading.Lock()


def clear() -> None:
    """Forget every row kept (of every app in the process)."""
    with _lock:
        _rows.clear()


def _kept(keys: Sequence[Hashable]) -> list[Markup | None]:
    with _lock:
        found = [_rows.get(key) for key in keys]
        for key, row in zip(keys, found, strict=True):
            if row is not None:
                _rows.move_to_end(key)
        return found


def _keep(key: Hashable, row: Markup) -> None:
    with _lock:
        _rows[key] = row
        _rows.move_to_end(key)
        while len(_rows) > KEEP:
            _rows.popitem(last=False)


def joined(rows: Sequence[Markup]) -> Markup:
    """The rows of a page as one piece of HTML."""
    # Safe: each row is Markup, drawn by the template (the template escaping each of them
    # again as it joins them costs more than the rest of a kept page's table).
    return Markup("".join(rows))  # noqa: S704


def people_page(
    scope: ReportScope,
    filters: Filters,
    number: int,
    draw: Callable[[list[people.PersonRow]], list[Markup]],
    *,
    context: Hashable = (),
) -> people.PeopleTable:
    """Page ``number`` of the scope's people as rows (Markup) drawn by ``draw``, which is
    given the people whose rows are not kept. ``context`` is whatever else the drawing
    depends on (e.g. the organisation whose page it is)."""
    keeps = scope.organisation_ids is not None and not any(filter_shape(filters, scope))
    place = (database_key(), context, tuple(sorted(scope.organisation_ids or ())))
    if keeps:
        versions = people.people_versions(scope, number)
        kept = _kept([(*place, *person) for person in versions.page.rows])
        if all(row is not None for row in kept):
            page = versions.page
            return people.PeopleTable(
                Page(kept, page.number, page.per_page, page.has_next), versions.total
            )
    table = people.people_table(scope, filters, number)
    keys = [(*place, person.user_id, person.version) for person in table.page.rows]
    rows: list[Markup | None] = _kept(keys) if keeps else [None] * len(keys)
    missing = [i for i, row in enumerate(rows) if row is None]
    drawn = draw([table.page.rows[i] for i in missing]) if missing else []
    for i, row in zip(missing, drawn, strict=True):
        rows[i] = row
        if keeps and not writing():
            _keep(keys[i], row)
    page = table.page
    return people.PeopleTable(Page(rows, page.number, page.per_page, page.has_next), table.total)
