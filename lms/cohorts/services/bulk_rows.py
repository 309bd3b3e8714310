"""Checking the rows of a bulk enrolment file against the database: what applying each
row would do, or why it can't be applied.

Existing people, organisations, memberships and enrolments are looked up for the whole
file in a few queries (never one per row), so a file of thousands of rows checks quickly.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import select

from lms.accounts.models import Membership, Organisation, User
from lms.accounts.services import validation as check
from lms.cohorts.models import PLACE_STATUSES, Cohort, Enrolment
from lms.cohorts.services import places
from lms.extensions import db

ACTIONS = {
    "new": "New account",
    "existing": "Existing account",
    "enrolled": "Already enrolled",
    "error": "Problem",
}
_CHUNK = 20_000  # values per IN (...) list: under SQLite's 32,766 and PostgreSQL's 65,535
_WORKING_KEYS = ("action", "reason", "user_id", "organisation_id", "joins_organisation")


# -- looking things up for the whole file --------------------------------------------------


def _chunks(values: Iterable[Any]) -> Iterable[list[Any]]:
    items = sorted(set(values))
    for start in range(0, len(items), _CHUNK):
        yield items[start : start + _CHUNK]


def _users_by(column: Any, values: Iterable[str]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for chunk in _chunks(values):
        rows = db.session.execute(
            select(User.id, User.email, User.username, User.display_name, User.active).where(
                column.in_(chunk)
            )
        )
        found.update({getattr(row, column.key): row for row in rows})
    return found


@dataclass
class _World:
    """What the database says about the people and organisations a file names."""

    by_email: dict[str, Any]
    by_username: dict[str, Any]
    organisations: dict[str, Any]
    parents: dict[int, int | None]
    memberships: dict[int, set[int]]
    statuses: dict[int, str]
    free: int | None


def _look_up(cohort: Cohort, rows: list[dict[str, Any]]) -> _World:
    emails = {r["email"] for r in rows if r["email"] and r.get("email_ok") == "y"}
    usernames = {r["username"] for r in rows if r["username"]}
    by_email = _users_by(User.email, emails)
    by_username = _users_by(User.username, usernames)
    ids = {row.id for row in [*by_email.values(), *by_username.values()]}
    organisations: dict[str, Any] = {}
    parents: dict[int, int | None] = {}
    org_rows = db.session.execute(
        select(Organisation.id, Organisation.name, Organisation.parent_id)
    ).all()
    names = {row.id: row.name for row in org_rows}
    for row in org_rows:
        parents[row.id] = row.parent_id
        organisations[row.name.lower()] = row
        if row.parent_id in names:
            organisations[f"{names[row.parent_id]}: {row.name}".lower()] = row
    memberships: dict[int, set[int]] = defaultdict(set)
    statuses: dict[int, str] = {}
    for chunk in _chunks(ids):
        for user_id, org_id in db.session.execute(
            select(Membership.user_id, Membership.organisation_id).where(
                Membership.user_id.in_(chunk)
            )
        ):
            memberships[user_id].add(org_id)
        statuses.update(
            db.session.execute(
                select(Enrolment.user_id, Enrolment.status).where(
                    Enrolment.cohort_id == cohort.id, Enrolment.user_id.in_(chunk)
                )
            ).all()
        )
    free = places.places_left(cohort)
    return _World(by_email, by_username, organisations, parents, memberships, statuses, free)


def _inside(org_id: int, parents: dict[int, int | None], target: int) -> bool:
    """True if ``org_id`` is ``target`` or one of its units (however deep)."""
    seen: set[int] = set()
    current: int | None = org_id
    while current is not None and current not in seen:
        if current == target:
            return True
        seen.add(current)
        current = parents.get(current)
    return False


# -- working out each row -----------------------------------------------------------------


def _email(value: str) -> str | None:
    try:
        return validate_email(value, check_deliverability=False).normalized.lower()
    except EmailNotValidError:
        return None


def _row_problem(row: dict[str, Any], world: _World, seen: dict[str, str]) -> str | None:
    """Check one row, filling in what it names; the reason it can't be applied, if any."""
    if row.get("extra"):
        return (
            "This row has more values than the header has columns. If a name has a comma in "
            "it, put the name in quotes."
        )
    if not row["name"]:
        return "The name is missing."
    if len(row["name"]) > 120:
        return "The name is longer than 120 characters."
    if not row["email"] and not row["username"]:
        return "It needs an email address or a username."
    if row["email"] and row.get("email_ok") != "y":
        return f"“{row['email'][:60]}” isn't a valid email address."
    if row["username"] and not check.USERNAME_PATTERN.match(row["username"]):
        return (
            f"“{row['username'][:60]}” can't be a username: use 3 to 60 lower-case letters, "
            "numbers, dots, dashes or underscores, starting with a letter or number."
        )
    if len(row["service_number"]) > 40:
        return "The service number is longer than 40 characters."
    if not row["organisation"]:
        return "The organisation is missing."
    organisation = world.organisations.get(row["organisation"].lower())
    if organisation is None:
        return (
            f"There is no organisation called “{row['organisation'][:80]}”. Check the spelling "
            "against the organisation's name on this site."
        )
    row["organisation_id"] = organisation.id
    for key in ("email", "username"):
        if row[key]:
            earlier = seen.get(f"{key}:{row[key]}")
            if earlier:
                return f"The same {key} as line {earlier}: each person should appear once."
    for key in ("email", "username"):
        if row[key]:
            seen[f"{key}:{row[key]}"] = row["line"]
    by_email = world.by_email.get(row["email"]) if row["email"] else None
    by_username = world.by_username.get(row["username"]) if row["username"] else None
    if by_email and by_username and by_email.id != by_username.id:
        return "The email address and the username belong to two different people."
    person = by_email or by_username
    if person is None:
        row["action"] = "new"
        return None
    row["user_id"] = person.id
    if not person.active:
        return "This person's account is switched off. Please ask an admin."
    theirs = world.memberships.get(person.id, set())
    if theirs and not any(_inside(o, world.parents, organisation.id) for o in theirs):
        return "This person's account belongs to a different organisation."
    row["joins_organisation"] = not theirs
    row["action"] = "enrolled" if world.statuses.get(person.id) in PLACE_STATUSES else "existing"
    return None


def check_rows(cohort: Cohort, raw: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each row with ``action`` (see ``ACTIONS``) and, for problems, a ``reason``."""
    rows = [{k: v for k, v in r.items() if k not in _WORKING_KEYS} for r in raw]
    for row in rows:  # normalise first, so people are looked up as they are stored
        if row["email"]:
            email = _email(row["email"]) if len(row["email"]) <= 254 else None
            row["email"], row["email_ok"] = email or row["email"], "y" if email else ""
        row["username"] = row["username"].lower()
    world = _look_up(cohort, rows)
    seen: dict[str, str] = {}
    free = world.free
    for row in rows:
        problem = _row_problem(row, world, seen)
        if problem is None and row["action"] in ("new", "existing") and free is not None:
            if free <= 0:
                problem = f"The cohort is full: all {cohort.capacity} places are taken."
            free -= 1
        if problem is not None:
            row["action"], row["reason"] = "error", problem
    return rows
