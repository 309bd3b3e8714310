"""A small organisation for the report tests: a trust with a ward (a unit), people on two
courses, a completion, and live sessions with a register; plus another organisation whose
people must never appear."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pytest

from lms.accounts.models import Membership
from lms.db import utcnow
from lms.extensions import db
from lms.live.models import Attendance, Booking, LiveSession


@dataclass
class ReportWorld:
    trust: Any
    ward: Any
    elsewhere: Any
    manager: Any
    ward_manager: Any
    other_manager: Any
    facilitator: Any
    admin: Any
    ada: Any  # trust, completed foundations
    bea: Any  # ward, in progress on foundations, on the teams course too
    cal: Any  # trust, on no course
    outsider: Any  # elsewhere, on foundations
    foundations: Any
    teams: Any
    cohort: Any  # foundations cohort
    team_cohort: Any
    session: Any  # a foundations session that has happened
    cancelled: Any  # a cancelled one (never counts)


def add_session(cohort: Any, title: str, starts: datetime, minutes: int = 90, **kw: Any) -> Any:
    session = LiveSession(
        cohort_id=cohort.id,
        title=title,
        starts_at=starts,
        ends_at=starts + timedelta(minutes=minutes),
        timezone="Europe/London",
        **kw,
    )
    db.session.add(session)
    db.session.flush()
    return session


def register(session: Any, person: Any, status: str | None, minutes: int | None = None) -> Any:
    booking = Booking(session_id=session.id, user_id=person.id, status="booked")
    db.session.add(booking)
    db.session.flush()
    if status is not None:
        db.session.add(
            Attendance(session_id=session.id, booking_id=booking.id, status=status, minutes=minutes)
        )
        db.session.flush()
    return booking


@pytest.fixture
def rw(db: Any, factories: Any) -> ReportWorld:
    f = factories
    trust = f.organisation("Riverside Trust", type="nhs_trust", region="North West")
    ward = f.organisation("Ward 3", parent_id=trust.id, type="nhs_trust", region="North West")
    elsewhere = f.organisation("Hillside Centre", type="womens_centre", region="Wales")
    manager = f.user("Maya Manager", organisation=trust, role="manager")
    ward_manager = f.user("Wes Ward", organisation=ward, role="manager")
    other_manager = f.user("Omar Other", organisation=elsewhere, role="manager")
    facilitator = f.user("Fran Facilitator")
    admin = f.user("Ada Admin", is_admin=True)
    ada = f.user("Ada Archer", organisation=trust)
    bea = f.user("Bea Baker", organisation=ward)
    db.session.execute(
        Membership.__table__.update()
        .where(Membership.user_id == bea.id)
        .values(service_number="SN-042")
    )
    cal = f.user("Cal Cole", organisation=trust)
    outsider = f.user("Oona Outsider", organisation=elsewhere)
    foundations = f.course("foundations", title="Foundations", enrolment="cohort")
    teams = f.course("teams", title="Teams", enrolment="cohort")
    cohort = f.cohort(foundations, facilitators=[facilitator], name="Foundations spring")
    team_cohort = f.cohort(teams, name="Teams autumn")
    now = utcnow()
    f.enrol(ada, cohort, status="completed", completed_at=now - timedelta(days=3))
    f.enrol(bea, cohort)
    f.enrol(bea, team_cohort)
    f.enrol(outsider, cohort, status="completed", completed_at=now - timedelta(days=2))
    session = add_session(cohort, "Opening circle", now - timedelta(days=5))
    register(session, ada, "present")
    register(session, bea, "partial", minutes=45)
    register(session, outsider, "absent")
    cancelled = add_session(cohort, "Cancelled circle", now - timedelta(days=4), status="cancelled")
    register(cancelled, ada, "present")
    db.session.expire_all()
    return ReportWorld(
        trust,
        ward,
        elsewhere,
        manager,
        ward_manager,
        other_manager,
        facilitator,
        admin,
        ada,
        bea,
        cal,
        outsider,
        foundations,
        teams,
        cohort,
        team_cohort,
        session,
        cancelled,
    )


def read_csv(response: Any) -> list[dict[str, str]]:
    """A downloaded CSV file as rows of {heading: value}."""
    assert response.status_code == 200, response.status_code
    assert response.mimetype == "text/csv"
    text = response.get_data().decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text, newline="")))


def headings(response: Any) -> list[str]:
    text = response.get_data().decode("utf-8-sig")
    return next(csv.reader(io.StringIO(text, newline="")))
