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
from lms.db import utcnow
from lms.extensions import db
from lms.progress.models import CourseCompletion
from lms.reports.filters import Filters
from lms.reports.queries import (
    Page,
    enrolment_conditions,
    first_membership,
    member_of_scope,
    paged,
    streamed,
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


def _by_course_query(scope: ReportScope, filters: Filters) -> Any:
    return (
        select(Course.title, *_counts())
        .select_from(Enrolment)
        .join(Cohort, Cohort.id == Enrolment.cohort_id)
        .join(Course, Course.id == Cohort.course_id)
        .where(member_of_scope(Enrolment.user_id, scope), *enrolment_conditions(filters, scope))
        .group_by(Course.id, Course.title)
        .order_by(Course.title, Course.id)
    )


BY_COURSE_COLUMNS = ("Course", *COMPLETION_COLUMNS)


def by_course_page(scope: ReportScope, filters: Filters, number: int) -> Page:
    page = paged(_by_course_query(scope, filters), number)
    page.rows = [_with_percent(tuple(r[:1]), tuple(r[1:])) for r in page.rows]
    return page


def by_course_rows(scope: ReportScope, filters: Filters) -> Iterator[tuple[Any, ...]]:
    for row in streamed(_by_course_query(scope, filters)):
        yield _with_percent(row[:1], row[1:])


BY_COHORT_COLUMNS = ("Cohort", "Course", "Starts on", *COMPLETION_COLUMNS)


def _by_cohort_query(scope: ReportScope, filters: Filters) -> Any:
    return (
        select(Cohort.name, Course.title, Cohort.starts_on, *_counts())
        .select_from(Enrolment)
        .join(Cohort, Cohort.id == Enrolment.cohort_id)
        .join(Course, Course.id == Cohort.course_id)
        .where(member_of_scope(Enrolment.user_id, scope), *enrolment_conditions(filters, scope))
        .group_by(Cohort.id, Cohort.name, Course.title, Cohort.starts_on)
        .order_by(Cohort.starts_on.desc().nulls_last(), Cohort.name, Cohort.id)
    )


def by_cohort_page(scope: ReportScope, filters: Filters, number: int) -> Page:
    page = paged(_by_cohort_query(scope, filters), number)
    page.rows = [_with_percent(tuple(r[:3]), tuple(r[3:])) for r in page.rows]
    return page


def by_cohort_rows(scope: ReportScope, filters: Filters) -> Iterator[tuple[Any, ...]]:
    for row in streamed(_by_cohort_query(scope, filters)):
        yield _with_percent(row[:3], row[3:])


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
        select(year, month if not by_year else year, func.count(Enrolment.id))
        .select_from(Enrolment)
        .join(Cohort, Cohort.id == Enrolment.cohort_id)
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
    row = db.session.execute(
        select(*_counts()[:2])
        .select_from(Enrolment)
        .join(Cohort, Cohort.id == Enrolment.cohort_id)
        .where(member_of_scope(Enrolment.user_id, scope), *enrolment_conditions(filters, scope))
    ).one()
    return int(row[0]), int(row[1])
