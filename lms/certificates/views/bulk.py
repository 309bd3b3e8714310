"""Bulk issues for facilitators and admins: a cohort, or a session's attendees, with a
progress page and a zip of the PDFs."""

from __future__ import annotations

import io
import re
import zipfile
from typing import Any, cast

from flask import flash, redirect, render_template, send_file, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from lms.accounts.models import User
from lms.accounts.permissions import can, require
from lms.certificates import queries
from lms.certificates import services as certificates
from lms.certificates.forms import ConfirmForm
from lms.certificates.models import CertificateBatch
from lms.certificates.rendering.cache import cached_pdf
from lms.certificates.services.bulk import request_budget
from lms.certificates.views import bp
from lms.cohorts.models import Cohort
from lms.db import get_or_404
from lms.errors import InvalidInput
from lms.live.models import LiveSession


def _me() -> User:
    return cast(User, current_user._get_current_object())


def _to_batch(batch: CertificateBatch) -> Response:
    return redirect(url_for("certificates.batch", batch_id=batch.id), code=303)


@bp.get("/cohorts/<int:cohort_id>/certificates")
@login_required
def cohort(cohort_id: int) -> str:
    found = get_or_404(Cohort, cohort_id)
    require(can(current_user, "issue_cohort_certificates", found))
    return render_template(
        "certificates/cohort.html",
        cohort=found,
        form=ConfirmForm(formdata=None),
        batches=queries.batches_of(found.id),
        sessions=queries.sessions_with_register(found.id),
    )


@bp.post("/cohorts/<int:cohort_id>/certificates/issue")
@login_required
def issue_cohort(cohort_id: int) -> Response:
    found = get_or_404(Cohort, cohort_id)
    require(can(current_user, "issue_cohort_certificates", found))
    form = ConfirmForm()
    if not form.validate_on_submit():
        flash("The form had expired. Please try again.", "problem")
        return redirect(url_for("certificates.cohort", cohort_id=found.id), code=303)
    try:
        batch = certificates.start_for_cohort(_me(), found)
    except InvalidInput as error:
        flash(error.message, "problem")
        return redirect(url_for("certificates.cohort", cohort_id=found.id), code=303)
    certificates.run_batch(batch, seconds=request_budget())
    return _to_batch(batch)


@bp.post("/sessions/<int:session_id>/certificates/issue")
@login_required
def issue_session(session_id: int) -> Response:
    session = get_or_404(LiveSession, session_id)
    require(can(current_user, "issue_session_certificates", session))
    form = ConfirmForm()
    if not form.validate_on_submit():
        flash("The form had expired. Please try again.", "problem")
        return redirect(url_for("live.register", session_id=session.id), code=303)
    try:
        batch = certificates.start_for_session(_me(), session)
    except InvalidInput as error:
        flash(error.message, "problem")
        return redirect(url_for("live.register", session_id=session.id), code=303)
    certificates.run_batch(batch, seconds=request_budget())
    return _to_batch(batch)


@bp.get("/certificates/batches/<int:batch_id>")
@login_required
def batch(batch_id: int) -> str:
    found = get_or_404(CertificateBatch, batch_id)
    require(can(current_user, "view_certificate_batch", found))
    return render_template(
        "certificates/batch.html", view=queries.batch_view(found), form=ConfirmForm(formdata=None)
    )


@bp.post("/certificates/batches/<int:batch_id>/continue")
@login_required
def continue_batch(batch_id: int) -> Response:
    found = get_or_404(CertificateBatch, batch_id)
    require(can(current_user, "view_certificate_batch", found))
    if ConfirmForm().validate_on_submit():
        certificates.run_batch(found, seconds=request_budget())
    return _to_batch(found)


def _file_name(number: str, name: str) -> str:
    safe = re.sub(r"[^\w\- ]+", "", name, flags=re.UNICODE).strip().replace(" ", "-")
    return f"{number}-{safe[:60]}.pdf" if safe else f"{number}.pdf"


@bp.get("/certificates/batches/<int:batch_id>/zip")
@login_required
def batch_zip(batch_id: int) -> Any:
    found = get_or_404(CertificateBatch, batch_id)
    require(can(current_user, "view_certificate_batch", found))
    view = queries.batch_view(found)
    if not view.certificates:
        flash("No certificates have been issued in this bulk issue yet.", "problem")
        return _to_batch(found)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as archive:
        for certificate in sorted(view.certificates.values(), key=lambda c: c.number):
            archive.write(
                cached_pdf(certificate), _file_name(certificate.number, certificate.issued_name)
            )
    buffer.seek(0)
    response = send_file(
        buffer,
        mimetype="application/zip",
        as_attachment=True,
        download_name=f"certificates-{found.cohort.name[:40]}-{found.id}.zip".replace(" ", "-"),
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response
