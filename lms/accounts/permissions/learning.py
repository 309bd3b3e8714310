"""Rules for courses, steps, progress and reflections."""

from __future__ import annotations

from sqlalchemy import exists, select

from lms.accounts.models import User
from lms.accounts.permissions.facts import facilitates, facilitates_course, is_enrolled
from lms.accounts.permissions.registry import rule
from lms.catalogue.models import Course, Step
from lms.cohorts.models import Cohort, CohortFacilitator
from lms.extensions import db
from lms.progress.models import Reflection


@rule("view_course")
def _view_course(user: User, course: Course) -> bool:
    if course.retired:
        return user.is_admin
    return (
        course.enrolment == "open"
        or user.is_admin
        or is_enrolled(user, course)
        or facilitates_course(user, course)
    )


@rule("start_course")
def _start_course(user: User, course: Course) -> bool:
    return course.enrolment == "open" and not course.retired


@rule("view_step")
def _view_step(user: User, step: Step) -> bool:
    course = step.module.course
    return is_enrolled(user, course) or user.is_admin or facilitates_course(user, course)


@rule("record_progress")
def _record_progress(user: User, step: Step) -> bool:
    return step.retired_at is None and is_enrolled(user, step.module.course)


@rule("view_reflection")
def _view_reflection(user: User, reflection: Reflection) -> bool:
    if reflection.user_id == user.id:
        return True
    if reflection.shared_with_cohort_id is None:
        return False
    return bool(
        db.session.scalar(
            select(
                exists().where(
                    CohortFacilitator.user_id == user.id,
                    CohortFacilitator.cohort_id == reflection.shared_with_cohort_id,
                )
            )
        )
    )


@rule("read_shared_reflections")
def _read_shared(user: User, cohort: Cohort) -> bool:
    """Only the cohort's facilitators: learners are told exactly that when they share."""
    return facilitates(user, cohort)


@rule("edit_reflection")
def _edit_reflection(user: User, reflection: Reflection) -> bool:
    return reflection.user_id == user.id
