"""Enrolments of the scope's people, and completion by course, by cohort and over time.

The date range picks enrolments by the day they were made; the completions-over-time
series counts completions by the day they happened.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, case, extract, func, select

from lms.accounts.models import Membership, Organisation, User
from lms.catalogue.models import Course
from lms.cohorts.models import Cohort, Enrolment
from lms.db import request_memo, utcnow
from lms.extensions import db
from lms.progress.models import CourseCompletion
from lms.reports.filters import Filters
from lms.reports.queries import (
    Page,
    enrolment_conditions,
    first_membership,
    member_of_scope,
    page_of,
    paged,
    streamed,
    with_cohort,
)
from lms.reports.queries.people import place
from lms.reports.scope import ReportScope

# -- the list of enrolments ---------------------------------------------------------------

ENROLMENT_COLUMNS = (
    "Name",
    "Service number",
    "Organisation",
    "Course",
    "Cohort",
    "Enrolled on",
    "Status",
    "Completed on",
)


def _enrolments_query(scope: ReportScope, filters: Filters) -> Any:
    return (
        select(
            User.display_name,
            first_membership(User.id, scope, Membership.service_number),
            first_membership(User.id, scope, Organisation.name),
            Course.title,
            Course.retired,
            Cohort.name,
            Enrolment.enrolled_at,
            Enrolment.status,
            Enrolment.completed_at,
            CourseCompletion.completed_at,
        )
        .select_from(Enrolment)
        .join(User, User.id == Enrolment.user_id)
        .join(Cohort, Cohort.id == Enrolment.cohort_id)
        .join(Course, Course.id == Cohort.course_id)
        .outerjoin(
            CourseCompletion,
            and_(
                CourseCompletion.user_id == Enrolment.user_id,
                CourseCompletion.course_id == Cohort.course_id,
            ),
        )
        .where(member_of_scope(Enrolment.user_id, scope), *enrolment_conditions(filters, scope))
        .order_by(User.display_name, User.id, Enrolment.enrolled_at, Enrolment.id)
    )


def _enrolment_row(row: Any) -> tuple[Any, ...]:
    name, number, org, course, retired, cohort, enrolled, status, completed, course_completed = row
    label, finished = place(status, retired, completed, course_completed)
    return (
        name,
        number or "",
        org or "",
        course,
        cohort,
        enrolled.date() if enrolled else None,
        label,
        finished.date() if finished else None,
    )


def enrolments_page(scope: ReportScope, filters: Filters, number: int) -> Page:
    page = paged(_enrolments_query(scope, filters), number)
    page.rows = [_enrolment_row(row) for row in page.rows]
    return page


def enrolment_rows(scope: ReportScope, filters: Filters) -> Iterator[tuple[Any, ...]]:
    for row in streamed(_enrolments_query(scope, filters)):
        yield _enrolment_row(row)


# -- completion by course and by cohort ---------------------------------------------------

COMPLETION_COLUMNS = (
    "Enrolled",
    "Completed",
    "In progress",
    "Withdrawn or deferred",
    "% completed",
)


def _counts() -> list[Any]:
    return [
        func.count(Enrolment.id),
        func.count(case((Enrolment.status == "completed", 1))),
        func.count(case((Enrolment.status.in_(("active", "invited")), 1))),
        func.count(case((Enrolment.status.in_(("withdrawn", "deferred")), 1))),
    ]


def _with_percent(label: tuple[Any, ...], counts: tuple[int, ...]) -> tuple[Any, ...]:
    enrolled, completed = counts[0], counts[1]
    percent = round(100 * completed / enrolled) if enrolled else 0
    return (*label, *counts, percent)


@dataclass(frozen=True)
class CohortCounts:
    """The scope's enrolments on one cohort, counted as ``COMPLETION_COLUMNS`` (without
    the percentage); ``course_rank`` orders the courses by title."""

    name: str
    course: str
    starts_on: date | None
    course_id: int
    course_rank: int
    counts: tuple[int, int, int, int]


def _per_cohort_query(scope: ReportScope, filters: Filters) -> Any:
    counted = (
        with_cohort(select(Enrolment.cohort_id, *_counts()).select_from(Enrolment), filters)
        .where(
            member_of_scope(Enrolment.user_id, scope, person_by_person=True),
            *enrolment_conditions(filters, scope),
        )
        .group_by(Enrolment.cohort_id)
        .subquery()
    )
    return (
        select(
            Cohort.name,
            Course.title,
            Cohort.starts_on,
            Course.id,
            func.dense_rank().over(order_by=(Course.title, Course.id)),
            *list(counted.c)[1:],
        )
        .join(Cohort, Cohort.id == counted.c.cohort_id)
        .join(Course, Course.id == Cohort.course_id)
        .order_by(Cohort.starts_on.desc().nulls_last(), Cohort.name, Cohort.id)
    )


def per_cohort(scope: ReportScope, filters: Filters) -> list[CohortCounts]:
    """The scope's enrolments counted cohort by cohort, latest cohort first: one aggregate
    (once per request), from which the totals and the tables by course and by cohort are
    all drawn, as every count adds up across cohorts."""

    def count() -> list[CohortCounts]:
        rows = db.session.execute(_per_cohort_query(scope, filters))
        return [
            CohortCounts(name, course, starts_on, course_id, rank, (enrolled, done, taking, left))
            for name, course, starts_on, course_id, rank, enrolled, done, taking, left in rows
        ]

    return request_memo(("per_cohort", scope, filters), count)


def _by_course(scope: ReportScope, filters: Filters) -> list[tuple[Any, ...]]:
    courses: dict[int, tuple[int, str, list[int]]] = {}
    for cohort in per_cohort(scope, filters):
        sums = courses.setdefault(
            cohort.course_id, (cohort.course_rank, cohort.course, [0, 0, 0, 0])
        )[2]
        for i, n in enumerate(cohort.counts):
            sums[i] += n
    ordered = sorted(courses.values(), key=lambda course: course[0])
    return [_with_percent((title,), tuple(sums)) for _rank, title, sums in ordered]


def _by_cohort(scope: ReportScope, filters: Filters) -> list[tuple[Any, ...]]:
    return [
        _with_percent((c.name, c.course, c.starts_on), c.counts) for c in per_cohort(scope, filters)
    ]


BY_COURSE_COLUMNS = ("Course", *COMPLETION_COLUMNS)


def by_course_page(scope: ReportScope, filters: Filters, number: int) -> Page:
    return page_of(_by_course(scope, filters), number)


def by_course_rows(scope: ReportScope, filters: Filters) -> Iterator[tuple[Any, ...]]:
    yield from _by_course(scope, filters)


BY_COHORT_COLUMNS = ("Cohort", "Course", "Starts on", *COMPLETION_COLUMNS)


def by_cohort_page(scope: ReportScope, filters: Filters, number: int) -> Page:
    return page_of(_by_cohort(scope, filters), number)


def by_cohort_rows(scope: ReportScope, filters: Filters) -> Iterator[tuple[Any, ...]]:
    yield from _by_cohort(scope, filters)


# -- completions over time ----------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    start: date
    label: str  # "Jan 2026" or "2026"
    count: int


#: More months than this are shown year by year.
MAX_MONTHS = 24


def _months(first: date, last: date) -> list[date]:
    months = []
    current = first.replace(day=1)
    while current <= last:
        months.append(current)
        current = date(current.year + current.month // 12, current.month % 12 + 1, 1)
    return months


def completion_periods(
    scope: ReportScope, filters: Filters, today: date | None = None
) -> list[Period]:
    """Completions per month in the date range (without one: the last 12 months), or per
    year when the range is longer than ``MAX_MONTHS``. One query."""
    today = today or utcnow().date()
    last = filters.date_to or today
    index = last.year * 12 + last.month - 1 - 11  # twelve months, this one included
    first = filters.date_from or date(index // 12, index % 12 + 1, 1)
    first = max(first, date(1900, 1, 1))
    by_year = (last.year - first.year) * 12 + last.month - first.month + 1 > MAX_MONTHS
    conditions = enrolment_conditions(filters, scope, dated=Enrolment.completed_at)
    start, end = datetime(first.year, first.month, 1), filters.ends
    year = extract("year", Enrolment.completed_at)
    month = extract("month", Enrolment.completed_at)
    query = (
        with_cohort(
            select(year, month if not by_year else year, func.count(Enrolment.id)).select_from(
                Enrolment
            ),
            filters,
        )
        .where(
            Enrolment.status == "completed",
            Enrolment.completed_at.is_not(None),
            Enrolment.completed_at >= start,
            member_of_scope(Enrolment.user_id, scope),
            *conditions,
        )
        .group_by(year, month if not by_year else year)
    )
    if end is None:
        query = query.where(
            Enrolment.completed_at
            < datetime(last.year + (last.month == 12), last.month % 12 + 1, 1)
        )
    counts: dict[tuple[int, int], int] = {}
    for y, m, n in db.session.execute(query):
        key = (int(y), 1 if by_year else int(m))
        counts[key] = counts.get(key, 0) + n
    if by_year:
        return [
            Period(date(y, 1, 1), str(y), counts.get((y, 1), 0))
            for y in range(first.year, last.year + 1)
        ]
    return [
        Period(m, m.strftime("%b %Y"), counts.get((m.year, m.month), 0))
        for m in _months(first, last)
    ]


# -- headline figures ---------------------------------------------------------------------


def people_in_scope(scope: ReportScope, filters: Filters) -> int:
    """Distinct people in the scope (or in its cohorts)."""
    if scope.organisation_ids is None and scope.cohort_ids is not None:
        return (
            db.session.scalar(
                select(func.count(func.distinct(Enrolment.user_id))).where(
                    Enrolment.cohort_id.in_(scope.cohort_ids)
                )
            )
            or 0
        )
    query = select(func.count(func.distinct(Membership.user_id)))
    if scope.organisation_ids is not None:
        query = query.where(Membership.organisation_id.in_(scope.organisation_ids))
    return db.session.scalar(query) or 0


def enrolment_totals(scope: ReportScope, filters: Filters) -> tuple[int, int]:
    """Enrolments and how many of them are completed."""
    cohorts = per_cohort(scope, filters)
    return sum(c.counts[0] for c in cohorts), sum(c.counts[1] for c in cohorts)
