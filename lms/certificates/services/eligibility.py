"""Who has earned a certificate, and what it will say: read-only, no writes."""

from __future__ import annotations

import math
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select

from lms.accounts.models import User
from lms.catalogue.models import DELIVERY_MODES, Course, Module, Step
from lms.certificates.designs import kind_of
from lms.certificates.models import Certificate
from lms.cohorts.models import Cohort, Enrolment
from lms.extensions import db
from lms.live.models import ATTENDED, Attendance, Booking, LiveSession
from lms.live.queries import attendance_summary
from lms.progress.models import CourseCompletion

#: Enrolments that can hold a certificate (withdrawn and deferred people can't earn one
#: on that cohort; a certificate already issued stays theirs).
ISSUABLE_STATUSES = ("active", "completed")
CPD_SENTENCE = "One CPD hour equals one hour of structured learning, excluding breaks."


def attendance_percent(course: Course) -> int:
    """The share of a cohort's sessions to attend for a certificate of attendance: what the
    course's (or a module's) ``attendance`` rule asks, or every session when none does."""
    rules = [course.completion_rule or {}]
    rules += list(
        db.session.scalars(
            select(Module.completion_rule).where(
                Module.course_id == course.id, Module.retired_at.is_(None)
            )
        )
    )
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
    if kind_of(course.certificate_template) == "attendance":
        summary = attendance_summary(enrolment.user, enrolment.cohort)
        return summary.meets(attendance_percent(course))
    return course_completion(enrolment.user_id, course.id) is not None


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
    """Enrolments the person has earned a certificate for that isn't issued yet."""
    return [e for e in enrolments_of(user) if not has_certificate(e) and is_eligible(e)]


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
