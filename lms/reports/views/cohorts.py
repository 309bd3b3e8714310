"""A cohort's report for its facilitators (and admins): attendance at its sessions, the
progress grid of the cohort page as a file, and plugins' reports for the cohort."""

from __future__ import annotations

from typing import Any

from flask import abort, render_template
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from lms.accounts.permissions import can, require
from lms.cohorts import queries as cohort_queries
from lms.cohorts.models import Cohort
from lms.db import get_or_404
from lms.reports import plugin_reports
from lms.reports.queries import attendance, enrolments
from lms.reports.scope import ReportScope, cohort_scope
from lms.reports.tables import table_for
from lms.reports.views import FORMATS, bp, filtered, me, page_number, refused, send_table
from lms.reports.views.overview import plugin_report_export, plugin_report_page


def _scope(cohort_id: int) -> ReportScope:
    cohort = get_or_404(Cohort, cohort_id)
    require(can(current_user, "view_cohort_report", cohort))
    return cohort_scope(me(), cohort)


@bp.get("/facilitate/cohorts/<int:cohort_id>/report")
@login_required
def cohort(cohort_id: int) -> tuple[str, int]:
    scope = _scope(cohort_id)
    result = filtered(scope)
    context: dict[str, Any] = {}
    if result.ok:
        context = {
            "row": cohort_queries.cohort_row(scope.cohort),  # type: ignore[arg-type]
            "totals": enrolments.enrolment_totals(scope, result.filters),
            "by_session": attendance.by_session_page(scope, result.filters, page_number()),
        }
    return render_template(
        "reports/cohort.html",
        cohort=scope.cohort,
        scope=scope,
        result=result,
        plugin_reports=plugin_reports.reports_for(current_user, scope),
        **context,
    ), (200 if result.ok else 400)


@bp.get(f"/facilitate/cohorts/<int:cohort_id>/export/<key>.<{FORMATS}:fmt>")
@login_required
def cohort_export(cohort_id: int, key: str, fmt: str) -> Any:
    scope = _scope(cohort_id)
    table = table_for(key, scope)
    if table is None:
        abort(404)
    result = filtered(scope)
    if not result.ok:
        return refused(result)
    return send_table(
        fmt,
        f"{key}-cohort-{cohort_id}",
        table.title,
        table.headings(result.scope),
        table.rows(result.scope, result.filters),
    )


@bp.get("/facilitate/cohorts/<int:cohort_id>/reports/<key>")
@login_required
def cohort_plugin_report(cohort_id: int, key: str) -> tuple[str, int]:
    return plugin_report_page(_scope(cohort_id), key, "reports.cohort_plugin", cohort_id=cohort_id)


@bp.get(f"/facilitate/cohorts/<int:cohort_id>/reports/<key>/export.<{FORMATS}:fmt>")
@login_required
def cohort_plugin_export(cohort_id: int, key: str, fmt: str) -> Response:
    return plugin_report_export(_scope(cohort_id), key, fmt, f"{key}-cohort-{cohort_id}")
