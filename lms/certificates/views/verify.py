"""Checking a certificate by its code, without signing in.

Shows only the name, course, date, issuer and status. An unknown code (or anything typed
that isn't a code) gets one neutral answer, the same whatever was tried; both addresses
share one rate limit per network address.
"""

from __future__ import annotations

from typing import Any

from flask import Response, current_app, redirect, render_template, request, url_for
from flask_limiter import RequestLimit

from lms.certificates import queries
from lms.certificates.forms import VerifyForm
from lms.certificates.views import bp
from lms.extensions import limiter

TOO_MANY_CHECKS = (
    "That was a lot of certificate checks from your network in a short time. Please wait a "
    "few minutes and try again. If you need to check many certificates, contact us."
)


def _too_many(_limit: RequestLimit) -> Response:
    body = render_template("errors/error.html", status=429, message=TOO_MANY_CHECKS)
    return Response(body, status=429, mimetype="text/html")


_limit_checks = limiter.shared_limit(
    lambda: current_app.config["VERIFY_LIMIT_PER_IP"], scope="verify", on_breach=_too_many
)


def _issuer() -> str:
    config = current_app.config
    return str(config.get("CERTIFICATE_ISSUER") or config.get("SITE_NAME") or "")


@bp.get("/verify")
@_limit_checks
def verify_form() -> Any:
    form = VerifyForm(formdata=request.args)
    typed = (form.code.data or "").strip()
    if typed:
        code = "".join(ch for ch in typed if ch.isalnum())[:64] or "-"
        return redirect(url_for("certificates.verify", code=code), code=303)
    return render_template("certificates/verify_form.html", form=form)


@bp.get("/verify/<code>")
@_limit_checks
def verify(code: str) -> Any:
    certificate = queries.by_code(code)
    form = VerifyForm(formdata=None)
    if certificate is None:
        return render_template("certificates/verify_unknown.html", form=form), 404
    response = render_template(
        "certificates/verify.html", certificate=certificate, issuer=_issuer(), form=form
    )
    return response
