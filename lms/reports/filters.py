"""The filter form every report shares: course, cohort, unit, a date range and a session.

It is a GET form (a report's address says what it shows, so it can be bookmarked and its
exports carry the same filters). Ids that are not among the choices offered to this person
are refused with a message that names nothing, so nobody learns about other organisations
by guessing ids.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import cache
from typing import Any

from markupsafe import Markup, escape
from sqlalchemy import bindparam, exists, select
from sqlalchemy.orm import aliased
from werkzeug.datastructures import MultiDict
from wtforms import SelectField

from lms.accounts.models import Membership
from lms.catalogue.models import Course
from lms.cohorts.forms import FriendlyDateField, optional_id
from lms.cohorts.models import Cohort, Enrolment
from lms.db import rows
from lms.extensions import db
from lms.forms import Form
from lms.live.models import Booking, LiveSession
from lms.reports.scope import ReportScope, units_below

#: Query-string names of the filters, in the order links carry them.
FILTER_NAMES = ("course", "cohort", "unit", "from", "to", "session")


#: Dates a report can be asked about (the day after the last must still be a date).
FIRST_YEAR, LAST_YEAR = 1900, 2999


@dataclass(frozen=True)
class Filters:
    """Validated filters. Dates are inclusive days; ``None`` means "not filtered"."""

    course_id: int | None = None
    cohort_id: int | None = None
    unit_id: int | None = None
    date_from: date | None = None
    date_to: date | None = None
    session_id: int | None = None
    unit_ids: frozenset[int] | None = field(default=None, compare=False)

    @property
    def starts(self) -> datetime | None:
        """The first moment of the range (dates in the database are naive UTC)."""
        return datetime.combine(self.date_from, time()) if self.date_from else None

    @property
    def ends(self) -> datetime | None:
        """The moment just after the range: the start of the day after ``date_to``."""
        return datetime.combine(self.date_to + timedelta(days=1), time()) if self.date_to else None

    def query_args(self) -> dict[str, str]:
        """The filters as query-string arguments, for links to pages and exports."""
        values = {
            "course": self.course_id,
            "cohort": self.cohort_id,
            "unit": self.unit_id,
            "from": self.date_from.isoformat() if self.date_from else None,
            "to": self.date_to.isoformat() if self.date_to else None,
            "session": self.session_id,
        }
        return {k: str(v) for k, v in values.items() if v is not None}

    def as_params(self) -> dict[str, Any]:
        """The filters as a plugin report's ``params``."""
        return {
            "course_id": self.course_id,
            "cohort_id": self.cohort_id,
            "unit_id": self.unit_id,
            "organisation_ids": self.unit_ids,
            "date_from": self.date_from,
            "date_to": self.date_to,
            "session_id": self.session_id,
        }

    @property
    def active(self) -> bool:
        return any(self.query_args().values())


class FilterForm(Form):
    """What to show. Read from the query string; no CSRF token (it changes nothing)."""

    class Meta:
        csrf = False

    course = SelectField("Course", coerce=optional_id, validate_choice=False)
    cohort = SelectField("Cohort", coerce=optional_id, validate_choice=False)
    unit = SelectField("Unit", coerce=optional_id, validate_choice=False)
    date_from = FriendlyDateField("From")
    date_to = FriendlyDateField("To")


@dataclass
class FilterResult:
    form: FilterForm
    filters: Filters
    scope: ReportScope  # narrowed to the unit when one is chosen
    messages: list[str] = field(default_factory=list)  # problems not tied to a field
    #: The choices of each select, as (value, label): drawn by ``option_tags``, as WTForms'
    #: widgets (or a template loop) cost more than the rest of the people page.
    options: dict[str, list[tuple[Any, str]]] = field(default_factory=dict)
    #: Whether to say that a course's cohorts are offered once the course is chosen.
    cohort_hint: bool = False

    @property
    def ok(self) -> bool:
        return not self.form.errors and not self.messages

    def option_tags(self, name: str) -> Markup:
        """The ``<option>`` elements of a select, the one asked for selected: written
        here, as a template loop over 200 cohorts costs more than the rest of the page."""
        field = self.form[name]
        chosen = field.raw_data[0] if field.raw_data else ""
        tags = []
        for value, label in self.options[name]:
            text = str(value) if isinstance(value, int) else str(escape(value))
            selected = " selected" if text == chosen else ""
            tags.append(f'<option value="{text}"{selected}>{escape(label)}</option>')
        # Safe: ids as numbers, everything else escaped above (Markup.format, the linter's
        # choice, costs as much as the template loop this replaces).
        return Markup("".join(tags))  # noqa: S704


_COURSES = select(Course.id, Course.title, Course.retired).order_by(Course.retired, Course.title)


def course_options() -> list[tuple[int, str]]:
    found = rows(_COURSES).all()
    return [(id_, f"{title} (retired)" if retired else title) for id_, title, retired in found]


@cache
def _cohorts_statement(by_cohort: bool, by_organisation: bool, via_cohort: bool) -> Any:
    """The cohorts of one course: the course chosen, or (``via_cohort``) the course of the
    cohort asked for, so that a link to a cohort's report opens with its course's cohorts."""
    query = select(Cohort.id, Cohort.name).order_by(
        Cohort.starts_on.desc().nulls_last(), Cohort.name
    )
    if via_cohort:
        asked = aliased(Cohort)
        course_id = select(asked.course_id).where(asked.id == bindparam("cohort_id"))
        query = query.where(Cohort.course_id == course_id.scalar_subquery())
    else:
        query = query.where(Cohort.course_id == bindparam("course_id"))
    if by_cohort:
        query = query.where(Cohort.id.in_(bindparam("cohort_ids", expanding=True)))
    if by_organisation:
        query = query.where(
            exists().where(
                Enrolment.cohort_id == Cohort.id,
                Membership.user_id == Enrolment.user_id,
                Membership.organisation_id.in_(bindparam("organisation_ids", expanding=True)),
            )
        )
    return query


