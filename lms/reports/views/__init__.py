"""The reports area: organisation reports for managers (people, dashboard, enrolments,
attendance, booking places), a cohort's report for its facilitators, the reports across
organisations for admins, plugins' reports, and the exports of every table.

One blueprint, split by who the pages are for; the helpers below are what every page
shares: reading the filters, and sending a table as CSV or XLSX.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any, cast

from flask import Blueprint, Response, render_template, request, send_file, stream_with_context
from flask_login import current_user

from lms.accounts.models import User
from lms.reports.exports import csv_chunks, xlsx_file
from lms.reports.filters import FilterResult, read_filters
from lms.reports.scope import ReportScope

bp = Blueprint("reports", __name__)

FORMATS = "any(csv, xlsx)"


def me() -> User:
    return cast(User, current_user._get_current_object())


def filtered(scope: ReportScope) -> FilterResult:
    return read_filters(scope, request.args)


def page_number() -> int:
    from lms.cohorts.forms import page_number as parse

    return parse(request.args.get("page"))


def refused(result: FilterResult) -> tuple[str, int]:
    """An export asked for with filters that don't hold: say which, change nothing."""
    problems = [*result.messages]
    for field in result.form:
        problems += [f"{field.label.text}: {error}" for error in field.errors]
    return render_template("reports/filter_problem.html", problems=problems), 400


def send_table(
    fmt: str,
    name: str,
    title: str,
    columns: Iterable[str],
    rows: Iterable[Iterable[Any]],
) -> Response:
    """The table as a download: CSV streamed row by row, or an XLSX workbook."""
    filename = f"{name}-{date.today().isoformat()}.{fmt}"
    disposition = {"Content-Disposition": f'attachment; filename="{filename}"'}
    if fmt == "csv":
        return Response(
            stream_with_context(csv_chunks(columns, rows)),
            mimetype="text/csv",
            headers=disposition,
        )
    response = send_file(
        xlsx_file(title, columns, rows),
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        as_attachment=True,
        download_name=filename,
    )
    return response


from lms.reports.views import cohorts, organisations, overview, site  # noqa: E402, F401
