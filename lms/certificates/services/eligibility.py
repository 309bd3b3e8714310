"""Who has earned a certificate, and what it will say: read-only, no writes."""

from __future__ import annotations

import math
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import contains_eager

from lms.accounts.models import User
from lms.catalogue.models import DELIVERY_MODES, Course, Module, Step
from lms.certificates.designs import kind_of
from lms.certificates.models import Certificate
from lms.cohorts.models import Cohort, Enrolment
from lms.extensions import db
from lms.live.models import ATTENDED, Attendance, Booking, LiveSession
from lms.live.queries import attendance_summaries, attendance_summary
from lms.progress.models import CourseCompletion

#: Enrolments that can hold a certificate (withdrawn and deferred people can't earn one
#: on that cohort; a certificate already issued stays theirs).
ISSUABLE_STATUSES = ("active", "completed")
CPD_SENTENCE = "One CPD hour equals one hour of structured learning, excluding breaks."


def attendance_percent(course: Course) -> int:
    """The share of a cohort's sessions to attend for a certificate of attendance: what the
    course's (or a module's) ``attendance`` rule asks, or every session when none does."""
    return attendance_percents([course])[course.id]


def attendance_percents(courses: list[Course]) -> dict[int, int]:
    """``attendance_percent`` of each of ``courses``, by course id: one query."""
    rules: dict[int, list[Any]] = {course.id: [course.completion_rule or {}] for course in courses}
    if rules:
        for course_id, rule in db.session.execute(
            select(Module.course_id, Module.completion_rule).where(
                Module.course_id.in_(rules), Module.retired_at.is_(None)
            )
        ):
            rules[course_id].append(rule)
    return {course_id: _percent(found) for course_id, found in rules.items()}


def _percent(rules: list[Any]) -> int:
    percents = [int(r.get("percent", 100)) for r in rules if (r or {}).get("rule") == "attendance"]
    return min(percents) if percents else 100


def course_completion(user_id: int, course_id: int) -> CourseCompletion | None:
    return db.session.scalar(
        select(CourseCompletion).where(
            CourseCompletion.user_id == user_id, CourseCompletion.course_id == course_id
        )
    )


def is_eligible(enrolment: Enrolment) -> bool:
    """Has the person met what this cohort's course asks for its certificate?

    A certificate of attendance comes from the register (the share of the cohort's
    sessions attended); every other design from completing the course.
    """
    if enrolment.status not in ISSUABLE_STATUSES:
        return False
    course = enrolment.cohort.course
    if from_register(course):
        summary = attendance_summary(enrolment.user, enrolment.cohort)
        return summary.meets(attendance_percent(course))
    return course_completion(enrolment.user_id, course.id) is not None


def from_register(course: Course) -> bool:
    """Whether the course's certificate is earned at the register (a certificate of
    attendance) rather than by completing the course."""
    return kind_of(course.certificate_template) == "attendance"


def has_certificate(enrolment: Enrolment) -> bool:
    return bool(
        db.session.scalar(
            select(Certificate.id).where(Certificate.enrolment_id == enrolment.id).limit(1)
        )
    )


def enrolments_of(user: User, course: Course | None = None) -> list[Enrolment]:
    """The person's enrolments that could hold a certificate (of ``course``, if given)."""
    query = (
        select(Enrolment)
        .join(Cohort, Cohort.id == Enrolment.cohort_id)
        .where(Enrolment.user_id == user.id, Enrolment.status.in_(ISSUABLE_STATUSES))
        .order_by(Enrolment.id)
    )
    if course is not None:
        query = query.where(Cohort.course_id == course.id)
    return list(db.session.scalars(query))


