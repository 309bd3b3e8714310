"""The people of an organisation (and its units) and where they are on their courses.

The page is the organisation report managers open most: it walks ``ix_users_display_name``
in order and stops after one page, so it costs the same for 50 people or 5,000.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import (
    Integer,
    String,
    and_,
    bindparam,
    case,
    cast,
    exists,
    func,
    literal_column,
    null,
    or_,
    select,
    true,
    union_all,
)

from lms.accounts.models import Membership, Organisation, User
from lms.catalogue.models import Course
from lms.cohorts.models import ENROLMENT_STATUSES, Cohort, Enrolment
from lms.db import rows
from lms.extensions import db
from lms.progress.models import CourseCompletion
from lms.reports.filters import Filters
from lms.reports.queries import (
    MAX_PAGE,
    PER_PAGE,
    FilterShape,
    Page,
    bound_enrolment_conditions,
    enrolment_conditions,
    filter_shape,
    filter_values,
    streamed,
)
from lms.reports.scope import ReportScope


@dataclass
class Person:
    """Someone on an organisation's report, and where they belong in its scope."""

    user_id: int
    name: str
    organisations: list[str] = field(default_factory=list)
    service_numbers: list[str] = field(default_factory=list)
    role: str = ""  # "Member", "Manager", or both ("Member, Manager") in the order met

    def add_membership(self, organisation: str, role: str, service_number: str | None) -> None:
        self.organisations.append(organisation)
        label = "Manager" if role == "manager" else "Member"
        if label not in self.role.split(", "):
            self.role = f"{self.role}, {label}" if self.role else label
        if service_number:
            self.service_numbers.append(service_number)


@dataclass
class PersonRow(Person):
    version: int = 0  # the person's record version (``users.record_version``) read with it
    courses: list[tuple[str, str]] = field(default_factory=list)  # (course title, status)
    #: Retired courses (earlier editions) they were on, and how many of them they completed.
    earlier: int = 0
    earlier_completed: int = 0

    @property
    def earlier_summary(self) -> str:
        return f"Earlier courses: {self.earlier_completed} of {self.earlier} completed"


@dataclass
class PeopleTable:
    """A page of the scope's people (as whoever reads them needs: rows of the table, their
    record versions, rows drawn), and how many memberships the scope has, whatever the
    filters."""

    page: Page
    total: int


#: Enrolments that still hold a place on the course (not withdrawn, deferred or completed).
STILL_HELD = ("active", "invited")


def status_label(status: str, completed: bool, retired: bool = False) -> str:
    """Where someone is on a course: completing it anywhere counts as completed, and a
    place still held on a retired course (an earlier edition) can't be taken further."""
    if completed or status == "completed":
        return "Completed"
    if retired and status in STILL_HELD:
        return "Not completed"
    return {"active": "In progress"}.get(status, ENROLMENT_STATUSES.get(status, status))


def place(
    status: str, retired: bool, completed: datetime | None, course_completed: datetime | None
) -> tuple[str, datetime | None]:
    """Where one enrolment (a place on a cohort) got, and when it was completed. A place
    still held on a course completed in another cohort counts as completed, on the day the
    course was; a withdrawal or a deferral stays what it was."""
    counts = course_completed is not None and status in STILL_HELD
    finished = completed or (course_completed if counts else None)
    return status_label(status, counts, retired), finished


#: How far an enrolment got, so that someone's place on a course is the furthest of their
#: enrolments on it (a withdrawal from one cohort does not hide a place on the next).
_REACHED = ("withdrawn", "deferred", "invited", "active", "completed")
_REACHED_RANK = {status: rank for rank, status in enumerate(_REACHED, start=1)}


def _reached(rank: int | None) -> str:
    return _REACHED[rank - 1] if rank else ""


def _in_scope() -> Any:
    return Membership.organisation_id.in_(bindparam("organisation_ids", expanding=True))


def _people_query(conditions: list[Any]) -> Any:
    """The scope's people (matching the filters), by name: walks ``ix_users_display_name``."""
    query = select(User.id, User.display_name, User.record_version).where(
        exists().where(Membership.user_id == User.id, _in_scope())
    )
    if conditions:
        query = query.where(
            exists().where(
                Enrolment.user_id == User.id, Cohort.id == Enrolment.cohort_id, *conditions
            )
        )
    return query.order_by(User.display_name, User.id)


