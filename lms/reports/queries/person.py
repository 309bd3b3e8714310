"""One person's record on their organisation's report: where they belong in the scope and
every enrolment they have had, current courses first and then retired ones (earlier
editions), which the people page only counts."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, bindparam, select

from lms.accounts.models import Membership, Organisation, User
from lms.catalogue.models import Course
from lms.cohorts.models import Cohort, Enrolment
from lms.extensions import db
from lms.progress.models import CourseCompletion
from lms.reports.queries.people import Person, place
from lms.reports.scope import ReportScope

RECORD_COLUMNS = ("Course", "Cohort", "Enrolled on", "Status", "Completed on")


@dataclass
class PersonRecord(Person):
    #: Rows of RECORD_COLUMNS: enrolments on courses that run, and on retired ones.
    current: list[tuple[Any, ...]] = field(default_factory=list)
    earlier: list[tuple[Any, ...]] = field(default_factory=list)


_MEMBERSHIPS = (
    select(User.display_name, Organisation.name, Membership.role, Membership.service_number)
    .join(Membership, Membership.user_id == User.id)
    .join(Organisation, Organisation.id == Membership.organisation_id)
    .where(
        User.id == bindparam("user_id"),
        Membership.organisation_id.in_(bindparam("organisation_ids", expanding=True)),
    )
    .order_by(Organisation.name)
)

_ENROLMENTS = (
    select(
        Course.title,
        Course.retired,
        Cohort.name,
        Enrolment.enrolled_at,
        Enrolment.status,
        Enrolment.completed_at,
        CourseCompletion.completed_at,
    )
    .select_from(Enrolment)
    .join(Cohort, Cohort.id == Enrolment.cohort_id)
    .join(Course, Course.id == Cohort.course_id)
    .outerjoin(
        CourseCompletion,
        and_(
            CourseCompletion.user_id == Enrolment.user_id,
            CourseCompletion.course_id == Cohort.course_id,
        ),
    )
    .where(Enrolment.user_id == bindparam("user_id"))
    .order_by(Enrolment.enrolled_at.desc(), Enrolment.id.desc())
)


def _day(moment: datetime | None) -> date | None:
    return moment.date() if moment else None


def person_record(scope: ReportScope, user_id: int) -> PersonRecord | None:
    """The person's record, or None when they don't belong to the scope's organisations
    (so that other people's ids answer as ids that don't exist). Two queries."""
    values = {"user_id": user_id, "organisation_ids": sorted(scope.organisation_ids or ())}
    record: PersonRecord | None = None
    for name, organisation, role, service_number in db.session.execute(_MEMBERSHIPS, values):
        record = record or PersonRecord(user_id, name)
        record.add_membership(organisation, role, service_number)
    if record is None:
        return None
    rows = db.session.execute(_ENROLMENTS, values)
    for title, retired, cohort, enrolled, status, completed, course_completed in rows:
        label, finished = place(status, retired, completed, course_completed)
        row = (title, cohort, _day(enrolled), label, _day(finished))
        (record.earlier if retired else record.current).append(row)
    return record
