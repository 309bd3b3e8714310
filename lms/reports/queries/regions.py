"""Across organisations, by region and sector (organisation type): aggregate figures only.

Small numbers could identify people, so (docs/reports.md, "Small numbers"):

1. a group (region x sector) of fewer than 5 people shows "fewer than 5" people and
   nothing else;
2. in the other groups any count from 1 to 4 shows "fewer than 5";
3. every other count, totals included, is rounded to the nearest 5, so no suppressed
   count can be worked out by subtracting the others from a total;
4. the share completing is shown only when both counts behind it are 5 or more.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import case, func, select

from lms.accounts.models import ORGANISATION_TYPES, Membership, Organisation
from lms.cohorts.models import Enrolment
from lms.extensions import db
from lms.reports.filters import Filters
from lms.reports.queries import enrolment_conditions, with_cohort
from lms.reports.scope import ReportScope

SMALL = 5
FEWER = "fewer than 5"
HIDDEN = "not shown"

REGION_COLUMNS = ("Region", "Sector", "People", "Enrolments", "Completed", "% completed")


def shown(count: int) -> int | str:
    """A count as it may be shown: "fewer than 5" for 1-4, else rounded to the nearest 5."""
    if 0 < count < SMALL:
        return FEWER
    return int(SMALL * round(count / SMALL))


def share(part: int, whole: int) -> int | str:
    if part < SMALL or whole < SMALL:
        return HIDDEN
    return round(100 * part / whole)


@dataclass(frozen=True)
class RegionRow:
    region: str
    sector: str
    people: int | str
    enrolments: int | str
    completed: int | str
    percent: int | str

    def cells(self) -> tuple[Any, ...]:
        return (
            self.region,
            self.sector,
            self.people,
            self.enrolments,
            self.completed,
            self.percent,
        )


def _group_row(region: str, sector: str, people: int, enrolled: int, done: int) -> RegionRow:
    label = ORGANISATION_TYPES.get(sector, sector)
    if people < SMALL:
        return RegionRow(region, label, FEWER if people else 0, HIDDEN, HIDDEN, HIDDEN)
    return RegionRow(
        region, label, shown(people), shown(enrolled), shown(done), share(done, enrolled)
    )


def region_table(scope: ReportScope, filters: Filters) -> tuple[list[RegionRow], RegionRow]:
    """Each region and sector with people, then the total row. Two queries."""
    group = (Organisation.region, Organisation.type)
    people = {
        (region, sector): n
        for region, sector, n in db.session.execute(
            select(*group, func.count(func.distinct(Membership.user_id)))
            .join(Organisation, Organisation.id == Membership.organisation_id)
            .group_by(*group)
        )
    }
    enrolled: dict[tuple[str, str], tuple[int, int]] = {}
    for region, sector, n, done in db.session.execute(
        with_cohort(
            select(
                *group,
                func.count(func.distinct(Enrolment.id)),
                func.count(func.distinct(case((Enrolment.status == "completed", Enrolment.id)))),
            ).select_from(Enrolment),
            filters,
        )
        .join(Membership, Membership.user_id == Enrolment.user_id)
        .join(Organisation, Organisation.id == Membership.organisation_id)
        .where(*enrolment_conditions(filters, scope))
        .group_by(*group)
    ):
        enrolled[(region, sector)] = (n, done)
    rows = [
        _group_row(region, sector, n, *enrolled.get((region, sector), (0, 0)))
        for (region, sector), n in sorted(
            people.items(), key=lambda item: (item[0][0], ORGANISATION_TYPES.get(item[0][1], ""))
        )
    ]
    total_people = _distinct_people()
    total_enrolled, total_done = _totals(scope, filters)
    total = RegionRow(
        "All regions",
        "All sectors",
        shown(total_people),
        shown(total_enrolled),
        shown(total_done),
        share(total_done, total_enrolled),
    )
    return rows, total


def _distinct_people() -> int:
    return db.session.scalar(select(func.count(func.distinct(Membership.user_id)))) or 0


def _totals(scope: ReportScope, filters: Filters) -> tuple[int, int]:
    """Enrolments of people in any organisation, counted once each."""
    row = db.session.execute(
        with_cohort(
            select(
                func.count(Enrolment.id),
                func.count(case((Enrolment.status == "completed", 1))),
            ).select_from(Enrolment),
            filters,
        ).where(
            Enrolment.user_id.in_(select(Membership.user_id)),
            *enrolment_conditions(filters, scope),
        )
    ).one()
    return int(row[0]), int(row[1])


def region_rows(scope: ReportScope, filters: Filters) -> Iterator[tuple[Any, ...]]:
    rows, total = region_table(scope, filters)
    for row in rows:
        yield row.cells()
    yield total.cells()
