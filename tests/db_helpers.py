"""Helpers of the tests of ``lms.db``'s writes and of SQLite's write lock file: a learner
and a step to write progress for, the row written, and whether the lock file is held."""

from __future__ import annotations

import fcntl
import os
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from lms.extensions import db as _db
from lms.progress.models import StepProgress
from lms.testing.factories import Factories

T0 = datetime(2026, 3, 2, 9, 30)
T1 = T0 + timedelta(hours=1)
KEYS = ("user_id", "step_id")


def person_and_step(factories: Factories) -> tuple[int, int]:
    """A new person and the first step of a new one-step course: their ids."""
    course = factories.course(modules=[[{"type": "text"}]])
    person = factories.user()
    _db.session.flush()
    return person.id, course.modules[0].steps[0].id


def progress_row(user_id: int, step_id: int) -> StepProgress:
    """The person's progress row for the step, read afresh."""
    _db.session.expire_all()
    row = _db.session.scalar(
        select(StepProgress).where(StepProgress.user_id == user_id, StepProgress.step_id == step_id)
    )
    assert row is not None
    return row


def lock_path(app: Any) -> str:
    """The write lock file of the app's SQLite database."""
    with app.app_context():
        return f"{_db.engine.url.database}-writelock"


def held_elsewhere(path: str) -> bool:
    """Is the write lock file locked (by any connection)? Asked on a file of its own."""
    fd = os.open(path, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    return False
