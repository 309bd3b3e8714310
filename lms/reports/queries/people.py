"""The people of an organisation (and its units) and where they are on their courses.

The page is the organisation report managers open most: it walks ``ix_users_display_name``
in order and stops after one page, so it costs the same for 50 people or 5,000.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import and_, exists, select, true

from lms.accounts.models import Membership, Organisation, User
from lms.catalogue.models import Course
from lms.cohorts.models import ENROLMENT_STATUSES, Cohort, Enrolment
from lms.extensions import db
from lms.progress.models import CourseCompletion
from lms.reports.filters import Filters
from lms.reports.queries import Page, enrolment_conditions, member_of_scope, paged, streamed
from lms.reports.scope import ReportScope


@dataclass
class PersonRow:
    user_id: int
    name: str
    roles: list[str] = field(default_factory=list)  # "Manager" / "Member"
    organisations: list[str] = field(default_factory=list)
    service_numbers: list[str] = field(default_factory=list)
    courses: list[tuple[str, str]] = field(default_factory=list)  # (course title, status)


def status_label(status: str, completed: bool) -> str:
    """Where someone is on a course: completing it anywhere counts as completed."""
    if completed or status == "completed":
        return "Completed"
    return {"active": "In progress"}.get(status, ENROLMENT_STATUSES.get(status, status))


def _people_query(scope: ReportScope, filters: Filters) -> Any:
    query = select(User.id, User.display_name).where(member_of_scope(User.id, scope))
    conditions = enrolment_conditions(filters, scope)
    if conditions:
        query = query.where(
            exists().where(
                Enrolment.user_id == User.id, Cohort.id == Enrolment.cohort_id, *conditions
            )
        )
    return query.order_by(User.display_name, User.id)


def people_count(scope: ReportScope) -> int:
    """How many memberships the scope's organisations have (an index-only count)."""
    query = select(db.func.count(Membership.id))
    if scope.organisation_ids is not None:
        query = query.where(Membership.organisation_id.in_(scope.organisation_ids))
    return db.session.scalar(query) or 0


def people_page(scope: ReportScope, filters: Filters, number: int) -> Page:
    """A page of people with their memberships and courses: three queries."""
    page = paged(_people_query(scope, filters), number)
    ids = [row.id for row in page.rows]
    people = {row.id: PersonRow(row.id, row.display_name) for row in page.rows}
    if ids:
        member = select(
            Membership.user_id, Membership.role, Membership.service_number, Organisation.name
        ).join(Organisation, Organisation.id == Membership.organisation_id)
        member = member.where(Membership.user_id.in_(ids))
        if scope.organisation_ids is not None:
            member = member.where(Membership.organisation_id.in_(scope.organisation_ids))
        for user_id, role, service_number, org_name in db.session.execute(
            member.order_by(Organisation.name)
        ):
            person = people[user_id]
            person.organisations.append(org_name)
            person.roles.append("Manager" if role == "manager" else "Member")
            if service_number:
                person.service_numbers.append(service_number)
        seen: dict[int, set[str]] = defaultdict(set)
        for user_id, title, status, completed in db.session.execute(
            _courses_query(filters, scope).where(Enrolment.user_id.in_(ids))
        ):
            if title not in seen[user_id]:
                seen[user_id].add(title)
                people[user_id].courses.append((title, status_label(status, completed)))
    page.rows = [people[i] for i in ids]
    return page


def _courses_query(filters: Filters, scope: ReportScope) -> Any:
    """Each enrolment's course title, status and whether the course was completed, the
    latest enrolment on a course first."""
    completed = (
        select(CourseCompletion.id)
        .where(
            CourseCompletion.user_id == Enrolment.user_id,
            CourseCompletion.course_id == Cohort.course_id,
        )
        .exists()
    )
    return (
        select(Enrolment.user_id, Course.title, Enrolment.status, completed)
        .join(Cohort, Cohort.id == Enrolment.cohort_id)
        .join(Course, Course.id == Cohort.course_id)
        .where(*enrolment_conditions(filters, scope))
        .order_by(Course.title, Enrolment.enrolled_at.desc(), Enrolment.id.desc())
    )


PEOPLE_COLUMNS = ("Name", "Service number", "Organisation", "Role", "Course", "Status")


def people_rows(scope: ReportScope, filters: Filters) -> Iterator[tuple[Any, ...]]:
    """One row per person, organisation and course (a person on no course: one row with
    the course empty), by name. Every enrolment on a course is listed."""
    in_scope = (
        Membership.organisation_id.in_(scope.organisation_ids)
        if scope.organisation_ids is not None
        else true()
    )
    completed = (
        select(CourseCompletion.id)
        .where(
            CourseCompletion.user_id == Enrolment.user_id,
            CourseCompletion.course_id == Cohort.course_id,
        )
        .exists()
    )
    conditions = enrolment_conditions(filters, scope)
    query = (
        select(
            User.display_name,
            Membership.service_number,
            Organisation.name,
            Membership.role,
            Course.title,
            Enrolment.status,
            completed,
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
    for name, number, org, role, title, status, done in streamed(query):
        yield (
            name,
            number or "",
            org,
            "Manager" if role == "manager" else "Member",
            title or "",
            status_label(status, bool(done)) if status else "",
        )
