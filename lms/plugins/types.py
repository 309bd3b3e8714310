"""Small typed records that plugins return from collector hooks.

Every record has a ``key`` unique within its hook (across all plugins) and, where the core
shows a list of them, an ``order`` (lower first). The core validates and registers them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from markupsafe import Markup


@dataclass(frozen=True)
class NavItem:
    """A link in the main navigation."""

    key: str
    label: str
    endpoint: str
    order: int = 100
    url_kwargs: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Widget:
    """A panel on the learner's dashboard. The dashboard includes ``template`` inside its own
    page, where the template sees this record as ``widget`` (so ``widget.context.<name>``)
    and ``current_user``."""

    key: str
    title: str
    template: str
    context: dict[str, Any] = field(default_factory=dict)
    order: int = 100


@dataclass(frozen=True)
class SlotContent:
    """HTML a plugin puts into a named slot of a core page. Plain strings are escaped."""

    key: str
    html: Markup | str
    order: int = 100


@dataclass(frozen=True)
class StepType:
    """A kind of step that course files may use as ``type: <key>``.

    ``template`` renders the step body; the step page includes it, so it sees ``step``
    (its settings from the course file in ``step.config``; ``config`` in a template is the
    site's configuration) and ``current_user``. ``validate`` returns problems with a step's
    config as read from the course file (an empty list when fine).
    """

    key: str
    title: str
    template: str
    complete_when: str = "marked_done"
    validate: Callable[[dict[str, Any]], list[str]] | None = None


@dataclass(frozen=True)
class CompletionContext:
    """What a completion rule is asked about."""

    user_id: int
    level: str  # "step", "module" or "course"
    target: Any  # the Step, Module or Course
    params: dict[str, Any]
    done_children: frozenset[int] = frozenset()
    children: tuple[int, ...] = ()


@dataclass(frozen=True)
class CompletionRule:
    """A rule that course files may name: ``complete_when: <key>`` on a step, or
    ``completion: {rule: <key>, ...}`` on a module or course."""

    key: str
    title: str
    levels: frozenset[str]
    check: Callable[[CompletionContext], bool]


@dataclass(frozen=True)
class Job:
    """A periodic job run by the scheduler process as ``<plugin>.<key>`` in an app context.

    ``trigger`` holds APScheduler trigger arguments, e.g. ``{"trigger": "interval",
    "minutes": 15}`` or ``{"trigger": "cron", "hour": 6}``.
    """

    key: str
    func: Callable[[], None]
    trigger: dict[str, Any]


@dataclass(frozen=True)
class CertificateTemplate:
    """A certificate design a course may choose with ``certificate_template: <key>``."""

    key: str
    title: str
    template: str
    version: int = 1


#: Where a plugin's report can be opened: an organisation's reports (managers), a cohort's
#: report (facilitators) and the reports across all organisations (admins).
REPORT_SCOPES = frozenset({"organisation", "cohort", "site"})


@dataclass(frozen=True)
class Report:
    """A table of rows a manager, facilitator or admin can view and export.

    ``rows(scope, params)`` returns (or better, yields) tuples in the order of ``columns``.
    ``scope`` is a ``lms.reports.scope.ReportScope``: only return rows about people of
    ``scope.organisation_ids`` (when not ``None``) and cohorts of ``scope.cohort_ids`` (when
    not ``None``). ``params`` holds the filters the person chose: ``course_id``,
    ``cohort_id``, ``unit_id`` (with ``organisation_ids``, the unit and its units),
    ``date_from``, ``date_to`` (inclusive ``date``s) and ``session_id``, each ``None`` when
    not chosen. The report is offered in the ``scopes`` listed, to people allowed
    ``permission`` on the scope (``can(user, permission, scope)``).
    """

    key: str
    title: str
    columns: tuple[str, ...]
    rows: Callable[[Any, dict[str, Any]], Any]
    permission: str = "view_reports"
    order: int = 100
    description: str = ""
    scopes: frozenset[str] = REPORT_SCOPES
