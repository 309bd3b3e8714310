"""Enrolling people on cohorts, and what can happen to an enrolment afterwards: withdraw,
defer to a later cohort of the same course, re-enrol. Never "failed".

Progress belongs to the person and the step, not to the enrolment, so whatever happens to
an enrolment, the learner keeps what they have done.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam, exists, select
from sqlalchemy.orm import aliased, contains_eager, lazyload

from lms.accounts.models import User
from lms.accounts.services import find_by_sign_in_name
from lms.accounts.services import validation as check
from lms.audit import services as audit
from lms.catalogue.models import Course
from lms.cohorts.models import ENROLMENT_SOURCES, PLACE_STATUSES, Cohort, Enrolment
from lms.cohorts.services import places
from lms.db import begin_write, insert_ignore, one_of, request_memo, utcnow
from lms.errors import Conflict, InvalidInput, NotAllowed
from lms.events import after_commit, commit
from lms.extensions import db
from lms.progress.models import CourseCompletion


def _places_on(user_id: Any, course_id: Any, enrolment: Any = Enrolment) -> tuple[Any, ...]:
    """Where the person's places on a course are: their enrolments (``enrolment``, the
    entity or an alias of it, joined to ``Cohort``) on its cohorts that still count. The
    current one is the most recently enrolled."""
    return (
        enrolment.user_id == user_id,
        Cohort.course_id == course_id,
        one_of(enrolment.status, PLACE_STATUSES),
    )


# The cohort comes from the join the filter needs; its course is the caller's, already in
# the session, so it is not read again.
_CURRENT_ENROLMENT = (
    select(Enrolment)
    .join(Enrolment.cohort)
    .options(contains_eager(Enrolment.cohort), lazyload(Enrolment.cohort, Cohort.course))
    .where(*_places_on(bindparam("user_id"), bindparam("course_id")))
    .order_by(Enrolment.enrolled_at.desc())
    .limit(1)
)


def _memo_key(user: User, course: Course) -> tuple[str, int, int]:
    return ("enrolment", user.id, course.id)


def enrolment_for(user: User, course: Course) -> Enrolment | None:
    """The learner's current enrolment on ``course`` (the most recent that still counts).
    Asked once per request outside writes (permission checks and the page share it)."""
    params = {"user_id": user.id, "course_id": course.id}
    return request_memo(
        _memo_key(user, course), lambda: db.session.scalar(_CURRENT_ENROLMENT, params)
    )


def current_enrolment_id(user_id: Any, course_id: Any) -> Any:
    """The id of the learner's current enrolment on a course (as ``enrolment_for`` finds
    it), as a scalar subquery: for a statement that reads it along with what a request
    loads anyway. ``course_id`` may be a column of that statement (correlated)."""
    place = aliased(Enrolment, name="place")
    return (
        select(place.id)
        .join(Cohort, Cohort.id == place.cohort_id)
        .where(*_places_on(user_id, course_id, place))
        .order_by(place.enrolled_at.desc())
        .limit(1)
        .scalar_subquery()
    )


def remember_enrolment(user: User, course: Course, enrolment: Enrolment | None) -> None:
    """Tell ``enrolment_for`` the learner's current enrolment on ``course``, read (with
    ``current_enrolment_id``) by the request's own statement: the permission checks of the
    request then ask no query. Forgotten, like every fact, when the request starts a write."""
    request_memo(_memo_key(user, course), lambda: enrolment)


def enrolment_on(user: User, cohort: Cohort) -> Enrolment | None:
    """The person's enrolment on this cohort, whatever its status."""
    return db.session.scalar(
        select(Enrolment).where(Enrolment.user_id == user.id, Enrolment.cohort_id == cohort.id)
    )