def cohort_options(
    scope: ReportScope, course_id: int | None, cohort_id: int | None = None
) -> list[tuple[int, str]]:
    """Cohorts worth filtering by: those of ``course_id`` (or, with no course chosen, of
    ``cohort_id``'s course) that the scope's people are enrolled on. None without either:
    a list of every cohort there ever was is too long to choose from."""
    if course_id is None and cohort_id is None:
        return []
    statement = _cohorts_statement(
        scope.cohort_ids is not None, scope.organisation_ids is not None, course_id is None
    )
    values = {
        "course_id": course_id,
        "cohort_id": cohort_id,
        "cohort_ids": sorted(scope.cohort_ids or ()),
        "organisation_ids": sorted(scope.organisation_ids or ()),
    }
    return [(id_, name) for id_, name in rows(statement, values)]


def _args(args: MultiDict[str, str]) -> MultiDict[str, str]:
    """The query string with the form's field names (``from``/``to`` are the public ones)."""
    renamed: MultiDict[str, str] = MultiDict()
    for key in ("course", "cohort", "unit"):
        if key in args:
            renamed[key] = args.get(key, "")
    if "from" in args:
        renamed["date_from"] = args.get("from", "")
    if "to" in args:
        renamed["date_to"] = args.get("to", "")
    return renamed


def _choice(value: Any, raw: str | None, offered: list[tuple[int, str]]) -> tuple[int | None, str]:
    if raw in (None, ""):
        return None, ""
    if value is not None and any(value == option for option, _ in offered):
        return value, ""
    return None, "Please choose one from the list."


def read_filters(scope: ReportScope, args: MultiDict[str, str]) -> FilterResult:
    """Validate the filters in ``args`` for ``scope``: a query for the courses and, once a
    course (or a cohort) is chosen, one for its cohorts."""
    form = FilterForm(formdata=_args(args))
    form.validate()
    courses = course_options()
    problems: dict[str, str] = {}
    course_id, problems["course"] = _choice(form.course.data, args.get("course"), courses)
    many_cohorts = scope.cohort_ids is None or len(scope.cohort_ids) > 1
    asked_cohort = args.get("cohort") not in (None, "")
    cohorts = cohort_options(scope, course_id, form.cohort.data) if many_cohorts else []
    units = list(scope.units)
    options: dict[str, list[tuple[Any, str]]] = {
        "course": [("", "All courses"), *courses],
        "cohort": [("", "All cohorts"), *cohorts],
        "unit": [("", "Every unit"), *units],
    }
    if not units:
        del form.unit
    if not cohorts and not (many_cohorts and asked_cohort):
        del form.cohort  # (kept for a cohort asked for that can't be offered: its message)
    cohort_id, problems["cohort"] = _choice(
        form.cohort.data if "cohort" in form else None, args.get("cohort"), cohorts
    )
    unit_id, problems["unit"] = _choice(
        form.unit.data if "unit" in form else None, args.get("unit"), units
    )
    session_id = optional_id(args.get("session"))
    messages = []
    if args.get("session") not in (None, "") and not _session_in(scope, session_id):
        session_id = None
        messages.append("That session isn't one you can report on.")
    date_from, date_to = form.date_from.data, form.date_to.data
    for name, value in (("date_from", date_from), ("date_to", date_to)):
        if value is not None and not FIRST_YEAR <= value.year <= LAST_YEAR:
            problems[name] = f"Please choose a date between {FIRST_YEAR} and {LAST_YEAR}."
    if date_from and date_to and date_to < date_from:
        problems["date_to"] = "The end date is before the start date. Please swap them."
    for name, message in problems.items():
        if message and name in form:
            form[name].errors = [*form[name].errors, message]
    narrowed = scope
    unit_ids = None
    if unit_id is not None:
        unit_ids = units_below(unit_id) & (scope.organisation_ids or frozenset())
        narrowed = scope.narrowed_to(unit_ids)
    filters = Filters(
        course_id=course_id,
        cohort_id=cohort_id,
        unit_id=unit_id,
        date_from=date_from if not form.date_from.errors else None,
        date_to=date_to if not form.date_to.errors else None,
        session_id=session_id,
        unit_ids=unit_ids,
    )
    cohort_hint = many_cohorts and course_id is None and not asked_cohort
    return FilterResult(form, filters, narrowed, messages, options, cohort_hint)


def _session_in(scope: ReportScope, session_id: int | None) -> bool:
    """Whether the session is one the scope can report on: a session of the cohort (for a
    cohort's report), or one someone in the organisations booked (for theirs), so that
    other sessions' ids answer exactly as ids that don't exist."""
    if session_id is None:
        return False
    query = select(LiveSession.id).where(LiveSession.id == session_id)
    if scope.cohort_ids is not None:
        query = query.where(LiveSession.cohort_id.in_(scope.cohort_ids))
    if scope.organisation_ids is not None:
        query = query.where(
            exists().where(
                Booking.session_id == LiveSession.id,
                Membership.user_id == Booking.user_id,
                Membership.organisation_id.in_(scope.organisation_ids),
            )
        )
    return db.session.scalar(query) is not None
