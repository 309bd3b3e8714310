"""Rules for reports: an organisation's, a cohort's and the whole site's."""

from __future__ import annotations

from typing import Any

from lms.accounts.models import User
from lms.accounts.permissions.facts import facilitates, is_facilitator, is_manager, manages
from lms.accounts.permissions.registry import rule
from lms.cohorts.models import Cohort


@rule("view_reports")
def _view_reports(user: User, scope: Any) -> bool:
    """Reports of a scope (``lms.reports.scope.ReportScope``): an organisation's for its
    managers, a cohort's for its facilitators, every organisation's for admins. Without a
    scope: whether the person has any reports at all."""
    if user.is_admin:
        return True
    if scope is None:
        return is_manager(user) or is_facilitator(user)
    if scope.kind == "organisation" and scope.organisation is not None:
        return manages(user, scope.organisation)
    if scope.kind == "cohort" and scope.cohort is not None:
        return facilitates(user, scope.cohort)
    return False


@rule("view_cohort_report")
def _view_cohort_report(user: User, cohort: Cohort) -> bool:
    return user.is_admin or facilitates(user, cohort)


@rule("view_site_reports")
def _view_site_reports(user: User, _obj: Any) -> bool:
    return user.is_admin
