"""The cohort pages: the facilitator's area (cohorts, progress, enrolments, bulk enrolment)
and the page where learners join an open cohort. One blueprint, split by entity."""

from __future__ import annotations

from typing import cast

from flask import Blueprint
from flask_login import current_user

from lms.accounts.models import User

bp = Blueprint("cohorts", __name__)


def me() -> User:
    return cast(User, current_user._get_current_object())


from lms.cohorts.views import bulk, cohorts, enrolments  # noqa: E402, F401 - routes on bp
