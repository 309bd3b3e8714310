"""An organisation's dashboard and tables (enrolments, attendance), plugins' reports for
it, and the exports of all of them. Managers of the organisation (or of a unit above it)
and admins only; every page and file covers the organisation and its units."""

from __future__ import annotations

from typing import Any

from flask import abort, render_template
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from lms.accounts.models import Organisation
from lms.accounts.permissions import can, require
from lms.db import get_or_404
from lms.reports import chart, plugin_reports
from lms.reports.queries import attendance, enrolments, summary
from lms.reports.scope import ReportScope, organisation_scope
from lms.reports.tables import table_for
from lms.reports.views import (
    FORMATS,
    bp,
    filtered,
    me,
    page_number,
    refused,
    send_table,
)


def _scope(organisation_id: int) -> ReportScope:
    organisation = get_or_404(Organisation, organisation_id)
    require(can(current_user, "view_organisation", organisation))
    return organisation_scope(me(), organisation)


def _page(template: str, scope: ReportScope, **context: Any) -> tuple[str, int]:
    return render_template(
        template,
        organisation=scope.organisation,
        scope=scope,
        plugin_reports=plugin_reports.reports_for(current_user, scope),
        **context,
    ), (200 if context["result"].ok else 400)


@bp.get("/organisations/<int:organisation_id>/dashboard")
@login_required
def dashboard(organisation_id: int) -> tuple[str, int]:
    result = filtered(_scope(organisation_id))
    if not result.ok:
        return _page("reports/dashboard.html", result.scope, result=result)
    scope, filters = result.scope, result.filters
    periods = enrolments.completion_periods(scope, filters)
    return _page(
        "reports/dashboard.html",
        scope,
        result=result,
        figures=summary.figures(scope, filters),
        chart=chart.bar_chart("Completions over time", [(p.label, p.count) for p in periods]),
        by_course=enrolments.by_course_page(scope, filters, 1),
        by_cohort=enrolments.by_cohort_page(scope, filters, page_number()),
        by_session=attendance.by_session_page(scope, filters, 1),
    )


@bp.get("/organisations/<int:organisation_id>/enrolments")
@login_required
def enrolments_table(organisation_id: int) -> tuple[str, int]:
    result = filtered(_scope(organisation_id))
    page = (
        enrolments.enrolments_page(result.scope, result.filters, page_number())
        if result.ok
        else None
    )
    return _page(
        "reports/table.html",
        result.scope,
        result=result,
        page=page,
        key="enrolments",
        title="Enrolments",
        columns=enrolments.ENROLMENT_COLUMNS,
        endpoint="reports.enrolments_table",
    )


@bp.get("/organisations/<int:organisation_id>/attendance")
@login_required
def attendance_table(organisation_id: int) -> tuple[str, int]:
    result = filtered(_scope(organisation_id))
    page = (
        attendance.attendance_page(result.scope, result.filters, page_number())
        if result.ok
        else None
    )
    return _page(
        "reports/table.html",
        result.scope,
        result=result,
        page=page,
        key="attendance",
        title="Attendance",
        columns=attendance.ATTENDANCE_COLUMNS,
        endpoint="reports.attendance_table",
        employer=True,
    )


@bp.get(f"/organisations/<int:organisation_id>/export/<key>.<{FORMATS}:fmt>")
@login_required
def organisation_export(organisation_id: int, key: str, fmt: str) -> Any:
    scope = _scope(organisation_id)
    table = table_for(key, scope)
    if table is None:
        abort(404)
    result = filtered(scope)
    if not result.ok:
        return refused(result)
    return send_table(
        fmt,
        f"{key}-organisation-{organisation_id}",
        table.title,
        table.headings(result.scope),
        table.rows(result.scope, result.filters),
    )


# -- plugins' reports ---------------------------------------------------------------------


def plugin_report_page(scope: ReportScope, key: str, endpoint: str, **args: Any) -> tuple[str, int]:
    """A plugin's report in ``scope``: 404 unless offered there to this person."""
    report = plugin_reports.find(key)
    if report is None or scope.kind not in report.scopes:
        abort(404)
    require(can(current_user, report.permission, scope))
    result = filtered(scope)
    page, unavailable = None, False
    if result.ok:
        try:
            page = plugin_reports.page_of(report, result.scope, result.filters, page_number())
        except plugin_reports.ReportFailed:
            unavailable = True
    return render_template(
        "reports/plugin_report.html",
        report=report,
        scope=scope,
        organisation=scope.organisation,
        result=result,
        page=page,
        unavailable=unavailable,
        plugin_reports=plugin_reports.reports_for(current_user, scope),
        endpoint=endpoint,
        args={**args, "key": key},
    ), (200 if result.ok else 400)


def plugin_report_export(scope: ReportScope, key: str, fmt: str, name: str) -> Any:
    report = plugin_reports.find(key)
    if report is None or scope.kind not in report.scopes:
        abort(404)
    require(can(current_user, report.permission, scope))
    result = filtered(scope)
    if not result.ok:
        return refused(result)
    return send_table(
        fmt,
        name,
        report.title,
        report.columns,
        plugin_reports.rows_of(report, result.scope, result.filters),
    )


@bp.get("/organisations/<int:organisation_id>/reports/<key>")
@login_required
def organisation_plugin_report(organisation_id: int, key: str) -> tuple[str, int]:
    return plugin_report_page(
        _scope(organisation_id), key, "reports.organisation_plugin", organisation_id=organisation_id
    )


@bp.get(f"/organisations/<int:organisation_id>/reports/<key>/export.<{FORMATS}:fmt>")
@login_required
def organisation_plugin_export(organisation_id: int, key: str, fmt: str) -> Response:
    scope = _scope(organisation_id)
    return plugin_report_export(scope, key, fmt, f"{key}-organisation-{organisation_id}")
