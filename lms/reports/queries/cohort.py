"""A facilitator's cohort report: the cohort page's progress grid, exported.

The grid itself is ``lms.cohorts.queries.progress_grid``; an export walks it page by page
(a fixed number of queries per page), so a cohort of any size is never held at once.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from lms.cohorts.queries import progress_grid
from lms.reports.filters import Filters
from lms.reports.scope import ReportScope

EXPORT_PAGE = 500
CELL_LABELS = {"done": "Completed", "started": "In progress", "not-started": "Not started"}


def progress_columns(scope: ReportScope) -> tuple[str, ...]:
    """The grid's columns: one per module of the cohort's course."""
    assert scope.cohort is not None
    modules = progress_grid(scope.cohort, 1, per_page=1).modules
    return (
        "Name",
        "Status",
        "Steps done",
        "Steps in the course",
        *(f"Module {i}: {m.title}" for i, m in enumerate(modules, 1)),
        "Last activity",
    )


def progress_rows(scope: ReportScope, _filters: Filters) -> Iterator[tuple[Any, ...]]:
    """Every learner of the cohort, as the grid shows them."""
    assert scope.cohort is not None
    page = 1
    while True:
        grid = progress_grid(scope.cohort, page, per_page=EXPORT_PAGE)
        for row in grid.rows:
            yield (
                row.enrolment.user.display_name,
                row.enrolment.status_label,
                row.steps_done,
                row.steps_total,
                *(CELL_LABELS[cell] for cell in row.cells),
                row.last_activity,
            )
        if not grid.page.has_next:
            return
        page += 1
