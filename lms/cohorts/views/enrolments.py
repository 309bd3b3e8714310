"""Managing the people on a cohort: enrol someone, withdraw, defer, re-enrol, and print
new one-time sign-in codes."""

from __future__ import annotations

from datetime import UTC
from typing import Any
from zoneinfo import ZoneInfo

from flask import abort, current_app, flash, redirect, render_template, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from lms.accounts.forms import choices, show_problems
from lms.accounts.permissions import can, require
from lms.cohorts import queries
from lms.cohorts import services as cohorts
from lms.cohorts.forms import CodesForm, ConfirmForm, DeferForm, EnrolForm, WithdrawForm
from lms.cohorts.models import BulkEnrolmentUpload, Cohort, Enrolment
from lms.cohorts.services import IssuedSheetCode
from lms.cohorts.views import bp, me
from lms.db import get_or_404
from lms.errors import LMSError
from lms.extensions import db


def managed_cohort(cohort_id: int) -> Cohort:
    cohort = get_or_404(Cohort, cohort_id)
    require(can(current_user, "manage_enrolments", cohort))
    return cohort


def _enrolment(cohort: Cohort, enrolment_id: int) -> Enrolment:
    enrolment = db.session.get(Enrolment, enrolment_id)
    if enrolment is None or enrolment.cohort_id != cohort.id:
        abort(404)
    return enrolment


def code_sheet(
    cohort: Cohort,
    sheet: list[IssuedSheetCode],
    summary: str = "",
    upload: BulkEnrolmentUpload | None = None,
) -> Response:
    """The printable cards: shown only in this response, never stored or shown again.
    ``upload``: the file the cards came from, which "Done" then deletes."""
    zone = ZoneInfo(cohort.timezone) if cohorts.valid_timezone(cohort.timezone) else UTC
    cards = [
        (card, card.expires_at.replace(tzinfo=UTC).astimezone(zone).strftime("%-d %B %Y, %H:%M"))
        for card in sheet
    ]
    response = current_app.make_response(
        render_template(
            "cohorts/code_sheet.html",
            cohort=cohort,
            cards=cards,
            zone=cohort.timezone,
            summary=summary,
            upload=upload,
            form=ConfirmForm(),
            keep_days=cohorts.kept_days(),
        )
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/facilitate/cohorts/<int:cohort_id>/enrol", methods=["GET", "POST"])
@login_required
def enrol(cohort_id: int) -> Any:
    cohort = managed_cohort(cohort_id)
    form = EnrolForm()
    if form.validate_on_submit():
        try:
            enrolment = cohorts.enrol_person(me(), cohort, form.person.data or "")
        except LMSError as error:
            show_problems(form, error)
        else:
            flash(f"{enrolment.user.display_name} is enrolled on {cohort.name}.")
            return redirect(url_for("cohorts.show", cohort_id=cohort.id), code=303)
    return render_template(
        "cohorts/enrol.html", cohort=cohort, form=form, row=queries.cohort_row(cohort)
    )


def _enrolment_page(cohort: Cohort, enrolment: Enrolment, **forms: Any) -> str:
    defer_form = forms.get("defer_form") or DeferForm(formdata=None)
    later = queries.later_cohorts(cohort)
    defer_form.cohort.choices = choices(
        [
            ("", "Choose a cohort"),
            *(
                (
                    row.cohort.id,
                    row.cohort.name
                    + (
                        f" (starts {row.cohort.starts_on.strftime('%-d %b %Y')})"
                        if row.cohort.starts_on
                        else ""
                    )
                    + (f", {row.places_left} places left" if row.places_left is not None else ""),
                )
                for row in later
            ),
        ]
    )
    return render_template(
        "cohorts/enrolment.html",
        cohort=cohort,
        enrolment=enrolment,
        withdraw_form=forms.get("withdraw_form") or WithdrawForm(formdata=None),
        defer_form=defer_form,
        later=later,
        confirm=ConfirmForm(),
    )


@bp.get("/facilitate/cohorts/<int:cohort_id>/enrolments/<int:enrolment_id>")
@login_required
def enrolment(cohort_id: int, enrolment_id: int) -> str:
    cohort = managed_cohort(cohort_id)
    return _enrolment_page(cohort, _enrolment(cohort, enrolment_id))


@bp.post("/facilitate/cohorts/<int:cohort_id>/enrolments/<int:enrolment_id>/withdraw")
@login_required
def withdraw(cohort_id: int, enrolment_id: int) -> Any:
    cohort = managed_cohort(cohort_id)
    enrolment = _enrolment(cohort, enrolment_id)
    form = WithdrawForm()
    if form.validate_on_submit():
        try:
            cohorts.withdraw(me(), enrolment, form.reason.data)
        except LMSError as error:
            show_problems(form, error)
        else:
            flash(f"{enrolment.user.display_name} has been withdrawn. Their progress is kept.")
            return redirect(url_for("cohorts.show", cohort_id=cohort.id), code=303)
    return _enrolment_page(cohort, enrolment, withdraw_form=form), 400


@bp.post("/facilitate/cohorts/<int:cohort_id>/enrolments/<int:enrolment_id>/defer")
@login_required
def defer(cohort_id: int, enrolment_id: int) -> Any:
    cohort = managed_cohort(cohort_id)
    enrolment = _enrolment(cohort, enrolment_id)
    form = DeferForm()
    if form.validate_on_submit():
        target = db.session.get(Cohort, form.cohort.data) if form.cohort.data else None
        try:
            cohorts.defer(me(), enrolment, target, form.reason.data)
        except LMSError as error:
            show_problems(form, error)
        else:
            assert target is not None
            flash(
                f"{enrolment.user.display_name} has moved to {target.name} and will pick up "
                "where they left off."
            )
            return redirect(url_for("cohorts.show", cohort_id=cohort.id), code=303)
    return _enrolment_page(cohort, enrolment, defer_form=form), 400


@bp.post("/facilitate/cohorts/<int:cohort_id>/enrolments/<int:enrolment_id>/reenrol")
@login_required
def reenrol(cohort_id: int, enrolment_id: int) -> Response:
    cohort = managed_cohort(cohort_id)
    enrolment = _enrolment(cohort, enrolment_id)
    try:
        cohorts.reenrol(me(), enrolment)
    except LMSError as error:
        flash(error.message, "problem")
        return redirect(
            url_for("cohorts.enrolment", cohort_id=cohort.id, enrolment_id=enrolment.id), code=303
        )
    flash(f"{enrolment.user.display_name} is back on {cohort.name}.")
    return redirect(url_for("cohorts.show", cohort_id=cohort.id), code=303)


@bp.route("/facilitate/cohorts/<int:cohort_id>/codes", methods=["GET", "POST"])
@login_required
def codes(cohort_id: int) -> Any:
    cohort = managed_cohort(cohort_id)
    waiting = cohorts.waiting_for_codes(cohort, me())
    form = CodesForm()
    form.people.choices = choices((p.id, p.display_name) for p in waiting)
    if form.validate_on_submit():
        try:
            sheet = cohorts.issue_cohort_codes(me(), cohort, form.people.data or [])
        except LMSError as error:
            show_problems(form, error)
        else:
            return code_sheet(cohort, sheet)
    elif not form.is_submitted():
        form.people.data = [p.id for p in waiting]
    return render_template("cohorts/codes.html", cohort=cohort, form=form, waiting=waiting)
