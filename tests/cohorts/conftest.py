"""A small cohort world for the cohort tests, and helpers to read what was written."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import func, select

from lms.accounts.models import Membership, OneTimeCode, User
from lms.audit.models import AuditEvent
from lms.cohorts.models import BulkEnrolmentUpload, Cohort, CohortFacilitator, Enrolment
from lms.extensions import db


def count(model: Any) -> int:
    return db.session.scalar(select(func.count()).select_from(model)) or 0


def snapshot() -> dict[str, int]:
    """Row counts of everything the cohort pages may write: compare before and after."""
    return {
        model.__name__: count(model)
        for model in (
            User,
            Membership,
            OneTimeCode,
            Cohort,
            CohortFacilitator,
            Enrolment,
            BulkEnrolmentUpload,
            AuditEvent,
        )
    }


def text(response: Any) -> str:
    return (
        response.get_data(as_text=True)
        .replace("&#39;", "'")
        .replace("&#34;", '"')
        .replace("&quot;", '"')
        .replace("&amp;", "&")
    )


def enrolment_of(user: Any, cohort: Any) -> Enrolment | None:
    db.session.expire_all()
    return db.session.scalar(
        select(Enrolment).where(Enrolment.user_id == user.id, Enrolment.cohort_id == cohort.id)
    )


@dataclass
class Place:
    course: Any
    cohort: Any
    facilitator: Any
    admin: Any
    org: Any
    other_org: Any


@pytest.fixture
def place(factories) -> Place:
    """A cohort course with two modules, a cohort run by a facilitator, two organisations."""
    f = factories
    course = f.course(
        "cohort-course",
        enrolment="cohort",
        modules=[[{"type": "text"}, {"type": "text"}], [{"type": "text"}]],
    )
    facilitator = f.user("Fay Facilitator", email="fay@example.org")
    admin = f.user("Ada Admin", email="ada@example.org", is_admin=True)
    cohort = f.cohort(
        course, facilitators=[facilitator], name="Spring cohort", starts_on=None, capacity=None
    )
    org = f.organisation("Northfield Trust", type="nhs_trust")
    other_org = f.organisation("Elsewhere Centre", type="womens_centre")
    return Place(course, cohort, facilitator, admin, org, other_org)


@pytest.fixture
def as_facilitator(client, sign_in, place):
    return sign_in(place.facilitator)
