"""The dashboard counts valid certificates of the people in scope, within the filters."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select

from lms.certificates.models import Certificate
from lms.cohorts.models import Enrolment
from lms.db import utcnow
from lms.extensions import db
from tests.reports.conftest import ReportWorld

_numbers = iter(range(1, 1000))


def _certificate(person: Any, cohort: Any, status: str = "valid", days_ago: int = 1) -> None:
    enrolment = db.session.scalar(
        select(Enrolment).where(Enrolment.user_id == person.id, Enrolment.cohort_id == cohort.id)
    )
    assert enrolment is not None
    n = next(_numbers)
    db.session.add(
        Certificate(
            enrolment_id=enrolment.id,
            user_id=person.id,
            cohort_id=cohort.id,
            course_id=cohort.course_id,
            issue_number=1 if status == "valid" else 2,
            kind="completion",
            template_key="completion",
            code=f"CODE{n:04d}",
            number=f"2026-{n:06d}",
            issued_name=person.display_name,
            issued_at=utcnow() - timedelta(days=days_ago),
            status=status,
        )
    )
    db.session.flush()


def _figure(body: str) -> str:
    marker = '<span class="figure-label">Certificates issued</span>'
    assert marker in body
    return body.split(marker)[0].rsplit('<span class="figure-value">', 1)[1].split("<")[0]


def test_valid_certificates_of_the_organisation_only(rw: ReportWorld, client, sign_in):
    _certificate(rw.ada, rw.cohort)
    _certificate(rw.ada, rw.cohort, status="superseded", days_ago=30)  # replaced: not counted
    _certificate(rw.outsider, rw.cohort)  # another organisation's learner
    sign_in(rw.manager)
    body = client.get(f"/organisations/{rw.trust.id}/dashboard").get_data(as_text=True)
    assert _figure(body) == "1"


def test_the_date_range_chooses_by_the_day_of_issue(rw: ReportWorld, client, sign_in):
    _certificate(rw.ada, rw.cohort, days_ago=40)
    sign_in(rw.manager)
    recent = (utcnow() - timedelta(days=10)).date().isoformat()
    body = client.get(f"/organisations/{rw.trust.id}/dashboard?from={recent}").get_data(
        as_text=True
    )
    assert _figure(body) == "0"
    body = client.get(f"/organisations/{rw.trust.id}/dashboard").get_data(as_text=True)
    assert _figure(body) == "1"
