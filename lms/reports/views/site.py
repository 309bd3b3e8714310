"""The reports area's front page (every report a person may open), and the admins' report
across organisations by region and sector, with its export and plugins' reports."""

from __future__ import annotations

from typing import Any

from flask import abort, render_template
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from lms.accounts.permissions import can, require
from lms.cohorts import queries as cohort_queries
from lms.reports import plugin_reports
from lms.reports.queries import regions
from lms.reports.queries.organisations import managed_organisations
from lms.reports.scope import ReportScope, site_scope
from lms.reports.tables import table_for
from lms.reports.views import FORMATS, bp, filtered, me, refused, send_table
from lms.reports.views.overview import plugin_report_export, plugin_report_page


@bp.get("/reports")
@login_required
def reports() -> str:
    require(can(current_user, "view_reports"))
    user = me()
    is_manager = can(user, "view_organisations")
    return render_template(
        "reports/reports.html",
        organisations=managed_organisations(user) if is_manager else [],
        cohorts=cohort_queries.facilitated_cohorts(user) if can(user, "facilitate") else [],
        site=can(user, "view_site_reports"),
        site_reports=(
            plugin_reports.reports_for(user, site_scope(user))
            if can(user, "view_site_reports")
            else []
        ),
    )


def _site() -> ReportScope:
    require(can(current_user, "view_site_reports"))
    return site_scope(me())


@bp.get("/reports/regions")
@login_required
def regions_report() -> tuple[str, int]:
    scope = _site()
    result = filtered(scope)
    rows, total = regions.region_table(scope, result.filters) if result.ok else ([], None)
    return render_template(
        "reports/regions.html",
        scope=scope,
        result=result,
        rows=rows,
        total=total,
        plugin_reports=plugin_reports.reports_for(current_user, scope),
    ), (200 if result.ok else 400)


@bp.get(f"/reports/export/<key>.<{FORMATS}:fmt>")
@login_required
def site_export(key: str, fmt: str) -> Any:
    scope = _site()
    table = table_for(key, scope)
    if table is None:
        abort(404)
    result = filtered(scope)
    if not result.ok:
        return refused(result)
    return send_table(
        fmt, key, table.title, table.headings(scope), table.rows(scope, result.filters)
    )


@bp.get("/reports/all/<key>")
@login_required
def site_plugin_report(key: str) -> tuple[str, int]:
    return plugin_report_page(_site(), key, "reports.site_plugin")


@bp.get(f"/reports/all/<key>/export.<{FORMATS}:fmt>")
@login_required
def site_plugin_export(key: str, fmt: str) -> Response:
    return plugin_report_export(_site(), key, fmt, key)
