"""A learner's certificates, the name they print, and downloads."""

from __future__ import annotations

from typing import Any, cast

from flask import abort, flash, redirect, render_template, send_file, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from lms.accounts.forms import show_problems
from lms.accounts.models import User
from lms.accounts.permissions import can, require
from lms.certificates import queries
from lms.certificates import services as certificates
from lms.certificates.forms import NameForm
from lms.certificates.models import Certificate
from lms.certificates.rendering.cache import cached_pdf
from lms.certificates.views import bp
from lms.db import get_or_404
from lms.errors import InvalidInput


def _me() -> User:
    return cast(User, current_user._get_current_object())


@bp.get("/certificates")
@login_required
def mine() -> str:
    require(can(current_user, "use_site"))
    user = _me()
    return render_template(
        "certificates/mine.html",
        certificates=queries.certificates_of(user),
        waiting=certificates.waiting(user),
        confirmed=certificates.confirmed_name(user),
    )


@bp.route("/certificates/name", methods=["GET", "POST"])
@login_required
def name() -> Any:
    require(can(current_user, "use_site"))
    user = _me()
    confirmed = certificates.confirmed_name(user)
    form = NameForm(user)
    if not form.is_submitted():
        form.source.data = confirmed.source if confirmed else "display"
    if form.validate_on_submit():
        try:
            issued = certificates.confirm_name(user, form.source.data or "")
        except InvalidInput as error:
            show_problems(form, error)
        else:
            if issued:
                flash(
                    "Thank you. Your certificate is ready."
                    if len(issued) == 1
                    else f"Thank you. Your {len(issued)} certificates are ready."
                )
            else:
                flash("Thank you. Your certificates will show this name.")
            return redirect(url_for("certificates.mine"), code=303)
    return render_template(
        "certificates/name.html",
        form=form,
        confirmed=confirmed,
        waiting=certificates.waiting(user),
    )


@bp.get("/certificates/<int:certificate_id>")
@login_required
def show(certificate_id: int) -> str:
    certificate = get_or_404(Certificate, certificate_id)
    require(can(current_user, "view_certificate", certificate))
    from lms.certificates.forms import ReissueForm, RevokeForm

    manage = can(current_user, "reissue_certificate", certificate)
    return render_template(
        "certificates/show.html",
        certificate=certificate,
        reissue_form=(
            ReissueForm(certificate.user, formdata=None, data={"source": "display"})
            if manage
            else None
        ),
        revoke_form=RevokeForm(formdata=None) if manage else None,
    )


@bp.get("/certificates/<int:certificate_id>/pdf")
@login_required
def pdf(certificate_id: int) -> Response:
    certificate = queries.for_download(certificate_id)
    if certificate is None:
        abort(404)
    require(can(current_user, "download_certificate", certificate))
    path = cached_pdf(certificate)
    response = send_file(
        path,
        mimetype="application/pdf",
        as_attachment=True,
        download_name=f"certificate-{certificate.number}.pdf",
        conditional=False,
        etag=False,
    )
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Robots-Tag"] = "noindex"
    return response
