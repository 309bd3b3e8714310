"""The facilitator's view of their cohorts and how their learners are getting on."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user, login_required

from lms.accounts.permissions import can, require
from lms.cohorts import queries
from lms.cohorts.models import Cohort
from lms.db import get_or_404

bp = Blueprint("cohorts", __name__)


@bp.get("/facilitate")
@login_required
def index() -> str:
    require(can(current_user, "facilitate"))
    return render_template("cohorts/index.html", rows=queries.facilitated_cohorts(current_user))


@bp.get("/facilitate/cohorts/<int:cohort_id>")
@login_required
def show(cohort_id: int) -> str:
    cohort = get_or_404(Cohort, cohort_id)
    require(can(current_user, "view_cohort", cohort))
    return render_template(
        "cohorts/show.html",
        cohort=cohort,
        learners=queries.cohort_progress(cohort),
        shared=queries.shared_reflections(cohort),
    )
