"""Admins' corrections (reissue, revoke) and the list managers and admins see."""

from __future__ import annotations

from typing import Any, cast

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from lms.accounts.forms import show_problems
from lms.accounts.models import User
from lms.accounts.permissions import can, require
from lms.certificates import queries
from lms.certificates import services as certificates
from lms.certificates.forms import ReissueForm, RevokeForm
from lms.certificates.models import Certificate
from lms.certificates.views import bp
from lms.cohorts.forms import page_number
from lms.db import get_or_404
from lms.errors import Conflict, InvalidInput


def _me() -> User:
    return cast(User, current_user._get_current_object())


def _show_again(certificate: Certificate, reissue_form: Any, revoke_form: Any) -> tuple[str, int]:
    page = render_template(
        "certificates/show.html",
        certificate=certificate,
        reissue_form=reissue_form,
        revoke_form=revoke_form,
    )
    return page, 400


@bp.post("/certificates/<int:certificate_id>/reissue")
@login_required
def reissue(certificate_id: int) -> Any:
    certificate = get_or_404(Certificate, certificate_id)
    require(can(current_user, "reissue_certificate", certificate))
    form = ReissueForm(certificate.user)
    if form.validate_on_submit():
        try:
            new = certificates.reissue(
                _me(), certificate, source=form.source.data or "", reason=form.reason.data
            )
        except Conflict as error:
            flash(error.message, "problem")
            return redirect(url_for("certificates.show", certificate_id=certificate.id), code=303)
        except InvalidInput as error:
            show_problems(form, error)
        else:
            flash(
                f"Certificate {new.number} replaces {certificate.number}. The old code now "
                "says it was replaced."
            )
            return redirect(url_for("certificates.show", certificate_id=new.id), code=303)
    return _show_again(certificate, form, RevokeForm(formdata=None))


@bp.post("/certificates/<int:certificate_id>/revoke")
@login_required
def revoke(certificate_id: int) -> Any:
    certificate = get_or_404(Certificate, certificate_id)
    require(can(current_user, "revoke_certificate", certificate))
    form = RevokeForm()
    if form.validate_on_submit():
        try:
            certificates.revoke(_me(), certificate, reason=form.reason.data)
        except Conflict as error:
            flash(error.message, "problem")
            return redirect(url_for("certificates.show", certificate_id=certificate.id), code=303)
        except InvalidInput as error:
            show_problems(form, error)
        else:
            flash(f"Certificate {certificate.number} is revoked. Its code now says so.")
            return redirect(url_for("certificates.show", certificate_id=certificate.id), code=303)
    reissue_form = ReissueForm(certificate.user, formdata=None, data={"source": "display"})
    return _show_again(certificate, reissue_form, form)


@bp.get("/certificates/people")
@login_required
def people() -> str:
    require(can(current_user, "view_people_certificates"))
    page = queries.people_certificates(_me(), page_number(request.args.get("page")))
    return render_template("certificates/people.html", page=page)
