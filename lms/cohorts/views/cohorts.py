"""Cohort pages: the facilitator's list, a cohort with its progress grid, creating and
editing cohorts, and the page where a learner joins an open cohort."""

from __future__ import annotations

from typing import Any

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from lms.accounts.forms import choices, show_problems
from lms.accounts.permissions import can, require
from lms.catalogue.models import Course
from lms.cohorts import queries
from lms.cohorts import services as cohorts
from lms.cohorts.forms import CohortForm, ConfirmForm, page_number
from lms.cohorts.models import Cohort
from lms.cohorts.views import bp, me
from lms.db import get_or_404
from lms.errors import LMSError
from lms.extensions import db


@bp.get("/facilitate")
@login_required
def index() -> str:
    require(can(current_user, "facilitate"))
    return render_template("cohorts/index.html", rows=queries.facilitated_cohorts(me()))


@bp.get("/facilitate/cohorts/<int:cohort_id>")
@login_required
def show(cohort_id: int) -> str:
    cohort = get_or_404(Cohort, cohort_id)
    require(can(current_user, "view_cohort", cohort))
    page = page_number(request.args.get("page"))
    return render_template(
        "cohorts/show.html",
        cohort=cohort,
        row=queries.cohort_row(cohort),
        grid=queries.progress_grid(cohort, page),
        plugins=queries.active_plugins(cohort),
        shared=(
            queries.shared_reflections(cohort)
            if can(current_user, "read_shared_reflections", cohort)
            else None
        ),
    )


def _plugin_choices() -> list[tuple[str, str]]:
    loaded = current_app.extensions["lms_plugins"].plugins
    return [(name, plugin.title) for name, plugin in sorted(loaded.items())]


def _timezone_choices(current: str | None) -> list[tuple[str, str]]:
    zones = list(cohorts.COMMON_TIMEZONES)
    if current and current not in zones:
        zones.insert(0, current)
    return [(zone, zone.replace("_", " ")) for zone in zones]


def _prepare(form: CohortForm, cohort: Cohort | None) -> CohortForm:
    form.timezone.choices = choices(_timezone_choices(cohort.timezone if cohort else None))
    form.facilitators.choices = choices(queries.facilitator_choices(cohort, me()))
    form.plugins.choices = choices(_plugin_choices())
    if cohort is None:
        form.course.choices = choices([("", "Choose a course"), *queries.course_choices()])
    else:
        del form.course
    return form


def _details(form: CohortForm) -> dict[str, Any]:
    return {
        "name": form.name.data or "",
        "starts_on": form.starts_on.data,
        "ends_on": form.ends_on.data,
        "timezone": form.timezone.data or "",
        "capacity": form.capacity_value(),
        "enrolment_mode": form.enrolment_mode.data or "",
        "facilitators": form.facilitator_refs(),
        "plugins": form.plugins.data or [],
    }


@bp.route("/facilitate/cohorts/new", methods=["GET", "POST"])
@login_required
def new() -> Any:
    require(can(current_user, "create_cohort"))
    form = _prepare(CohortForm(), None)
    if request.method == "GET":
        form.facilitators.data = [] if me().is_admin else [me().id]
    if form.validate_on_submit():
        course = db.session.get(Course, form.course.data) if form.course.data else None
        try:
            cohort = cohorts.create_cohort(me(), course, **_details(form))
        except LMSError as error:
            show_problems(form, error)
        else:
            flash(f"{cohort.name} has been created.")
            return redirect(url_for("cohorts.show", cohort_id=cohort.id), code=303)
    return render_template("cohorts/form.html", form=form, cohort=None)


@bp.route("/facilitate/cohorts/<int:cohort_id>/edit", methods=["GET", "POST"])
@login_required
def edit(cohort_id: int) -> Any:
    cohort = get_or_404(Cohort, cohort_id)
    require(can(current_user, "edit_cohort", cohort))
    form = _prepare(CohortForm(obj=cohort if request.method == "GET" else None), cohort)
    if request.method == "GET":
        form.capacity.data = str(cohort.capacity) if cohort.capacity else ""
        form.facilitators.data = [p.id for p in cohort.facilitators]
        form.plugins.data = queries.active_plugins(cohort)
    if form.validate_on_submit():
        try:
            cohorts.update_cohort(me(), cohort, **_details(form))
        except LMSError as error:
            show_problems(form, error)
        else:
            flash(f"Your changes to {cohort.name} are saved.")
            return redirect(url_for("cohorts.show", cohort_id=cohort.id), code=303)
    return render_template("cohorts/form.html", form=form, cohort=cohort)


@bp.get("/cohorts/<int:cohort_id>")
@login_required
def join_page(cohort_id: int) -> str:
    cohort = get_or_404(Cohort, cohort_id)
    require(can(current_user, "join_cohort", cohort))
    return render_template(
        "cohorts/join.html",
        cohort=cohort,
        row=queries.cohort_row(cohort),
        enrolment=cohorts.enrolment_on(me(), cohort),
        form=ConfirmForm(),
    )


@bp.post("/cohorts/<int:cohort_id>/join")
@login_required
def join(cohort_id: int) -> Response:
    cohort = get_or_404(Cohort, cohort_id)
    require(can(current_user, "join_cohort", cohort))
    try:
        cohorts.join_cohort(me(), cohort)
    except LMSError as error:
        flash(error.message, "problem")
        return redirect(url_for("cohorts.join_page", cohort_id=cohort.id), code=303)
    flash(f"You have a place on {cohort.name}. Take your time; your place is saved as you go.")
    return redirect(url_for("catalogue.outline", slug=cohort.course.slug), code=303)