#: How many memberships the scope's organisations have: each organisation keeps its count
#: (``member_count``, kept by the database), so this reads a row per organisation.
_COUNT = select(func.coalesce(func.sum(Organisation.member_count), 0)).where(
    Organisation.id.in_(bindparam("organisation_ids", expanding=True))
)

#: What a row of the people table's statement is (its first column).
_PERSON, _MEMBERSHIP, _COURSE, _TOTAL = 0, 1, 2, 3
#: The columns every part of that statement has, and their types.
_COLUMNS = {
    "kind": Integer,
    "user_id": Integer,
    "text": String,
    "role": String,
    "service_number": String,
    "line": Integer,
    "reached": Integer,
    "courses": Integer,
    "completed": Integer,
    "retired": Integer,
    "version": Integer,
}


def _part(kind: int, **values: Any) -> Any:
    """A select of the statement's columns: ``values`` by name, NULL for the others."""
    columns = {"kind": literal_column(str(kind), Integer), **values}
    return select(
        *(
            (columns[name] if name in columns else cast(null(), type_)).label(name)
            for name, type_ in _COLUMNS.items()
        )
    )


@cache
def _table_statement(shape: FilterShape, summarise: bool) -> Any:
    """One statement for a page of the people table: the people of the page, their
    memberships in the scope, their courses (one row per course, or one row for all the
    retired ones when ``summarise``) and how many people the scope has; by kind of row,
    then by name, organisation or course title."""
    conditions = bound_enrolment_conditions(shape)
    page = (
        _people_query(conditions).limit(bindparam("limit")).offset(bindparam("offset")).cte("page")
    )
    on_page = select(page.c.id)
    people = _part(
        _PERSON, user_id=page.c.id, text=page.c.display_name, version=page.c.record_version
    )
    memberships = (
        _part(
            _MEMBERSHIP,
            user_id=Membership.user_id,
            text=Organisation.name,
            role=Membership.role,
            service_number=Membership.service_number,
        )
        .join(Organisation, Organisation.id == Membership.organisation_id)
        .where(Membership.user_id.in_(on_page), _in_scope())
    )
    completed = or_(
        Enrolment.status == "completed",
        exists().where(
            CourseCompletion.user_id == Enrolment.user_id,
            CourseCompletion.course_id == Cohort.course_id,
        ),
    )
    # One group per course, or (summarising) one for every retired course together.
    line = case((Course.retired, None), else_=Course.id) if summarise else Course.id
    reached = case(
        {status: literal_column(str(rank)) for status, rank in _REACHED_RANK.items()},
        value=Enrolment.status,
        else_=literal_column("0"),
    )
    courses = (
        _part(
            _COURSE,
            user_id=Enrolment.user_id,
            text=func.min(Course.title),
            line=func.max(line),
            reached=func.max(reached),
            courses=func.count(Course.id.distinct()),
            completed=func.count(case((completed, Course.id)).distinct()),
            retired=func.max(case((Course.retired, 1), else_=0)),
        )
        .select_from(Enrolment)
        .join(Cohort, Cohort.id == Enrolment.cohort_id)
        .join(Course, Course.id == Cohort.course_id)
        .where(Enrolment.user_id.in_(on_page), *conditions)
        .group_by(Enrolment.user_id, line)
    )
    total = _part(_TOTAL, courses=_COUNT.scalar_subquery())
    table = union_all(people, memberships, courses, total).subquery()
    return select(table).order_by(table.c.kind, table.c.text, table.c.user_id)


def people_table(scope: ReportScope, filters: Filters, number: int) -> PeopleTable:
    """A page of the scope's people with their memberships and courses, and how many people
    the scope has: one statement.

    Each person's current courses are listed with where they are on them; retired courses
    (earlier editions) are counted, with how many of them were completed, unless the
    filters pick a course or a cohort: then its enrolments are listed whatever the course.
    """
    number = min(max(number, 1), MAX_PAGE)
    summarise = filters.course_id is None and filters.cohort_id is None
    statement = _table_statement(filter_shape(filters, scope), summarise)
    values = filter_values(filters, scope)
    values.update(limit=PER_PAGE + 1, offset=(number - 1) * PER_PAGE)
    people: dict[int, PersonRow] = {}
    total = 0
    got = rows(statement, values).all()  # every row at once
    for kind, user_id, text, role, service, line, reached, courses, done, retired, version in got:
        if kind == _PERSON:
            people[user_id] = PersonRow(user_id, text, version=version)
        elif kind == _MEMBERSHIP:
            people[user_id].add_membership(text, role, service)
        elif kind == _COURSE and line is None:
            people[user_id].earlier, people[user_id].earlier_completed = courses, done
        elif kind == _COURSE:
            label = status_label(_reached(reached), bool(done), bool(retired))
            people[user_id].courses.append((text, label))
        else:
            total = courses or 0
    found = list(people.values())
    return PeopleTable(Page(found[:PER_PAGE], number, PER_PAGE, len(found) > PER_PAGE), total)


