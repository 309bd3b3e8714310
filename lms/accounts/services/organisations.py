"""Organisations (and the units inside them) and who belongs to which."""

from __future__ import annotations

from sqlalchemy import exists, func, select, true

from lms import events
from lms.accounts.models import (
    MEMBERSHIP_ROLES,
    ORGANISATION_TYPES,
    REGIONS,
    Membership,
    Organisation,
    User,
)
from lms.accounts.services import validation as check
from lms.audit.services import record
from lms.db import begin_write
from lms.extensions import db


def _checked(
    problems: check.Problems,
    organisation: Organisation | None,
    name: str,
    type: str,
    region: str,
    parent: Organisation | None,
) -> str:
    name_ = check.text(problems, "name", "a name", name, 200, required=True) or ""
    if type not in ORGANISATION_TYPES:
        problems["type"] = "Please choose a type from the list."
    if region not in REGIONS:
        problems["region"] = "Please choose a region from the list."
    if name_:
        other = Organisation.id != organisation.id if organisation is not None else true()
        taken = exists().where(func.lower(Organisation.name) == name_.lower(), other)
        if db.session.scalar(select(taken)):
            problems.conflict("name", f"There is already an organisation called {name_}.")
    ancestor, seen = parent, set()
    while ancestor is not None and organisation is not None and ancestor.id not in seen:
        seen.add(ancestor.id)
        if ancestor.id == organisation.id:
            problems["parent"] = "An organisation can't sit inside itself or one of its own parts."
            break
        ancestor = ancestor.parent
    return name_


def create_organisation(
    actor: User | None, *, name: str, type: str, region: str, parent: Organisation | None = None
) -> Organisation:
    begin_write()
    problems = check.Problems()
    name_ = _checked(problems, None, name, type, region, parent)
    check.raise_if(problems)
    organisation = Organisation(
        name=name_, type=type, region=region, parent_id=parent.id if parent is not None else None
    )
    with check.conflict_on_duplicate(f"There is already an organisation called {name_}."):
        db.session.add(organisation)
    record(actor, "organisation.created", organisation, f"Created the organisation {name_}")
    events.commit()
    return organisation


def update_organisation(
    actor: User | None,
    organisation: Organisation,
    *,
    name: str,
    type: str,
    region: str,
    parent: Organisation | None = None,
) -> None:
    """Change an organisation; its parent may not be itself or one of its own parts."""
    begin_write()
    problems = check.Problems()
    name_ = _checked(problems, organisation, name, type, region, parent)
    check.raise_if(problems)
    renamed = f" (was {organisation.name})" if organisation.name != name_ else ""
    with check.conflict_on_duplicate(f"There is already an organisation called {name_}."):
        organisation.name, organisation.type, organisation.region = name_, type, region
        organisation.parent = parent
    record(
        actor, "organisation.updated", organisation, f"Updated the organisation {name_}{renamed}"
    )
    events.commit()


def add_membership(
    actor: User | None,
    user: User,
    organisation: Organisation,
    role: str,
    service_number: str | None = None,
) -> Membership:
    begin_write()
    problems = check.Problems()
    check.role(problems, role)
    number = check.text(problems, "service_number", "the service number", service_number, 40)
    if organisation.id in user.organisation_ids():
        problems.conflict("organisation", f"{user.display_name} is already in {organisation.name}.")
    check.raise_if(problems)
    with check.conflict_on_duplicate(f"{user.display_name} is already in {organisation.name}."):
        membership = Membership(
            user=user, organisation_id=organisation.id, role=role, service_number=number
        )
        db.session.add(membership)
    record(
        actor,
        "membership.added",
        user,
        f"Added {user.display_name} to {organisation.name} as a {MEMBERSHIP_ROLES[role].lower()}",
        organisation_id=organisation.id,
        role=role,
    )
    events.commit()
    return membership


def remove_membership(actor: User | None, membership: Membership) -> None:
    begin_write()
    user, organisation = membership.user, membership.organisation
    user.memberships.remove(membership)
    record(
        actor,
        "membership.removed",
        user,
        f"Removed {user.display_name} from {organisation.name}",
        organisation_id=organisation.id,
    )
    events.commit()
