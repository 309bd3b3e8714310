"""The organisations a person may report on."""

from __future__ import annotations

from sqlalchemy import select

from lms.accounts.models import Organisation, User
from lms.accounts.permissions import managed_ids
from lms.extensions import db


def managed_organisations(user: User) -> list[Organisation]:
    """Organisations the user manages, with their units (children), by name; every
    organisation for an admin."""
    query = select(Organisation).order_by(Organisation.name)
    if not user.is_admin:
        managed = managed_ids(user)
        query = query.where(Organisation.id.in_(managed) | Organisation.parent_id.in_(managed))
    return list(db.session.scalars(query))
