"""Certificates in a report's scope: valid ones, on the enrolments the filters choose,
issued within the date range."""

from __future__ import annotations

from sqlalchemy import func, select

from lms.certificates.models import Certificate
from lms.cohorts.models import Cohort, Enrolment
from lms.extensions import db
from lms.reports.filters import Filters
from lms.reports.queries import enrolment_conditions, member_of_scope
from lms.reports.scope import ReportScope


def certificates_issued(scope: ReportScope, filters: Filters) -> int:
    """Valid certificates of people in the scope (revoked and replaced ones left out)."""
    return int(
        db.session.scalar(
            select(func.count(Certificate.id))
            .join(Enrolment, Enrolment.id == Certificate.enrolment_id)
            .join(Cohort, Cohort.id == Enrolment.cohort_id)
            .where(
                Certificate.status == "valid",
                member_of_scope(Enrolment.user_id, scope),
                *enrolment_conditions(filters, scope, dated=Certificate.issued_at),
            )
        )
        or 0
    )
