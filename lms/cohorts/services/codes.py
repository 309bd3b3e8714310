"""New one-time sign-in codes for a cohort's learners who haven't chosen a password yet
(by email address or username: the site sends no email, so a code on paper is the way in).

Codes are stored only as hashes, so a lost code sheet can't be shown again: a facilitator
prints a new sheet instead, and the older codes stop working.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select

from lms.accounts.models import User
from lms.cohorts.models import PLACE_STATUSES, Cohort, Enrolment
from lms.cohorts.services.bulk import IssuedSheetCode
from lms.db import begin_write
from lms.errors import Conflict, InvalidInput
from lms.events import commit
from lms.extensions import db


def waiting_for_codes(cohort: Cohort, actor: User | None = None) -> list[User]:
    """Learners on the cohort who have no password or PIN yet.

    Admins, and the person asking, are never given a code this way.
    """
    query = (
        select(User)
        .join(Enrolment, Enrolment.user_id == User.id)
        .where(
            Enrolment.cohort_id == cohort.id,
            Enrolment.status.in_(PLACE_STATUSES),
            User.active,
            User.is_admin.is_(False),
            User.password_hash.is_(None),
        )
        .order_by(User.display_name, User.id)
    )
    if actor is not None:
        query = query.where(User.id != actor.id)
    return list(db.session.scalars(query))


def issue_cohort_codes(
    actor: User | None, cohort: Cohort, user_ids: Iterable[int] | None = None
) -> list[IssuedSheetCode]:
    """New codes for the chosen learners waiting for one (all of them if none are chosen)."""
    begin_write()
    people = waiting_for_codes(cohort, actor)
    if user_ids is not None:
        chosen = set(user_ids)
        if not chosen:
            message = "Please choose at least one person to print a code for."
            raise InvalidInput(message, field_errors={"people": message})
        people = [p for p in people if p.id in chosen]
    if not people:
        raise Conflict(
            "There is nobody to print a code for: everyone chosen has already set a password "
            "or PIN."
        )
    sheet = [IssuedSheetCode.issue(actor, person) for person in people]
    commit()
    return sheet
