"""Certificates in a report's scope: valid ones, on the enrolments the filters choose,
issued within the date range."""

from __future__ import annotations

from sqlalchemy import func, select

from lms.certificates.models import Certificate
from lms.extensions import db
from lms.reports.filters import Filters
from lms.reports.queries import enrolment_conditions, member_of_scope
from lms.reports.scope import ReportScope


def certificates_issued(scope: ReportScope, filters: Filters) -> int:
    """Valid certificates of people in the scope (revoked and replaced ones left out)."""
    # The certificate's own copy of its enrolment's cohort and course (a certificate never
    # moves): counting needs no join.
    query = select(func.count(Certificate.id)).where(
        Certificate.status == "valid",
        member_of_scope(Certificate.user_id, scope),
        *enrolment_conditions(
            filters,
            scope,
            dated=Certificate.issued_at,
            course=Certificate.course_id,
            cohort=Certificate.cohort_id,
        ),
    )
    return int(db.session.scalar(query) or 0)