def _open_cohort(course: Course) -> Cohort:
    """The course's always-open cohort: open, with no limit on places and no end date."""
    cohort = db.session.scalar(
        select(Cohort)
        .where(
            Cohort.course_id == course.id,
            Cohort.enrolment_mode == "open",
            Cohort.capacity.is_(None),
            Cohort.ends_on.is_(None),
        )
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
    """The person's enrolment on ``cohort``, added (if there is room) unless one exists."""
    if source not in ENROLMENT_SOURCES:
        raise InvalidInput(f"Unknown enrolment source “{source}”.")
    existing = enrolment_on(user, cohort)
    if existing is not None:
        return existing
    places.lock(cohort)
    places.make_room(cohort, 1)
    values = {
        "user_id": user.id,
        "cohort_id": cohort.id,
        "status": "active",
        "source": source,
        "enrolled_at": utcnow(),
    }
    inserted = insert_ignore(Enrolment, values, ["user_id", "cohort_id"])
    enrolment = enrolment_on(user, cohort)
    assert enrolment is not None
    if inserted:
        after_commit("lms_enrolled", enrolment=enrolment)
    return enrolment


def reactivate(enrolment: Enrolment, *, source: str | None = None) -> None:
    """Give a withdrawn or deferred person their place back (completed if they already
    completed the course: completion earned stays earned)."""
    done = db.session.scalar(
        select(CourseCompletion.completed_at).where(
            CourseCompletion.user_id == enrolment.user_id,
            CourseCompletion.course_id == enrolment.cohort.course_id,
        )
    )
    enrolment.status = "completed" if done else "active"
    enrolment.completed_at = done
    enrolment.status_changed_at = utcnow()
    enrolment.status_reason = None
    enrolment.deferred_to_id = None
    if source:
        enrolment.source = source
    after_commit("lms_enrolled", enrolment=enrolment)


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


def enrol_person(actor: User | None, cohort: Cohort, sign_in_name: str) -> Enrolment:
    """A facilitator or admin enrols someone who has an account, found by email or username.

    Someone who withdrew earlier gets their place back.
    """
    begin_write()
    name = check.clean(sign_in_name)
    if not name:
        raise InvalidInput(
            "Please enter their email address or username.",
            field_errors={"person": "Please enter their email address or username."},
        )
    user = find_by_sign_in_name(name)
    if user is None or not user.active:
        message = (
            f"We couldn't find anyone with the email address or username “{name[:100]}”. "
            "Check the spelling; to add people who don't have an account yet, use a CSV file."
        )
        raise InvalidInput(message, field_errors={"person": message})
    existing = enrolment_on(user, cohort)
    if existing is not None and existing.status in PLACE_STATUSES:
        message = f"{user.display_name} is already on {cohort.name}."
        raise Conflict(message, field_errors={"person": message})
    if existing is not None:
        places.lock(cohort)
        places.make_room(cohort, 1)
        reactivate(existing, source="admin")
        enrolment = existing
    else:
        enrolment = _enrol(user, cohort, "admin")
    audit.record(
        actor,
        "enrolment.create",
        enrolment,
        f"{user.display_name} enrolled on {cohort.name}",
        source="admin",
    )
    commit()
    return enrolment


def join_cohort(user: User, cohort: Cohort) -> Enrolment:
    """A learner takes a place on an open cohort themselves; joining twice changes nothing."""
    if cohort.enrolment_mode != "open" or cohort.course.retired:
        raise NotAllowed(
            "Places on this cohort are given by its facilitator or your manager, so it can't "
            "be joined from here."
        )
    if cohort.ends_on is not None and cohort.ends_on < utcnow().date():
        raise Conflict("This cohort has finished, so it can't be joined any more.")
    begin_write()
    existing = enrolment_on(user, cohort)
    if existing is not None and existing.status in PLACE_STATUSES:
        return existing
    if existing is not None:
        raise Conflict(
            "You left this cohort earlier. If you'd like to come back, please ask its "
            "facilitator: they can give you your place back."
        )
    enrolment = _enrol(user, cohort, "self")
    commit()
    return enrolment


def withdraw(actor: User | None, enrolment: Enrolment, reason: str | None = None) -> None:
    """The person stops taking part. Their place is freed and their progress kept."""
    begin_write()
    problems = check.Problems()
    reason_ = check.text(problems, "reason", "the reason", reason, 300)
    check.raise_if(problems)
    name = enrolment.user.display_name
    if enrolment.status == "withdrawn":
        return
    if enrolment.status == "completed":
        raise Conflict(f"{name} has completed the course, so there's nothing to withdraw from.")
    if enrolment.status == "deferred":
        raise Conflict(
            f"{name} has moved to a later cohort. To withdraw them, do it on that cohort's page."
        )
    enrolment.status = "withdrawn"
    enrolment.status_changed_at = utcnow()
    enrolment.status_reason = reason_
    audit.record(
        actor,
        "enrolment.withdrawn",
        enrolment,
        f"{name} withdrawn from {enrolment.cohort.name}",
        reason=reason_,
    )
    commit()


def later_cohort_problem(enrolment: Enrolment, target: Cohort | None) -> str | None:
    """Why ``target`` can't take this person's deferral, or ``None`` if it can."""
    current = enrolment.cohort
    if target is None:
        return "Please choose the cohort they're moving to."
    if target.id == current.id:
        return "Please choose a different cohort from the one they are on."
    if target.course_id != current.course_id:
        return "Please choose a cohort of the same course, so their progress carries over."
    if target.ends_on is not None and target.ends_on < utcnow().date():
        return f"{target.name} has already finished. Please choose a later cohort."
    if target.starts_on and current.starts_on and target.starts_on <= current.starts_on:
        return f"{target.name} doesn't start after {current.name}. Please choose a later cohort."
    return None


def defer(
    actor: User | None, enrolment: Enrolment, target: Cohort | None, reason: str | None = None
) -> Enrolment:
    """Move the person to a later cohort of the same course. The old enrolment is kept as
    ``deferred``; the new one picks up where they left off (progress is per person and step)."""
    begin_write()
    problems = check.Problems()
    reason_ = check.text(problems, "reason", "the reason", reason, 300)
    problem = later_cohort_problem(enrolment, target)
    if problem:
        problems["cohort"] = problem
    check.raise_if(problems)
    assert target is not None
    name = enrolment.user.display_name
    if enrolment.status not in ("active", "invited"):
        raise Conflict(
            f"{name} is {enrolment.status_label.lower()} here, so there is no place to move."
        )
    existing = enrolment_on(enrolment.user, target)
    if existing is not None and existing.status in PLACE_STATUSES:
        raise Conflict(f"{name} is already on {target.name}.")
    places.lock(target)
    places.make_room(target, 1)
    if existing is not None:
        reactivate(existing)
        moved = existing
    else:
        moved = Enrolment(
            user_id=enrolment.user_id,
            cohort_id=target.id,
            status="active",
            source=enrolment.source,
            enrolled_at=utcnow(),
            resume_step_id=enrolment.resume_step_id,
            last_activity_at=enrolment.last_activity_at,
        )
        db.session.add(moved)
        db.session.flush()
        after_commit("lms_enrolled", enrolment=moved)
    moved.resume_step_id = moved.resume_step_id or enrolment.resume_step_id
    enrolment.status = "deferred"
    enrolment.status_changed_at = utcnow()
    enrolment.status_reason = reason_
    enrolment.deferred_to_id = target.id
    audit.record(
        actor,
        "enrolment.deferred",
        enrolment,
        f"{name} deferred from {enrolment.cohort.name} to {target.name}",
        to_cohort_id=target.id,
        reason=reason_,
    )
    commit()
    return moved


def reenrol(actor: User | None, enrolment: Enrolment) -> None:
    """Give a withdrawn person their place back, if there is room."""
    begin_write()
    name = enrolment.user.display_name
    if enrolment.status in PLACE_STATUSES:
        return
    if enrolment.status == "deferred":
        moved_on = db.session.scalar(
            select(
                exists().where(
                    Enrolment.user_id == enrolment.user_id,
                    Enrolment.cohort_id == enrolment.deferred_to_id,
                    Enrolment.status.in_(PLACE_STATUSES),
                )
            )
        )
        if moved_on:
            raise Conflict(
                f"{name} moved to a later cohort and is taking part there. To bring them back "
                "here, withdraw them from that cohort first."
            )
    cohort = enrolment.cohort
    places.lock(cohort)
    places.make_room(cohort, 1)
    reactivate(enrolment)
    audit.record(actor, "enrolment.reenrolled", enrolment, f"{name} re-enrolled on {cohort.name}")
    commit()
