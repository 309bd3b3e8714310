"""Read models for managers: the people of their organisation and their completion."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import contains_eager

from lms.accounts.models import Membership, Organisation, User
from lms.catalogue.models import Course
from lms.cohorts.models import Cohort, Enrolment
from lms.extensions import db
from lms.progress.models import CourseCompletion


@dataclass
class PersonRow:
    user: User
    membership: Membership
    courses: list[tuple[Course, str]] = field(default_factory=list)


def managed_organisations(user: User) -> list[Organisation]:
    """Organisations the user manages, with their units (children), by name."""
    query = select(Organisation).order_by(Organisation.name)
    if not user.is_admin:
        managed = user.organisation_ids("manager")
        query = query.where(Organisation.id.in_(managed) | Organisation.parent_id.in_(managed))
    return list(db.session.scalars(query))


def people_page(organisation: Organisation, page: int, per_page: int = 50) -> Any:
    """A page of the organisation's people, each with their courses and where they are."""
    pagination = db.paginate(
        select(Membership)
        .join(User, User.id == Membership.user_id)
        .where(Membership.organisation_id == organisation.id)
        .options(contains_eager(Membership.user))
        .order_by(User.display_name),
        page=page,
        per_page=per_page,
        error_out=False,
    )
    memberships = list(pagination.items)
    user_ids = [m.user_id for m in memberships]
    enrolments = db.session.execute(
        select(Enrolment.user_id, Enrolment.status, Course)
        .join(Cohort, Cohort.id == Enrolment.cohort_id)
        .join(Course, Course.id == Cohort.course_id)
        .where(Enrolment.user_id.in_(user_ids))
        .order_by(Course.title)
    ).all()
    completed = {
        (row.user_id, row.course_id)
        for row in db.session.execute(
            select(CourseCompletion.user_id, CourseCompletion.course_id).where(
                CourseCompletion.user_id.in_(user_ids)
            )
        )
    }
    by_user: dict[int, dict[int, tuple[Course, str]]] = defaultdict(dict)
    for user_id, status, course in enrolments:
        label = (
            "Completed"
            if (user_id, course.id) in completed
            else {
                "withdrawn": "Withdrawn",
                "deferred": "Deferred",
                "invited": "Invited",
            }.get(status, "In progress")
        )
        by_user[user_id][course.id] = (course, label)
    rows = [PersonRow(m.user, m, list(by_user[m.user_id].values())) for m in memberships]
    return pagination, rows
