"""How long the people in a bulk enrolment file are kept: no longer than they are needed.

An upload's rows hold names, email addresses, usernames and service numbers. Once a file is
applied, the accounts and enrolments it made are what matter, so its rows are deleted (its
file name, who applied it when and the counts stay) as soon as the facilitator is done with
the code sheet, or ``BULK_ENROLMENT_KEEP_DAYS`` after it was applied at the latest. A
preview that was never applied is deleted outright after ``BULK_ENROLMENT_PREVIEW_KEEP_DAYS``.
The scheduler runs ``forget_old_uploads`` every night (job ``lms.bulk-upload-retention``);
``flask lms cohorts forget-uploads`` runs it by hand.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, update

from lms.accounts.models import User
from lms.audit import services as audit
from lms.cohorts.models import BulkEnrolmentUpload
from lms.db import begin_write, utcnow
from lms.events import commit
from lms.extensions import db

#: Defaults for the settings BULK_ENROLMENT_KEEP_DAYS and BULK_ENROLMENT_PREVIEW_KEEP_DAYS.
KEEP_DAYS = 7
PREVIEW_KEEP_DAYS = 1


@dataclass(frozen=True)
class Forgotten:
    """What one run of ``forget_old_uploads`` deleted."""

    applied: int  # applied uploads whose rows were deleted
    previews: int  # unapplied uploads deleted outright


def _days(name: str, default: int) -> int:
    value = current_app.config.get(name, default)
    try:
        days = int(value)
    except (TypeError, ValueError):
        raise ValueError(
            f"The setting {name} must be a whole number of days, not {value!r}."
        ) from None
    if days < 0:
        raise ValueError(f"The setting {name} must be 0 or more days, not {days}.")
    return days


def kept_days(*, previews: bool = False) -> int:
    """How many days the people in an applied file (or in a preview) are kept at most."""
    if previews:
        return _days("BULK_ENROLMENT_PREVIEW_KEEP_DAYS", PREVIEW_KEEP_DAYS)
    return _days("BULK_ENROLMENT_KEEP_DAYS", KEEP_DAYS)


def forget_upload(actor: User | None, upload: BulkEnrolmentUpload) -> None:
    """The facilitator is done with this file: delete the people in it now.

    An applied upload keeps its counts and loses its rows; an upload that was never applied
    is deleted. Doing it twice changes nothing more.
    """
    begin_write()
    now = utcnow()
    gone = db.session.execute(
        delete(BulkEnrolmentUpload)
        .where(BulkEnrolmentUpload.id == upload.id, BulkEnrolmentUpload.applied_at.is_(None))
        .execution_options(synchronize_session=False)
    )
    if getattr(gone, "rowcount", 0) == 1:
        what = "the preview of"
    else:
        cleared = db.session.execute(
            update(BulkEnrolmentUpload)
            .where(
                BulkEnrolmentUpload.id == upload.id,
                BulkEnrolmentUpload.rows_deleted_at.is_(None),
            )
            .values(rows=[], rows_deleted_at=now)
            .execution_options(synchronize_session=False)
        )
        if getattr(cleared, "rowcount", 0) != 1:
            commit()  # already done: nothing changed
            return
        what = "the list of people in"
    audit.record(
        actor,
        "cohort.bulk_upload_deleted",
        upload.cohort,
        f"Deleted {what} {upload.filename} ({upload.cohort.name})",
        upload_id=upload.id,
    )
    commit()


def forget_old_uploads(now: datetime | None = None) -> Forgotten:
    """Delete the rows of uploads applied more than ``BULK_ENROLMENT_KEEP_DAYS`` ago and the
    previews made more than ``BULK_ENROLMENT_PREVIEW_KEEP_DAYS`` ago and never applied.

    Idempotent: a second run straight after finds nothing to do.
    """
    keep, keep_previews = kept_days(), kept_days(previews=True)
    now = now or utcnow()
    begin_write()
    cleared = db.session.execute(
        update(BulkEnrolmentUpload)
        .where(
            BulkEnrolmentUpload.applied_at.is_not(None),
            BulkEnrolmentUpload.applied_at <= now - timedelta(days=keep),
            BulkEnrolmentUpload.rows_deleted_at.is_(None),
        )
        .values(rows=[], rows_deleted_at=now)
        .execution_options(synchronize_session=False)
    )
    deleted = db.session.execute(
        delete(BulkEnrolmentUpload)
        .where(
            BulkEnrolmentUpload.applied_at.is_(None),
            BulkEnrolmentUpload.created_at <= now - timedelta(days=keep_previews),
        )
        .execution_options(synchronize_session=False)
    )
    result = Forgotten(getattr(cleared, "rowcount", 0), getattr(deleted, "rowcount", 0))
    if result.applied or result.previews:
        audit.record(
            None,
            "cohort.bulk_uploads_expired",
            None,
            f"Deleted the people in {result.applied} applied bulk enrolment file(s) older than "
            f"{keep} day(s) and {result.previews} unapplied preview(s) older than "
            f"{keep_previews} day(s)",
            applied=result.applied,
            previews=result.previews,
        )
    commit()
    return result
