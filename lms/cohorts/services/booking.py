"""Managers book places for people of their own organisation on cohorts booked by managers."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import select

from lms.accounts.models import Membership, Organisation, User
from lms.accounts.permissions import can
from lms.audit import services as audit
from lms.cohorts.models import PLACE_STATUSES, Cohort, Enrolment
from lms.cohorts.services import places
from lms.cohorts.services.enrolments import reactivate
from lms.db import begin_write, utcnow
from lms.errors import Conflict, InvalidInput, NotAllowed
from lms.events import after_commit, commit
from lms.extensions import db


@dataclass
class Booking:
    """Who got a place, and who already had one."""

    booked: list[User] = field(default_factory=list)
    already: list[User] = field(default_factory=list)


def bookable_problem(cohort: Cohort) -> str | None:
    """Why managers can't book places on ``cohort`` now, or ``None`` if they can."""
    if cohort.enrolment_mode != "manager":
        return f"Places on {cohort.name} aren't booked by managers. Please ask its facilitator."
    if cohort.course.retired:
        return f"{cohort.course.title} is no longer offered."
    if cohort.ends_on is not None and cohort.ends_on < utcnow().date():
        return f"{cohort.name} has finished."
    return None


def book_places(
    actor: User, organisation: Organisation, cohort: Cohort, user_ids: Iterable[int]
) -> Booking:
    """Book the chosen people of ``organisation`` onto ``cohort``: all of them or none.

    Only members of ``organisation`` can be booked, and only by someone who manages it.
    """
    if not can(actor, "book_places", organisation):
        raise NotAllowed("You can only book places for people of organisations you manage.")
    problem = bookable_problem(cohort)
    if problem:
        raise NotAllowed(problem)
    wanted = {int(i) for i in user_ids}
    if not wanted:
        message = "Please choose at least one person to book."
        raise InvalidInput(message, field_errors={"people": message})
    begin_write()
    members = set(
        db.session.scalars(
            select(Membership.user_id).where(
                Membership.organisation_id == organisation.id, Membership.user_id.in_(wanted)
            )
        )
    )
    if wanted - members:
        raise NotAllowed(f"You can only book people from {organisation.name}. Nothing was booked.")
    people = list(
        db.session.scalars(
            select(User).where(User.id.in_(wanted)).order_by(User.display_name, User.id)
        )
    )
    switched_off = [p.display_name for p in people if not p.active]
    if switched_off:
        raise Conflict(
            f"The account of {', '.join(switched_off)} is switched off, so it can't be booked."
        )
    existing = {
        e.user_id: e
        for e in db.session.scalars(
            select(Enrolment).where(Enrolment.cohort_id == cohort.id, Enrolment.user_id.in_(wanted))
        )
    }
    result = Booking()
    for person in people:
        held = existing.get(person.id)
        (result.already if held and held.status in PLACE_STATUSES else result.booked).append(person)
    if not result.booked:
        return result
    places.lock(cohort)
    places.make_room(cohort, len(result.booked))
    now = utcnow()
    for person in result.booked:
        held = existing.get(person.id)
        if held is not None:
            reactivate(held, source="manager")
            enrolment = held
        else:
            enrolment = Enrolment(
                user_id=person.id,
                cohort_id=cohort.id,
                status="active",
                source="manager",
                enrolled_at=now,
            )
            db.session.add(enrolment)
            db.session.flush()
            after_commit("lms_enrolled", enrolment=enrolment)
        audit.record(
            actor,
            "enrolment.create",
            enrolment,
            f"{person.display_name} booked on {cohort.name} by a manager of {organisation.name}",
            source="manager",
            organisation_id=organisation.id,
        )
    commit()
    return result
