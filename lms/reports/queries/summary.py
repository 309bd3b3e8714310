"""The headline figures at the top of a dashboard.

Each figure is one query. To add one, write its function (here or in a queries module)
and add a ``Figure`` to ``FIGURES``; the dashboard and its tests pick it up from there.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from lms.reports.filters import Filters
from lms.reports.queries import attendance, certificates, enrolments
from lms.reports.scope import ReportScope


@dataclass(frozen=True)
class Figure:
    key: str
    label: str
    value: Callable[[ReportScope, Filters], int]


@dataclass(frozen=True)
class FigureValue:
    key: str
    label: str
    value: int


def _enrolled(scope: ReportScope, filters: Filters) -> int:
    return enrolments.enrolment_totals(scope, filters)[0]


def _completed(scope: ReportScope, filters: Filters) -> int:
    return enrolments.enrolment_totals(scope, filters)[1]


FIGURES: tuple[Figure, ...] = (
    Figure("people", "People", enrolments.people_in_scope),
    Figure("enrolments", "Enrolments", _enrolled),
    Figure("completed", "Completed", _completed),
    Figure("attended", "Places at sessions attended", attendance.sessions_attended),
    Figure("certificates", "Certificates issued", certificates.certificates_issued),
)


def figures(scope: ReportScope, filters: Filters) -> list[FigureValue]:
    return [FigureValue(f.key, f.label, f.value(scope, filters)) for f in FIGURES]
