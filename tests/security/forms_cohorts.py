"""Cohort forms to fuzz: a facilitator's cohort and enrolment pages, bulk upload,
joining an open cohort and a manager booking places."""

from __future__ import annotations

from typing import Any

from tests.security.conftest import SecurityWorld
from tests.security.fuzzing import Form, memo


def _enrolment_id(sw: SecurityWorld) -> int:
    from sqlalchemy import select

    from lms.cohorts.models import Enrolment
    from lms.extensions import db

    return memo(
        sw,
        "enrolment",
        lambda: db.session.scalar(
            select(Enrolment.id).where(
                Enrolment.user_id == sw.learner.id, Enrolment.cohort_id == sw.cohort.id
            )
        ),
    )


def _cohort_of(sw: SecurityWorld, mode: str) -> Any:
    from lms.testing.factories import Factories

    return memo(
        sw, f"cohort-{mode}", lambda: Factories().cohort(sw.course, enrolment_mode=mode, capacity=5)
    )


def _upload_id(sw: SecurityWorld) -> int:
    """A checked upload of the world's cohort: one new person, one row with a problem."""
    from lms.cohorts import services as cohorts

    data = (
        "name,email,username,organisation\n"
        f"Nia New,nia.new@example.org,,{sw.org.name}\n"
        "Lost,lost@example.org,,Nowhere\n"
    ).encode()
    return memo(
        sw,
        "upload",
        lambda: cohorts.preview_upload(sw.facilitator, sw.cohort, filename="p.csv", data=data).id,
    )


def _cohort_fields(sw: SecurityWorld) -> dict[str, list[str] | None]:
    return {
        "course": [str(sw.course.id), "", "0", "99999"],
        "name": ["Fuzz cohort"],
        "starts_on": ["2027-01-31", "31/01/2027", "2027-02-30", "tomorrow"],
        "ends_on": ["2027-03-01", "01/03/2027", "2026-01-01"],
        "timezone": ["Europe/London", "UTC", "Mars/Olympus", ""],
        "facilitators": [str(sw.facilitator.id), str(sw.learner.id), "99999", "x"],
        "add_facilitators": [sw.other_facilitator.email, "nobody@example.org, ,,"],
        "capacity": ["12", "0", "-3", "²", "9" * 30, "9" * 5000, ""],
        "enrolment_mode": ["open", "invitation", "manager", "everyone"],
        "plugins": ["feedback", "nope"],
    }


COHORT_FORMS: dict[str, Form] = {
    "cohort: new": Form("facilitator", lambda sw: "/facilitate/cohorts/new", _cohort_fields),
    "cohort: edit": Form(
        "facilitator", lambda sw: f"/facilitate/cohorts/{sw.cohort.id}/edit", _cohort_fields
    ),
    "cohort: enrol someone": Form(
        "facilitator",
        lambda sw: f"/facilitate/cohorts/{sw.cohort.id}/enrol",
        lambda sw: {"person": [sw.other_learner.email, "nobody", sw.learner.email]},
    ),
    "cohort: withdraw": Form(
        "facilitator",
        lambda sw: f"/facilitate/cohorts/{sw.cohort.id}/enrolments/{_enrolment_id(sw)}/withdraw",
        lambda sw: {"reason": ["Moved jobs."]},
    ),
    "cohort: defer": Form(
        "facilitator",
        lambda sw: f"/facilitate/cohorts/{sw.cohort.id}/enrolments/{_enrolment_id(sw)}/defer",
        lambda sw: {
            "cohort": [str(sw.peer_cohort.id), str(sw.cohort.id), "", "99999"],
            "reason": ["Later suits them."],
        },
    ),
    "cohort: re-enrol": Form(
        "facilitator",
        lambda sw: f"/facilitate/cohorts/{sw.cohort.id}/enrolments/{_enrolment_id(sw)}/reenrol",
        lambda sw: {},
    ),
    "cohort: print codes": Form(
        "facilitator",
        lambda sw: f"/facilitate/cohorts/{sw.cohort.id}/codes",
        lambda sw: {"people": [str(sw.learner.id), "99999", "", "x"]},
    ),
    "cohort: bulk upload": Form(
        "facilitator",
        lambda sw: f"/facilitate/cohorts/{sw.cohort.id}/bulk",
        lambda sw: {
            "file": [
                f"name,email,organisation\nNia,nia@example.org,{sw.org.name}\n",
                "name,username,organisation\nPat,pat.p,Nowhere\n",
                "name;email;organisation\nA;a@example.org;" + sw.org.name,
                "PK\x03\x04 not really a workbook",
                "",
            ]
        },
        files=("file",),
    ),
    "cohort: bulk confirm": Form(
        "facilitator",
        lambda sw: f"/facilitate/cohorts/{sw.cohort.id}/bulk/{_upload_id(sw)}/confirm",
        lambda sw: {},
    ),
    "cohort: bulk delete": Form(
        "facilitator",
        lambda sw: f"/facilitate/cohorts/{sw.cohort.id}/bulk/{_upload_id(sw)}/delete",
        lambda sw: {},
    ),
    "cohort: join an open cohort": Form(
        "other_learner", lambda sw: f"/cohorts/{_cohort_of(sw, 'open').id}/join", lambda sw: {}
    ),
    "manager: book places": Form(
        "manager",
        lambda sw: f"/organisations/{sw.org.id}/book/{_cohort_of(sw, 'manager').id}",
        lambda sw: {"people": [str(sw.learner.id), str(sw.other_learner.id), "99999", "x"]},
    ),
}
