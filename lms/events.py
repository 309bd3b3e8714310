"""Event hooks fire after the commit of the change they describe, never before."""

from __future__ import annotations

from typing import Any

from flask import current_app
from sqlalchemy import event
from sqlalchemy.orm import Session

from lms.extensions import db

_KEY = "lms_pending_events"


def after_commit(hook_name: str, **kwargs: Any) -> None:
    """Queue ``hook_name`` to fire once the current transaction commits (see ``commit``)."""
    db.session.info.setdefault(_KEY, []).append((hook_name, kwargs))


def commit() -> None:
    """Commit the current transaction, then fire the events queued during it."""
    db.session.commit()
    pending = db.session.info.pop(_KEY, [])
    host = current_app.extensions["lms_plugins"]
    for hook_name, kwargs in pending:
        host.fire(hook_name, **kwargs)


def discard_pending_events() -> None:
    """Forget events of a unit of work that never committed."""
    db.session.info.pop(_KEY, None)


@event.listens_for(Session, "after_soft_rollback")
def _discard_on_rollback(session: Session, _previous: Any) -> None:
    session.info.pop(_KEY, None)
