"""What a manager sees: the people of their own organisation and their completion."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from lms.accounts.models import Organisation
from lms.accounts.permissions import can, require
from lms.db import get_or_404
from lms.reports import queries

bp = Blueprint("reports", __name__)


@bp.get("/organisations")
@login_required
def index() -> str | Response:
    require(can(current_user, "view_organisations"))
    organisations = queries.managed_organisations(current_user)
    if len(organisations) == 1:
        return redirect(url_for("reports.organisation", organisation_id=organisations[0].id))
    return render_template("reports/index.html", organisations=organisations)


@bp.get("/organisations/<int:organisation_id>")
@login_required
def organisation(organisation_id: int) -> str:
    organisation = get_or_404(Organisation, organisation_id)
    require(can(current_user, "view_organisation", organisation))
    page = request.args.get("page", 1, type=int)
    pagination, rows = queries.people_page(organisation, max(page, 1))
    return render_template(
        "reports/organisation.html", organisation=organisation, pagination=pagination, rows=rows
    )
