"""Every table the reports show and export: its columns and where its rows come from.

A page and its export read the same query through the same scope and filters, so a file
never holds a row the page would not show. Columns and formats: docs/exports.md.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import IO, Any

from lms.accounts.models import Organisation
from lms.extensions import db
from lms.reports.exports import write_csv
from lms.reports.filters import Filters
from lms.reports.queries import attendance, cohort, enrolments, people, regions
from lms.reports.scope import ReportScope, organisation_scope, site_scope

Rows = Callable[[ReportScope, Filters], Iterable[tuple[Any, ...]]]


@dataclass(frozen=True)
class Table:
    """A table offered in some kinds of scope ("organisation", "cohort", "site")."""

    key: str
    title: str
    columns: tuple[str, ...] | Callable[[ReportScope], tuple[str, ...]]
    rows: Rows
    scopes: frozenset[str]

    def headings(self, scope: ReportScope) -> tuple[str, ...]:
        return self.columns(scope) if callable(self.columns) else self.columns


ORGS = frozenset({"organisation"})
ORGS_AND_COHORTS = frozenset({"organisation", "cohort"})

TABLES: dict[str, Table] = {
    table.key: table
    for table in (
        Table(
            "people", "People and their courses", people.PEOPLE_COLUMNS, people.people_rows, ORGS
        ),
        Table(
            "enrolments",
            "Enrolments",
            enrolments.ENROLMENT_COLUMNS,
            enrolments.enrolment_rows,
            ORGS_AND_COHORTS,
        ),
        Table(
            "completion-by-course",
            "Completion by course",
            enrolments.BY_COURSE_COLUMNS,
            enrolments.by_course_rows,
            ORGS,
        ),
        Table(
            "completion-by-cohort",
            "Completion by cohort",
            enrolments.BY_COHORT_COLUMNS,
            enrolments.by_cohort_rows,
            ORGS,
        ),
        Table(
            "attendance",
            "Attendance",
            attendance.ATTENDANCE_COLUMNS,
            attendance.attendance_rows,
            ORGS_AND_COHORTS,
        ),
        Table(
            "attendance-by-session",
            "Attendance by session",
            attendance.BY_SESSION_COLUMNS,
            attendance.by_session_rows,
            ORGS_AND_COHORTS,
        ),
        Table(
            "employer-attendance",
            "Attendance for employers' systems",
            attendance.EMPLOYER_COLUMNS,
            attendance.employer_rows,
            ORGS_AND_COHORTS,
        ),
        Table(
            "progress",
            "Progress",
            cohort.progress_columns,
            cohort.progress_rows,
            frozenset({"cohort"}),
        ),
        Table(
            "regions",
            "By region and sector",
            regions.REGION_COLUMNS,
            regions.region_rows,
            frozenset({"site"}),
        ),
    )
}


def table_for(key: str, scope: ReportScope) -> Table | None:
    table = TABLES.get(key)
    return table if table is not None and scope.kind in table.scopes else None


def export_csv(out: IO[str], key: str = "enrolments", organisation_id: int | None = None) -> int:
    """Write table ``key`` of one organisation (with its units), or of every organisation,
    unfiltered, as CSV to ``out``; returns the number of rows. Needs an app context.

    For commands and the benchmark (``bench/run.py``): exactly what the download sends.
    """
    if organisation_id is None:
        scope = site_scope(None)
        scope = ReportScope(None, "organisation", scope.title)
    else:
        organisation = db.session.get(Organisation, organisation_id)
        if organisation is None:
            raise LookupError(f"No organisation {organisation_id}")
        scope = organisation_scope(None, organisation)
    table = TABLES[key]
    return write_csv(out, table.headings(scope), table.rows(scope, Filters()))
