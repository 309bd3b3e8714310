"""Bulk enrolment from a CSV file: upload, preview row by row, confirm, code sheet."""

from __future__ import annotations

from typing import Any

from flask import Response as FlaskResponse
from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import login_required
from werkzeug.wrappers import Response

from lms.accounts.forms import show_problems
from lms.cohorts import queries
from lms.cohorts import services as cohorts
from lms.cohorts.bulk import COLUMNS
from lms.cohorts.forms import BulkUploadForm, ConfirmForm, page_number
from lms.cohorts.models import BulkEnrolmentUpload, Cohort
from lms.cohorts.views import bp, me
from lms.cohorts.views.enrolments import code_sheet, managed_cohort
from lms.db import get_or_404
from lms.errors import LMSError

PREVIEW_PAGE_SIZE = 200
TEMPLATE_CSV = (
    "name,email,username,organisation,service_number\r\n"
    "Sam Jones,sam.jones@example.org,,Leeds Women's Centre,\r\n"
    "Kim Reid,,kim.reid,HMP Example,A1234BC\r\n"
)


def _upload(cohort: Cohort, upload_id: int) -> BulkEnrolmentUpload:
    upload = get_or_404(BulkEnrolmentUpload, upload_id)
    if upload.cohort_id != cohort.id:
        abort(404)
    return upload


@bp.route("/facilitate/cohorts/<int:cohort_id>/bulk", methods=["GET", "POST"])
@login_required
def bulk(cohort_id: int) -> Any:
    cohort = managed_cohort(cohort_id)
    form = BulkUploadForm()
    if form.validate_on_submit():
        file = form.file.data
        if file is None or not getattr(file, "filename", ""):
            form.file.errors = ["Please choose a CSV file to upload."]
        else:
            try:
                upload = cohorts.preview_upload(
                    me(), cohort, filename=file.filename or "", data=file.read()
                )
            except LMSError as error:
                show_problems(form, error)
            else:
                return redirect(
                    url_for("cohorts.bulk_preview", cohort_id=cohort.id, upload_id=upload.id),
                    code=303,
                )
    status = 400 if form.errors else 200
    return render_template(
        "cohorts/bulk.html",
        cohort=cohort,
        form=form,
        columns=COLUMNS,
        uploads=queries.recent_uploads(cohort),
    ), status


@bp.get("/facilitate/cohorts/<int:cohort_id>/bulk/template.csv")
@login_required
def bulk_template(cohort_id: int) -> FlaskResponse:
    managed_cohort(cohort_id)
    return FlaskResponse(
        TEMPLATE_CSV,
        mimetype="text/csv",
        headers={"Content-Disposition": "attachment; filename=people-template.csv"},
    )


@bp.get("/facilitate/cohorts/<int:cohort_id>/bulk/<int:upload_id>")
@login_required
def bulk_preview(cohort_id: int, upload_id: int) -> str:
    cohort = managed_cohort(cohort_id)
    upload = _upload(cohort, upload_id)
    rows = upload.rows
    kept = (upload.result or {}).get("counts") if upload.rows_deleted_at else None
    pages = max((len(rows) + PREVIEW_PAGE_SIZE - 1) // PREVIEW_PAGE_SIZE, 1)
    page = min(page_number(request.args.get("page")), pages)
    start = (page - 1) * PREVIEW_PAGE_SIZE
    return render_template(
        "cohorts/bulk_preview.html",
        cohort=cohort,
        upload=upload,
        counts=kept if kept is not None else queries.rows_by_action(rows),
        keep_days=cohorts.kept_days(),
        preview_days=cohorts.kept_days(previews=True),
        problems=[r for r in rows if r.get("action") == "error"],
        shown=rows[start : start + PREVIEW_PAGE_SIZE],
        page=page,
        pages=pages,
        actions=cohorts.ACTIONS,
        form=ConfirmForm(),
    )


@bp.post("/facilitate/cohorts/<int:cohort_id>/bulk/<int:upload_id>/confirm")
@login_required
def bulk_confirm(cohort_id: int, upload_id: int) -> Response:
    cohort = managed_cohort(cohort_id)
    upload = _upload(cohort, upload_id)
    back = url_for("cohorts.bulk_preview", cohort_id=cohort.id, upload_id=upload.id)
    if not ConfirmForm().validate_on_submit():
        flash("The form had expired. Please try again.", "problem")
        return redirect(back, code=303)
    try:
        result = cohorts.apply_upload(me(), upload)
    except LMSError as error:
        flash(error.message, "problem")
        return redirect(back, code=303)
    if result.already_applied:
        flash("This file has already been applied, so nothing more was done.", "info")
        return redirect(back, code=303)
    left_out = "row with a problem was" if result.skipped == 1 else "rows with problems were"
    summary = (
        f"{result.enrolled} {'person' if result.enrolled == 1 else 'people'} enrolled on "
        f"{cohort.name}, {result.created} new "
        f"{'account' if result.created == 1 else 'accounts'}"
        + (f"; {result.skipped} {left_out} left out." if result.skipped else ".")
    )
    if result.codes:
        return code_sheet(cohort, result.codes, summary, upload=upload)
    flash(summary)
    return redirect(url_for("cohorts.show", cohort_id=cohort.id), code=303)


@bp.post("/facilitate/cohorts/<int:cohort_id>/bulk/<int:upload_id>/delete")
@login_required
def bulk_delete(cohort_id: int, upload_id: int) -> Response:
    """Done with a file: delete the people in it now (the accounts and enrolments stay)."""
    cohort = managed_cohort(cohort_id)
    upload = _upload(cohort, upload_id)
    if not ConfirmForm().validate_on_submit():
        flash("The form had expired. Please try again.", "problem")
        return redirect(
            url_for("cohorts.bulk_preview", cohort_id=cohort.id, upload_id=upload.id), code=303
        )
    applied, filename = upload.applied_at is not None, upload.filename
    cohorts.forget_upload(me(), upload)
    if applied:
        flash(
            f"The list of people in {filename} is deleted from the site. The accounts and "
            "enrolments it made stay."
        )
        return redirect(url_for("cohorts.show", cohort_id=cohort.id), code=303)
    flash(f"{filename} is discarded: nothing from it was applied, and it's deleted.")
    return redirect(url_for("cohorts.bulk", cohort_id=cohort.id), code=303)
