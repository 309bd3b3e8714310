"""What the admin pages show: lists, counts and choices (read only; changes live in
``lms.accounts.services``). Each function runs a fixed number of queries, whatever the rows."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from lms.accounts.models import Membership, OneTimeCode, Organisation, User
from lms.audit.models import AuditEvent
from lms.db import utcnow
from lms.extensions import db

PER_PAGE = 25


def overview_counts() -> dict[str, int]:
    def count(*where: Any, model: Any = User) -> int:
        return db.session.scalar(select(func.count()).select_from(model).where(*where)) or 0

    return {
        "people": count(User.active.is_(True)),
        "switched_off": count(User.active.is_(False)),
        "admins": count(User.is_admin.is_(True), User.active.is_(True)),
        "organisations": count(model=Organisation),
        "audit_events": count(model=AuditEvent),
    }


def organisations_page(page: int) -> tuple[Any, dict[int, int]]:
    """A page of organisations (parents joined in) and how many members each has."""
    pagination = db.paginate(
        select(Organisation).order_by(Organisation.name),
        page=page,
        per_page=PER_PAGE,
        error_out=False,
    )
    ids = [org.id for org in pagination.items]
    counts: dict[int, int] = {}
    if ids:
        rows = db.session.execute(
            select(Membership.organisation_id, func.count())
            .where(Membership.organisation_id.in_(ids))
            .group_by(Membership.organisation_id)
        )
        counts = {org_id: n for org_id, n in rows}
    return pagination, counts


def organisation_choices(
    *, exclude: Organisation | None = None, none_label: str | None = None
) -> list[tuple[Any, str]]:
    """Organisations for a select, by full name; without ``exclude`` and its own parts."""
    rows = db.session.execute(
        select(Organisation.id, Organisation.name, Organisation.parent_id).order_by(
            Organisation.name
        )
    ).all()
    parents = {row.id: row.parent_id for row in rows}
    names = {row.id: row.name for row in rows}

    def inside_excluded(org_id: int | None) -> bool:
        seen: set[int] = set()
        while org_id is not None and org_id not in seen:
            if exclude is not None and org_id == exclude.id:
                return True
            seen.add(org_id)
            org_id = parents.get(org_id)
        return False

    choices: list[tuple[Any, str]] = [("", none_label)] if none_label else []
    for row in rows:
        if inside_excluded(row.id):
            continue
        label = f"{names[row.parent_id]}: {row.name}" if row.parent_id in names else row.name
        choices.append((row.id, label))
    return sorted(choices, key=lambda choice: (choice[0] != "", choice[1].lower()))


def people_page(search: str, page: int) -> Any:
    """A page of people whose name, email or username contains ``search``."""
    query = (
        select(User).options(selectinload(User.memberships)).order_by(User.display_name, User.id)
    )
    if search:
        query = query.where(
            or_(
                User.display_name.icontains(search, autoescape=True),
                User.email.icontains(search, autoescape=True),
                User.username.icontains(search, autoescape=True),
            )
        )
    return db.paginate(query, page=page, per_page=PER_PAGE, error_out=False)


def waiting_code(user: User) -> OneTimeCode | None:
    """The person's one-time code that can still be used, if any."""
    return db.session.scalar(
        select(OneTimeCode)
        .where(
            OneTimeCode.user_id == user.id,
            OneTimeCode.used_at.is_(None),
            OneTimeCode.expires_at > utcnow(),
        )
        .order_by(OneTimeCode.created_at.desc())
        .limit(1)
    )


def audit_page(action: str, page: int) -> Any:
    """A page of the audit log, newest first, optionally of one kind of action."""
    query = select(AuditEvent).order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
    if action:
        query = query.where(AuditEvent.action == action)
    return db.paginate(query, page=page, per_page=PER_PAGE, error_out=False)


def audit_actions() -> list[str]:
    return list(
        db.session.scalars(select(AuditEvent.action).distinct().order_by(AuditEvent.action))
    )
