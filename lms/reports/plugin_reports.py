"""Reports plugins add (``lms_reports``), shown and exported like the core's tables."""

from __future__ import annotations

import itertools
import logging
from collections.abc import Iterator
from typing import Any

from flask import current_app

from lms.accounts.permissions import can
from lms.plugins.types import Report
from lms.reports.filters import Filters
from lms.reports.queries import MAX_PAGE, PER_PAGE, Page
from lms.reports.scope import ReportScope

log = logging.getLogger("lms.plugins")


class ReportFailed(Exception):
    """A plugin's report raised; the page says so instead of failing."""


def _registered() -> list[tuple[str, Report]]:
    host = current_app.extensions["lms_plugins"]
    found = list(host.registries.reports.values())
    return sorted(found, key=lambda pair: (pair[1].order, pair[1].key))


def reports_for(user: Any, scope: ReportScope) -> list[Report]:
    """The plugins' reports offered in ``scope`` to ``user``."""
    return [
        report
        for _plugin, report in _registered()
        if scope.kind in report.scopes and can(user, report.permission, scope)
    ]


def find(key: str) -> Report | None:
    found = current_app.extensions["lms_plugins"].registries.reports.get(key)
    return found[1] if found else None


def rows_of(report: Report, scope: ReportScope, filters: Filters) -> Iterator[tuple[Any, ...]]:
    """The report's rows as tuples. A plugin that raises is logged with its name and ends
    the rows (``ReportFailed``); under testing it re-raises."""
    host = current_app.extensions["lms_plugins"]
    plugin = host.registries.reports[report.key][0]
    try:
        for row in report.rows(scope, filters.as_params()) or ():
            yield tuple(row)
    except Exception as error:
        if host.raise_errors:
            raise
        log.exception("Plugin %s failed producing the report %s", plugin, report.key)
        raise ReportFailed(report.key) from error


def page_of(report: Report, scope: ReportScope, filters: Filters, number: int) -> Page:
    """One page of a plugin's report: its rows up to the page and one more."""
    number = min(max(number, 1), MAX_PAGE)
    start = (number - 1) * PER_PAGE
    rows = list(itertools.islice(rows_of(report, scope, filters), start, start + PER_PAGE + 1))
    return Page(rows[:PER_PAGE], number, PER_PAGE, len(rows) > PER_PAGE)