@cache
def _versions_statement() -> Any:
    """The scope's people on one page, each with their record version, then (user id
    NULL) how many memberships the scope has: one statement, no filters."""
    page = _people_query([]).limit(bindparam("limit")).offset(bindparam("offset")).subquery()
    people = select(page.c.display_name, page.c.id, page.c.record_version)
    total = select(cast(null(), String), cast(null(), Integer), _COUNT.scalar_subquery())
    table = union_all(people, total).subquery()
    return select(table.c.id, table.c.record_version).order_by(
        table.c.display_name.is_(None), table.c.display_name, table.c.id
    )


def people_versions(scope: ReportScope, number: int) -> PeopleTable:
    """Who is on page ``number`` of the scope's people (unfiltered), as ``(user id,
    record version)``, without reading their places: enough to tell whether rows already
    drawn for them (``lms.reports.people_rows``) are still true."""
    number = min(max(number, 1), MAX_PAGE)
    values = {
        "organisation_ids": sorted(scope.organisation_ids or ()),
        "limit": PER_PAGE + 1,
        "offset": (number - 1) * PER_PAGE,
    }
    found: list[tuple[int, int]] = []
    total = 0
    for user_id, version in rows(_versions_statement(), values):
        if user_id is None:
            total = version or 0
        else:
            found.append((user_id, version))
    return PeopleTable(Page(found[:PER_PAGE], number, PER_PAGE, len(found) > PER_PAGE), total)


def people_count(scope: ReportScope) -> int:
    """How many memberships the scope's organisations have."""
    values = {"organisation_ids": sorted(scope.organisation_ids or ())}
    return db.session.scalar(_COUNT, values) or 0


PEOPLE_COLUMNS = ("Name", "Service number", "Organisation", "Role", "Course", "Status")


def people_rows(scope: ReportScope, filters: Filters) -> Iterator[tuple[Any, ...]]:
    """One row per person, organisation and course (a person on no course: one row with
    the course empty), by name. Every enrolment on a course is listed."""
    in_scope = (
        Membership.organisation_id.in_(scope.organisation_ids)
        if scope.organisation_ids is not None
        else true()
    )
    course_completed = (
        select(CourseCompletion.completed_at)
        .where(
            CourseCompletion.user_id == Enrolment.user_id,
            CourseCompletion.course_id == Cohort.course_id,
        )
        .scalar_subquery()
    )
    conditions = enrolment_conditions(filters, scope)
    query = (
        select(
            User.display_name,
            Membership.service_number,
            Organisation.name,
            Membership.role,
            Course.title,
            Course.retired,
            Enrolment.status,
            course_completed,
        )
        .join(Membership, and_(Membership.user_id == User.id, in_scope))
        .join(Organisation, Organisation.id == Membership.organisation_id)
    )
    if conditions:
        # Only people with a matching enrolment, and only those enrolments.
        query = (
            query.join(Enrolment, Enrolment.user_id == User.id)
            .join(Cohort, Cohort.id == Enrolment.cohort_id)
            .where(*conditions)
        )
    else:
        query = query.outerjoin(Enrolment, Enrolment.user_id == User.id).outerjoin(
            Cohort, Cohort.id == Enrolment.cohort_id
        )
    query = query.outerjoin(Course, Course.id == Cohort.course_id).order_by(
        User.display_name, User.id, Organisation.name, Course.title, Enrolment.id
    )
    for name, number, org, role, title, retired, status, finished in streamed(query):
        yield (
            name,
            number or "",
            org,
            "Manager" if role == "manager" else "Member",
            title or "",
            place(status, bool(retired), None, finished)[0] if status else "",
        )
