"""Creating and changing cohorts: course, name, dates, time zone, facilitators, capacity,
enrolment mode, and which loaded plugins are active for them."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import current_app
from sqlalchemy import delete, or_, select

from lms.accounts.models import User
from lms.accounts.services import validation as check
from lms.audit import services as audit
from lms.catalogue.models import Course
from lms.cohorts.models import ENROLMENT_MODES, Cohort, CohortFacilitator, CohortPlugin
from lms.cohorts.services import places
from lms.db import begin_write
from lms.events import commit
from lms.extensions import db
from lms.plugins.activation import set_cohort_plugin

#: Offered first in the time zone list; any IANA zone name is accepted.
COMMON_TIMEZONES = (
    "Europe/London",
    "Europe/Dublin",
    "Europe/Paris",
    "Europe/Berlin",
    "Europe/Madrid",
    "Europe/Lisbon",
    "Atlantic/Canary",
    "Atlantic/Reykjavik",
    "America/New_York",
    "America/Chicago",
    "America/Los_Angeles",
    "Asia/Kolkata",
    "Asia/Singapore",
    "Australia/Sydney",
    "Pacific/Auckland",
    "UTC",
)

#: A facilitator is named by a user id (from a list) or by an email or username (typed).
PersonRef = User | int | str


def valid_timezone(name: str) -> bool:
    """Whether ``name`` is an IANA time zone (that fits the column)."""
    if not name or "\x00" in name or len(name) > 60:
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: a name too long for a path
        return False
    return True


def _people(problems: check.Problems, refs: Iterable[PersonRef]) -> list[User]:
    """The people ``refs`` name, looked up in two queries; unknown ones become a problem."""
    users: dict[int, User] = {}
    ids: set[int] = set()
    names: dict[str, str] = {}
    for ref in refs:
        if isinstance(ref, User):
            users[ref.id] = ref
        elif isinstance(ref, int):
            ids.add(ref)
        elif check.clean(ref):
            names[check.clean(ref).lower()] = check.clean(ref)
    if ids:
        found = db.session.scalars(select(User).where(User.id.in_(ids), User.active)).all()
        users.update({u.id: u for u in found})
        if ids - {u.id for u in found}:
            problems["facilitators"] = "Please choose facilitators from the list."
    if names:
        found = db.session.scalars(
            select(User).where(or_(User.email.in_(names), User.username.in_(names)), User.active)
        ).all()
        users.update({u.id: u for u in found})
        known = {n for u in found for n in (u.email, u.username) if n}
        missing = [typed for key, typed in names.items() if key not in known]
        if missing:
            problems["add_facilitators"] = (
                "We couldn't find anyone with the email address or username "
                + ", ".join(f"“{m[:100]}”" for m in missing)
                + ". Facilitators need an account first."
            )
    return sorted(users.values(), key=lambda u: (u.display_name, u.id))


def _checked(
    problems: check.Problems,
    cohort: Cohort | None,
    *,
    name: str,
    starts_on: date | None,
    ends_on: date | None,
    timezone: str,
    capacity: int | None,
    enrolment_mode: str,
    plugins: Iterable[str] | None,
) -> str:
    name_ = check.text(problems, "name", "a name for the cohort", name, 200, required=True) or ""
    if starts_on and ends_on and ends_on < starts_on:
        problems["ends_on"] = "Please choose an end date on or after the start date."
    if not valid_timezone(timezone):
        problems["timezone"] = "Please choose a time zone from the list, such as Europe/London."
    if capacity is not None:
        if capacity < 1:
            problems["capacity"] = "Please enter a capacity of at least 1, or leave it empty."
        elif capacity > 100_000:
            problems["capacity"] = "Please enter a capacity of 100,000 or fewer."
        elif cohort is not None:
            taken = places.places_taken(cohort)
            if capacity < taken:
                problems["capacity"] = (
                    f"{taken} people already have a place, so the capacity can't be lower "
                    f"than {taken}."
                )
    if enrolment_mode not in ENROLMENT_MODES:
        problems["enrolment_mode"] = "Please choose how people get a place."
    loaded = current_app.extensions["lms_plugins"].plugins
    unknown = sorted(set(plugins or ()) - set(loaded))
    if unknown:
        problems["plugins"] = (
            f"These plugins aren't loaded on this site: {', '.join(unknown)}. "
            "Please choose from the list."
        )
    return name_


def _set_facilitators(cohort: Cohort, people: Sequence[User]) -> None:
    db.session.execute(delete(CohortFacilitator).where(CohortFacilitator.cohort_id == cohort.id))
    for person in people:
        db.session.add(CohortFacilitator(cohort_id=cohort.id, user_id=person.id))
    db.session.flush()
    db.session.expire(cohort, ["facilitators"])


def _set_plugins(actor: User | None, cohort: Cohort, wanted: Iterable[str] | None) -> None:
    """Switch loaded plugins on or off to match ``wanted``: only the ones that change."""
    if wanted is None:
        return
    wanted = set(wanted)
    active = set(
        db.session.scalars(
            select(CohortPlugin.plugin).where(
                CohortPlugin.cohort_id == cohort.id, CohortPlugin.active.is_(True)
            )
        )
    )
    for plugin in sorted(current_app.extensions["lms_plugins"].plugins):
        if (plugin in wanted) != (plugin in active):
            set_cohort_plugin(actor, cohort, plugin, active=plugin in wanted)


def create_cohort(
    actor: User | None,
    course: Course | None,
    *,
    name: str,
    facilitators: Iterable[PersonRef] = (),
    enrolment_mode: str = "invitation",
    starts_on: date | None = None,
    ends_on: date | None = None,
    timezone: str = "Europe/London",
    capacity: int | None = None,
    plugins: Iterable[str] | None = None,
) -> Cohort:
    """A new run of ``course``. A facilitator who creates one facilitates it."""
    begin_write()
    problems = check.Problems()
    if course is None:
        problems["course"] = "Please choose a course."
    elif course.retired:
        problems["course"] = f"{course.title} is retired. Please choose a course that runs."
    name_ = _checked(
        problems,
        None,
        name=name,
        starts_on=starts_on,
        ends_on=ends_on,
        timezone=timezone,
        capacity=capacity,
        enrolment_mode=enrolment_mode,
        plugins=plugins,
    )
    people = _people(problems, facilitators)
    if actor is not None and not actor.is_admin and all(p.id != actor.id for p in people):
        people.append(actor)
    check.raise_if(problems)
    assert course is not None
    cohort = Cohort(
        course_id=course.id,
        name=name_,
        enrolment_mode=enrolment_mode,
        starts_on=starts_on,
        ends_on=ends_on,
        timezone=timezone,
        capacity=capacity,
    )
    db.session.add(cohort)
    db.session.flush()
    _set_facilitators(cohort, people)
    audit.record(
        actor,
        "cohort.create",
        cohort,
        f"Cohort {cohort.name} created",
        course_id=cohort.course_id,
        facilitators=[p.id for p in people],
    )
    commit()
    _set_plugins(actor, cohort, plugins)
    return cohort


def update_cohort(
    actor: User | None,
    cohort: Cohort,
    *,
    name: str,
    facilitators: Iterable[PersonRef],
    enrolment_mode: str,
    starts_on: date | None,
    ends_on: date | None,
    timezone: str,
    capacity: int | None,
    plugins: Iterable[str] | None = None,
) -> None:
    """Change a cohort's details. Its course stays: people's progress belongs to it.

    A facilitator can't take themselves off (they would lose the page they're on).
    """
    begin_write()
    problems = check.Problems()
    name_ = _checked(
        problems,
        cohort,
        name=name,
        starts_on=starts_on,
        ends_on=ends_on,
        timezone=timezone,
        capacity=capacity,
        enrolment_mode=enrolment_mode,
        plugins=plugins,
    )
    people = _people(problems, facilitators)
    if actor is not None and not actor.is_admin and all(p.id != actor.id for p in people):
        problems["facilitators"] = (
            "You can't take yourself off a cohort you facilitate. Please ask an admin."
        )
    check.raise_if(problems)
    before = {p.id for p in cohort.facilitators}
    changes = {
        "name": name_,
        "enrolment_mode": enrolment_mode,
        "starts_on": starts_on,
        "ends_on": ends_on,
        "timezone": timezone,
        "capacity": capacity,
    }
    changed = sorted(k for k, v in changes.items() if getattr(cohort, k) != v)
    for key, value in changes.items():
        setattr(cohort, key, value)
    if before != {p.id for p in people}:
        _set_facilitators(cohort, people)
        changed.append("facilitators")
    audit.record(
        actor,
        "cohort.update",
        cohort,
        f"Cohort {cohort.name} changed" + (f": {', '.join(changed)}" if changed else ""),
        changed=changed,
    )
    commit()
    _set_plugins(actor, cohort, plugins)
