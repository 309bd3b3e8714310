"""Who may use the cohort pages: the facilitator's area, bulk enrolment, joining an open
cohort, and managers booking places (the reports blueprint's booking pages)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from lms.cohorts.models import BulkEnrolmentUpload, Enrolment
from lms.extensions import db
from lms.testing.factories import Factories

SIGN_IN, OK, SEE_OTHER, FORBIDDEN = "sign-in", 200, 303, 403
ROLES = ("anonymous", "learner", "other_learner", "facilitator", "manager", "admin")


def only(allowed: dict[str, Any]) -> dict[str, Any]:
    return {"anonymous": SIGN_IN, **{role: allowed.get(role, FORBIDDEN) for role in ROLES[1:]}}


def everyone_signed_in(status: int) -> dict[str, Any]:
    return {"anonymous": SIGN_IN, **{role: status for role in ROLES[1:]}}


RUNS_COHORT = {"facilitator": OK, "admin": OK}


def learner_enrolment(world: Any) -> int:
    return db.session.scalar(
        select(Enrolment.id).where(
            Enrolment.user_id == world.learner.id, Enrolment.cohort_id == world.cohort.id
        )
    )


def upload(world: Any) -> int:
    row = {
        "line": "2",
        "name": "Nia New",
        "email": "nia.new@example.org",
        "email_ok": "y",
        "username": "",
        "organisation": world.org.name,
        "organisation_id": world.org.id,
        "service_number": "",
        "extra": "",
        "action": "new",
    }
    made = BulkEnrolmentUpload(cohort_id=world.cohort.id, filename="people.csv", rows=[row])
    db.session.add(made)
    db.session.flush()
    return made.id


def open_cohort(world: Any) -> int:
    return Factories().cohort(world.course, enrolment_mode="open", capacity=30).id


def managers_cohort(world: Any) -> int:
    return Factories().cohort(world.course, enrolment_mode="manager", capacity=30).id


COHORT = {"cohort_id": "cohort.id"}
ENROLMENT = {"cohort_id": "cohort.id", "enrolment_id": learner_enrolment}

ROUTES: dict[str, tuple[str, dict[str, Any], dict[str, Any]]] = {
    "cohorts.new": ("GET", {}, only(RUNS_COHORT)),
    "cohorts.edit": ("GET", COHORT, only(RUNS_COHORT)),
    "cohorts.enrol": ("GET", COHORT, only(RUNS_COHORT)),
    "cohorts.enrolment": ("GET", ENROLMENT, only(RUNS_COHORT)),
    # An empty withdraw withdraws (the reason is optional); an empty deferral asks again.
    "cohorts.withdraw": ("POST", ENROLMENT, only({"facilitator": SEE_OTHER, "admin": SEE_OTHER})),
    "cohorts.defer": ("POST", ENROLMENT, only({"facilitator": 400, "admin": 400})),
    "cohorts.reenrol": ("POST", ENROLMENT, only({"facilitator": SEE_OTHER, "admin": SEE_OTHER})),
    "cohorts.codes": ("GET", COHORT, only(RUNS_COHORT)),
    "cohorts.bulk": ("GET", COHORT, only(RUNS_COHORT)),
    "cohorts.bulk_template": ("GET", COHORT, only(RUNS_COHORT)),
    "cohorts.bulk_preview": (
        "GET",
        {"cohort_id": "cohort.id", "upload_id": upload},
        only(RUNS_COHORT),
    ),
    # The new person in the file gets a one-time code: the code sheet follows.
    "cohorts.bulk_confirm": (
        "POST",
        {"cohort_id": "cohort.id", "upload_id": upload},
        only(RUNS_COHORT),
    ),
    "cohorts.bulk_delete": (
        "POST",
        {"cohort_id": "cohort.id", "upload_id": upload},
        only({"facilitator": SEE_OTHER, "admin": SEE_OTHER}),
    ),
    "cohorts.join_page": ("GET", {"cohort_id": open_cohort}, everyone_signed_in(OK)),
    "cohorts.join": ("POST", {"cohort_id": open_cohort}, everyone_signed_in(SEE_OTHER)),
    # The world's cohort is by invitation: nobody joins it from the join page.
    "reports.book": ("GET", {"organisation_id": "org.id"}, only({"manager": OK, "admin": OK})),
    "reports.book_people": (
        "GET",
        {"organisation_id": "org.id", "cohort_id": managers_cohort},
        only({"manager": OK, "admin": OK}),
    ),
}
