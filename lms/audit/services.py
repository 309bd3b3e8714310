"""Writing to the audit log; called by services inside their own transaction."""

from __future__ import annotations

from typing import Any

from lms.accounts.models import User
from lms.audit.models import AuditEvent
from lms.extensions import db


def record(
    actor: User | None,
    action: str,
    subject: Any,
    summary: str,
    **detail: Any,
) -> AuditEvent:
    """Add an audit entry to the current transaction (committed with the change it records)."""
    event = AuditEvent(
        actor_id=actor.id if actor is not None and actor.id is not None else None,
        action=action,
        subject_type=type(subject).__name__ if subject is not None else "",
        subject_id=getattr(subject, "id", None),
        summary=summary[:300],
        detail=detail,
    )
    db.session.add(event)
    return event
