"""Rules for running and joining cohorts."""

from __future__ import annotations

from typing import Any

from lms.accounts.models import User
from lms.accounts.permissions.facts import facilitates, is_facilitator
from lms.accounts.permissions.registry import rule
from lms.cohorts.models import Cohort


@rule("facilitate")
def _facilitate(user: User, _obj: Any) -> bool:
    return user.is_admin or is_facilitator(user)


@rule("view_cohort")
def _view_cohort(user: User, cohort: Cohort) -> bool:
    return user.is_admin or facilitates(user, cohort)


@rule("create_cohort")
def _create_cohort(user: User, _obj: Any) -> bool:
    return user.is_admin or is_facilitator(user)


@rule("edit_cohort", "manage_enrolments")
def _run_cohort(user: User, cohort: Cohort) -> bool:
    return user.is_admin or facilitates(user, cohort)


@rule("join_cohort")
def _join_cohort(user: User, cohort: Cohort) -> bool:
    return cohort.enrolment_mode == "open" and not cohort.course.retired
