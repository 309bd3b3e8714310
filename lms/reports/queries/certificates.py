"""Certificates in a report's scope: valid ones, on the enrolments the filters choose,
issued within the date range."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from lms.certificates.models import Certificate
from lms.extensions import db
from lms.reports.filters import Filters
from lms.reports.queries import member_of_scope
from lms.reports.scope import ReportScope


def _conditions(scope: ReportScope, filters: Filters) -> list[Any]:
    """The filters on the certificate's own copy of its enrolment's cohort and course (a
    certificate never moves), so that counting needs no join."""
    conditions: list[Any] = [
        Certificate.status == "valid",
        member_of_scope(Certificate.user_id, scope),
    ]
    if filters.course_id is not None:
        conditions.append(Certificate.course_id == filters.course_id)
    if filters.cohort_id is not None:
        conditions.append(Certificate.cohort_id == filters.cohort_id)
    if scope.cohort_ids is not None:
        conditions.append(Certificate.cohort_id.in_(scope.cohort_ids))
    if filters.starts is not None:
        conditions.append(Certificate.issued_at >= filters.starts)
    if filters.ends is not None:
        conditions.append(Certificate.issued_at < filters.ends)
    return conditions


def certificates_issued(scope: ReportScope, filters: Filters) -> int:
    """Valid certificates of people in the scope (revoked and replaced ones left out)."""
    query = select(func.count(Certificate.id)).where(*_conditions(scope, filters))
    return int(db.session.scalar(query) or 0)
