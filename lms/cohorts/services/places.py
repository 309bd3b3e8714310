"""A cohort's places: how many are taken, and making sure a change fits in what's left.

Checked inside the write transaction that takes the place: on SQLite the transaction holds
the write lock from its start (``begin_write``), on PostgreSQL ``lock`` takes the cohort's
row, so two people can't both take the last place.
"""

from __future__ import annotations

from sqlalchemy import func, select

from lms.cohorts.models import PLACE_STATUSES, Cohort, Enrolment
from lms.errors import Conflict
from lms.extensions import db


def places_taken(cohort: Cohort) -> int:
    return (
        db.session.scalar(
            select(func.count(Enrolment.id)).where(
                Enrolment.cohort_id == cohort.id, Enrolment.status.in_(PLACE_STATUSES)
            )
        )
        or 0
    )


def places_left(cohort: Cohort) -> int | None:
    """Free places, or ``None`` when the cohort has no limit."""
    if cohort.capacity is None:
        return None
    return max(cohort.capacity - places_taken(cohort), 0)


def lock(cohort: Cohort) -> None:
    """Hold the cohort's row until the transaction ends (no-op on SQLite, see above)."""
    db.session.execute(select(Cohort.id).where(Cohort.id == cohort.id).with_for_update())


def make_room(cohort: Cohort, wanted: int) -> None:
    """Refuse, with a message for a person, unless ``wanted`` more places are free."""
    if cohort.capacity is None or wanted <= 0:
        return
    left = cohort.capacity - places_taken(cohort)
    if left <= 0:
        raise Conflict(f"{cohort.name} is full: all {cohort.capacity} places are taken.")
    if wanted > left:
        places = "place" if left == 1 else "places"
        raise Conflict(
            f"{cohort.name} has {left} {places} left, and that needs {wanted}. Nothing was "
            "changed: choose fewer people or raise the cohort's capacity."
        )
