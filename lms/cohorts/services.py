"""Enrolling people on cohorts, including the always-open cohort of a self-paced course."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select

from lms.accounts.models import User
from lms.audit import services as audit
from lms.catalogue.models import Course
from lms.cohorts.models import ENROLMENT_SOURCES, Cohort, CohortFacilitator, Enrolment
from lms.db import begin_write, insert_ignore, utcnow
from lms.errors import InvalidInput, NotAllowed
from lms.events import after_commit, commit
from lms.extensions import db


def enrolment_for(user: User, course: Course) -> Enrolment | None:
    """The learner's current enrolment on ``course`` (the most recent that still counts)."""
    return db.session.scalar(
        select(Enrolment)
        .join(Cohort, Cohort.id == Enrolment.cohort_id)
        .where(
            Enrolment.user_id == user.id,
            Cohort.course_id == course.id,
            Enrolment.status.in_(("active", "completed", "invited")),
        )
        .order_by(Enrolment.enrolled_at.desc())
        .limit(1)
    )


def _open_cohort(course: Course) -> Cohort:
    cohort = db.session.scalar(
        select(Cohort)
        .where(Cohort.course_id == course.id, Cohort.enrolment_mode == "open")
        .order_by(Cohort.id)
        .limit(1)
    )
    if cohort is None:
        cohort = Cohort(
            course_id=course.id, name=f"{course.title} (self-paced)", enrolment_mode="open"
        )
        db.session.add(cohort)
        db.session.flush()
    return cohort


def start_course(user: User, course: Course) -> Enrolment:
    """Enrol the learner on an open course; starting twice changes nothing."""
    if course.enrolment != "open" or course.retired:
        raise NotAllowed(
            "This course is run in cohorts. Your facilitator or manager can book you a place."
        )
    existing = enrolment_for(user, course)
    if existing is not None:
        return existing
    begin_write()
    # Lock the course row (PostgreSQL) so two first starts don't make two open cohorts.
    db.session.execute(select(Course.id).where(Course.id == course.id).with_for_update())
    cohort = _open_cohort(course)
    enrolment = _enrol(user, cohort, "self")
    commit()
    return enrolment


def _enrol(user: User, cohort: Cohort, source: str) -> Enrolment:
    if source not in ENROLMENT_SOURCES:
        raise InvalidInput(f"Unknown enrolment source “{source}”.")
    if insert_ignore(
        Enrolment,
        {
            "user_id": user.id,
            "cohort_id": cohort.id,
            "status": "active",
            "source": source,
            "enrolled_at": utcnow(),
        },
        ["user_id", "cohort_id"],
    ):
        enrolment = db.session.scalar(
            select(Enrolment).where(Enrolment.user_id == user.id, Enrolment.cohort_id == cohort.id)
        )
        assert enrolment is not None
        after_commit("lms_enrolled", enrolment=enrolment)
        return enrolment
    enrolment = db.session.scalar(
        select(Enrolment).where(Enrolment.user_id == user.id, Enrolment.cohort_id == cohort.id)
    )
    assert enrolment is not None
    return enrolment


def enrol(actor: User | None, user: User, cohort: Cohort, *, source: str = "admin") -> Enrolment:
    """Enrol ``user`` on ``cohort`` (idempotent); audited when someone else does it."""
    begin_write()
    enrolment = _enrol(user, cohort, source)
    if actor is not None and actor.id != user.id:
        audit.record(
            actor,
            "enrolment.create",
            enrolment,
            f"{user.display_name} enrolled on {cohort.name}",
            source=source,
        )
    commit()
    return enrolment


def create_cohort(
    actor: User | None,
    course: Course,
    *,
    name: str,
    facilitators: Sequence[User] = (),
    enrolment_mode: str = "invitation",
    **fields: object,
) -> Cohort:
    """A new run of ``course`` with its facilitators."""
    if not name.strip():
        raise InvalidInput("Give the cohort a name.")
    begin_write()
    cohort = Cohort(course_id=course.id, name=name.strip(), enrolment_mode=enrolment_mode, **fields)
    db.session.add(cohort)
    db.session.flush()
    for person in facilitators:
        insert_ignore(
            CohortFacilitator,
            {"cohort_id": cohort.id, "user_id": person.id},
            ["cohort_id", "user_id"],
        )
    audit.record(actor, "cohort.create", cohort, f"Cohort {cohort.name} created")
    commit()
    return cohort
