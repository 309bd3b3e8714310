"""Read models of the reports, one module per subject.

Every page function runs a fixed number of queries whatever the rows, selects only the
columns it shows, and pages with LIMIT/OFFSET (one row more than the page tells whether
there is a next one, so no page counts a large join). Every ``*_rows`` function yields
plain tuples for exports, fetched in chunks (``yield_per``), never all at once.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import ColumnElement, bindparam, exists, select, true

from lms.accounts.models import Membership
from lms.cohorts.models import Cohort, Enrolment
from lms.extensions import db
from lms.reports.filters import Filters
from lms.reports.scope import ReportScope

PER_PAGE = 50
#: Rows fetched from the database at a time by exports.
CHUNK = 1000
#: The deepest page offered (a bigger number is the last page anyone could want).
MAX_PAGE = 100_000


@dataclass
class Page:
    """One page of a table: its rows, and whether there are pages around it."""

    rows: list[Any]
    number: int
    per_page: int
    has_next: bool

    @property
    def has_prev(self) -> bool:
        return self.number > 1

    @property
    def first_row(self) -> int:
        return (self.number - 1) * self.per_page + 1


def paged(query: Any, number: int, per_page: int = PER_PAGE) -> Page:
    """Run ``query`` for page ``number`` (from 1): one query, one row more than the page."""
    number = min(max(number, 1), MAX_PAGE)
    rows = db.session.execute(query.limit(per_page + 1).offset((number - 1) * per_page)).all()
    return Page(list(rows[:per_page]), number, per_page, len(rows) > per_page)


def page_of(rows: Sequence[Any], number: int, per_page: int = PER_PAGE) -> Page:
    """Page ``number`` (from 1) of rows already at hand, as ``paged`` gives it."""
    number = min(max(number, 1), MAX_PAGE)
    first = (number - 1) * per_page
    return Page(
        list(rows[first : first + per_page]), number, per_page, len(rows) > first + per_page
    )


def streamed(query: Any) -> Iterator[tuple[Any, ...]]:
    """The rows of ``query`` as tuples, fetched ``CHUNK`` at a time (a server-side cursor
    on PostgreSQL), so an export never holds all of them."""
    result = db.session.execute(query.execution_options(yield_per=CHUNK))
    for partition in result.partitions():
        for row in partition:
            yield tuple(row)


def member_of_scope(
    user_id: Any, scope: ReportScope, *, person_by_person: bool = False
) -> ColumnElement[bool]:
    """True for people who belong to one of the scope's organisations (always true when
    the scope is not limited to organisations).

    ``person_by_person``: as ``user_id IN (the scope's members)``, for aggregates over all
    the scope's enrolments, which the database then reads member by member; the default
    correlated EXISTS suits a page read in order, each row checked as it comes."""
    if scope.organisation_ids is None:
        return true()
    if person_by_person:
        members = select(Membership.user_id).where(
            Membership.organisation_id.in_(scope.organisation_ids)
        )
        return cast(ColumnElement[bool], user_id.in_(members))
    return exists().where(
        Membership.user_id == user_id, Membership.organisation_id.in_(scope.organisation_ids)
    )


def enrolment_conditions(
    filters: Filters,
    scope: ReportScope,
    dated: Any = Enrolment.enrolled_at,
    *,
    course: Any = Cohort.course_id,
    cohort: Any = Enrolment.cohort_id,
) -> list[Any]:
    """Conditions on Enrolment (joined to Cohort: see ``with_cohort``) for the scope's
    cohorts and the course, cohort and date filters; ``dated`` is the column the date range
    applies to. ``course`` and ``cohort`` are the columns that say which (a row that keeps
    its own copy of them, such as a certificate, needs no join)."""
    conditions: list[Any] = []
    if filters.course_id is not None:
        conditions.append(course == filters.course_id)
    if filters.cohort_id is not None:
        conditions.append(cohort == filters.cohort_id)
    if scope.cohort_ids is not None:
        conditions.append(cohort.in_(scope.cohort_ids))
    if filters.starts is not None:
        conditions.append(dated >= filters.starts)
    if filters.ends is not None:
        conditions.append(dated < filters.ends)
    return conditions


def with_cohort(query: Any, filters: Filters) -> Any:
    """``query`` (of enrolments) joined to the enrolment's cohort when a filter asks about
    its course, the only one of ``enrolment_conditions`` on the cohort: a count of every
    enrolment needs no join otherwise."""
    if filters.course_id is None:
        return query
    return query.join(Cohort, Cohort.id == Enrolment.cohort_id)


#: Which of ``enrolment_conditions`` apply: course, cohort, the scope's cohorts, from, to.
FilterShape = tuple[bool, bool, bool, bool, bool]


def filter_shape(filters: Filters, scope: ReportScope) -> FilterShape:
    """The shape of ``enrolment_conditions(filters, scope)``: statements built once per
    shape (``bound_enrolment_conditions``) run with ``filter_values`` as parameters."""
    return (
        filters.course_id is not None,
        filters.cohort_id is not None,
        scope.cohort_ids is not None,
        filters.starts is not None,
        filters.ends is not None,
    )


def bound_enrolment_conditions(shape: FilterShape, dated: Any = Enrolment.enrolled_at) -> list[Any]:
    """``enrolment_conditions`` with named parameters in place of the values, for
    statements built once and run many times."""
    course, cohort, cohorts, starts, ends = shape
    conditions: list[Any] = []
    if course:
        conditions.append(Cohort.course_id == bindparam("course_id"))
    if cohort:
        conditions.append(Enrolment.cohort_id == bindparam("cohort_id"))
    if cohorts:
        conditions.append(Enrolment.cohort_id.in_(bindparam("cohort_ids", expanding=True)))
    if starts:
        conditions.append(dated >= bindparam("starts"))
    if ends:
        conditions.append(dated < bindparam("ends"))
    return conditions


def filter_values(filters: Filters, scope: ReportScope) -> dict[str, Any]:
    """The parameters of ``bound_enrolment_conditions`` and of the scope's organisations
    (``organisation_ids``)."""
    return {
        "course_id": filters.course_id,
        "cohort_id": filters.cohort_id,
        "cohort_ids": sorted(scope.cohort_ids or ()),
        "starts": filters.starts,
        "ends": filters.ends,
        "organisation_ids": sorted(scope.organisation_ids or ()),
    }


def first_membership(user_id: Any, scope: ReportScope, column: Any) -> Any:
    """``column`` of Membership (or Organisation) for the person's first membership in the
    scope, as a correlated subquery: one row per person even if they belong to two."""
    from lms.accounts.models import Organisation

    query = select(column).select_from(Membership).where(Membership.user_id == user_id)
    if column.class_ is Organisation:
        query = query.join(Organisation, Organisation.id == Membership.organisation_id)
    if scope.organisation_ids is not None:
        query = query.where(Membership.organisation_id.in_(scope.organisation_ids))
    return query.order_by(Membership.id).limit(1).scalar_subquery()