def waiting(user: User) -> list[Enrolment]:
    """Enrolments the person has earned a certificate for that isn't issued yet: what
    ``is_eligible`` decides, for all of them at once (a fixed number of queries, however
    many enrolments the person has)."""
    issued = select(Certificate.id).where(Certificate.enrolment_id == Enrolment.id).exists()
    completed = (
        select(CourseCompletion.id)
        .where(
            CourseCompletion.user_id == Enrolment.user_id,
            CourseCompletion.course_id == Cohort.course_id,
        )
        .exists()
    )
    rows = db.session.execute(
        select(Enrolment, completed)
        .join(Enrolment.cohort)
        .join(Cohort.course)
        .options(contains_eager(Enrolment.cohort).contains_eager(Cohort.course))
        .where(
            Enrolment.user_id == user.id,
            Enrolment.status.in_(ISSUABLE_STATUSES),
            ~issued,
        )
        .order_by(Enrolment.id)
    ).all()
    by_register = {e.id: e for e, _ in rows if from_register(e.cohort.course)}
    summaries = attendance_summaries(user, [e.cohort_id for e in by_register.values()])
    percents = attendance_percents([e.cohort.course for e in by_register.values()])
    earned = []
    for enrolment, course_completed in rows:
        if enrolment.id in by_register:
            summary = summaries.get(enrolment.cohort_id)
            if summary is not None and summary.meets(percents[enrolment.cohort.course_id]):
                earned.append(enrolment)
        elif course_completed:
            earned.append(enrolment)
    return earned


def _attended(enrolment: Enrolment) -> tuple[int, date | None]:
    """Minutes the person attended at the cohort's sessions, and the last day they came."""
    minutes = 0
    last: datetime | None = None
    for session, attendance in db.session.execute(
        select(LiveSession, Attendance)
        .join(Attendance, Attendance.session_id == LiveSession.id)
        .join(Booking, Booking.id == Attendance.booking_id)
        .where(
            LiveSession.cohort_id == enrolment.cohort_id,
            LiveSession.status == "scheduled",
            Booking.user_id == enrolment.user_id,
            Attendance.status.in_(ATTENDED),
        )
    ).all():
        if attendance.status == "partial" and attendance.minutes is not None:
            minutes += attendance.minutes
        else:
            minutes += session.minutes
        last = session.starts_at if last is None else max(last, session.starts_at)
    return minutes, last.date() if last else None


def _course_minutes(course: Course) -> int:
    return int(
        db.session.scalar(
            select(func.coalesce(func.sum(Step.minutes), 0)).where(
                Step.course_id == course.id, Step.retired_at.is_(None)
            )
        )
        or 0
    )


def _organisation(user: User) -> str:
    return "; ".join(sorted(m.organisation.full_name for m in user.memberships))


def certificate_details(enrolment: Enrolment, when: datetime) -> dict[str, Any]:
    """What the certificate will say, as things stand now (kept with it for ever after)."""
    cohort = enrolment.cohort
    course = cohort.course
    kind = kind_of(course.certificate_template)
    if kind == "attendance":
        minutes, last_day = _attended(enrolment)
        hours = math.floor(minutes / 15) / 4  # whole quarter hours attended
        finished = last_day or when.date()
    else:
        minutes = _course_minutes(course)
        hours = float(course.cpd_hours or 0)
        completion = course_completion(enrolment.user_id, course.id)
        finished = (completion.completed_at if completion else when).date()
    return {
        "course_title": course.title,
        "cohort_name": cohort.name,
        "outcomes": list(course.outcomes or []),
        "delivery_mode": DELIVERY_MODES.get(course.delivery_mode, course.delivery_mode),
        "participatory": bool(course.participatory),
        "learning_minutes": minutes,
        "cpd_hours": hours,
        "facilitators": [f.display_name for f in cohort.facilitators],
        "organisation": _organisation(enrolment.user),
        "starts_on": cohort.starts_on.isoformat() if cohort.starts_on else None,
        "ends_on": cohort.ends_on.isoformat() if cohort.ends_on else None,
        "finished_on": finished.isoformat(),
    }
