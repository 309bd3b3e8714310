"""A small certificates world: a self-paced course and a cohort course with sessions, the
people around them, and helpers to complete a course or take a register."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from lms.certificates import services as certificates
from lms.certificates.models import Certificate
from lms.extensions import db
from lms.live import services as live
from lms.live.services import RegisterEntry
from lms.progress import services as progress

OUTCOMES = [
    "Describe in plain words what trauma is and why it is so common",
    "Name the six principles of trauma-informed practice",
]


@dataclass
class CertWorld:
    org: Any
    other_org: Any
    course: Any
    cohort: Any
    learner: Any
    other_learner: Any
    facilitator: Any
    manager: Any
    other_manager: Any
    admin: Any

    def user(self, role: str) -> Any:
        return None if role == "anonymous" else getattr(self, role)


def complete(user: Any, course: Any) -> None:
    """Do every step of ``course`` as ``user`` (text steps only in these worlds)."""
    for module in course.modules:
        for step in module.steps:
            progress.mark_done(user, step)


def count_certificates() -> int:
    return db.session.scalar(select(func.count(Certificate.id))) or 0


def certificate_of(user: Any) -> Certificate:
    found = db.session.scalar(
        select(Certificate).where(Certificate.user_id == user.id, Certificate.status == "valid")
    )
    assert found is not None
    return found


@pytest.fixture
def cw(db: Any, factories: Any) -> CertWorld:
    f = factories
    org = f.organisation("Northfield Cert Trust", type="nhs_trust")
    other_org = f.organisation("Elsewhere Cert Centre")
    course = f.course(
        "cert-foundations",
        title="Trauma-informed practice: foundations",
        enrolment="cohort",
        outcomes=OUTCOMES,
        cpd_hours=3,
        modules=[[{"type": "text", "minutes": 40}, {"type": "text", "minutes": 50}]],
    )
    learner = f.user("Lena Learner", organisation=org)
    other_learner = f.user("Otto Other", organisation=other_org)
    facilitator = f.user("Fay Facilitator")
    manager = f.user("Mona Manager", organisation=org, role="manager")
    other_manager = f.user("Max Manager", organisation=other_org, role="manager")
    admin = f.user("Ada Admin", is_admin=True)
    cohort = f.cohort(course, facilitators=[facilitator], name="Spring cohort")
    f.enrol(learner, cohort)
    f.enrol(other_learner, cohort)
    return CertWorld(
        org,
        other_org,
        course,
        cohort,
        learner,
        other_learner,
        facilitator,
        manager,
        other_manager,
        admin,
    )


@pytest.fixture
def issued(cw: CertWorld) -> Certificate:
    """The world's learner completed the course and confirmed their display name."""
    complete(cw.learner, cw.course)
    certificates.confirm_name(cw.learner, "display")
    return certificate_of(cw.learner)


def past_session(cohort: Any, days_ago: int = 3, minutes: int = 90) -> Any:
    start = datetime.now(UTC) - timedelta(days=days_ago)
    return live.schedule_session(
        None,
        cohort=cohort,
        title="Reflective practice",
        starts_at=start,
        ends_at=start + timedelta(minutes=minutes),
        timezone="Europe/London",
        online_url="https://teams.microsoft.com/l/meetup-join/certs",
    )


def take_register(session: Any, marks: dict[Any, tuple[str, int | None]]) -> None:
    """Add each person to the register and record ``(status, minutes)`` for them."""
    entries = []
    for person, (status, minutes) in marks.items():
        booking = live.add_to_register(None, session, user=person)
        entries.append(RegisterEntry(booking.id, status, minutes))
    live.record_attendance(None, session, entries)
