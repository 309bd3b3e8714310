"""Bulk issues: every person of a cohort, or everyone who attended one of its sessions.

Starting one writes a batch and one item per person, all ``pending``, in one transaction.
A worker then takes pending items one at a time: each is issued (or found to have a
certificate already, or to be waiting for the learner's name, or not yet earned) and marked
in the same transaction, so a crash at any point leaves every item either done or still
pending, and running the worker again finishes the rest with no duplicates. The request
that starts a batch works on it for a few seconds; the scheduler (``lms.certificates-
batches``) or ``flask lms certificates run-batches`` does the rest.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from flask import current_app
from sqlalchemy import select, update

from lms.accounts.models import User
from lms.audit import services as audit
from lms.certificates.models import CertificateBatch, CertificateBatchItem
from lms.certificates.services.eligibility import ISSUABLE_STATUSES, has_certificate, is_eligible
from lms.certificates.services.issuing import confirmed_name, issue_for
from lms.cohorts.models import Cohort, Enrolment
from lms.db import begin_write, insert_ignore, utcnow
from lms.errors import InvalidInput
from lms.events import commit
from lms.extensions import db
from lms.live.models import ATTENDED, Attendance, Booking, LiveSession

log = logging.getLogger("lms.certificates")


def _start(
    actor: User | None, cohort: Cohort, enrolment_ids: list[int], **extra: int
) -> CertificateBatch:
    if not enrolment_ids:
        raise InvalidInput("There is nobody to issue certificates to yet.")
    begin_write()
    batch = CertificateBatch(
        cohort_id=cohort.id, created_by_id=actor.id if actor else None, **extra
    )
    db.session.add(batch)
    db.session.flush()
    for enrolment_id in enrolment_ids:
        insert_ignore(
            CertificateBatchItem,
            {"batch_id": batch.id, "enrolment_id": enrolment_id, "state": "pending"},
            ["batch_id", "enrolment_id"],
        )
    audit.record(
        actor,
        "certificate_batch.start",
        batch,
        f"Bulk certificate issue for “{cohort.name}”: {len(enrolment_ids)} people",
        cohort_id=cohort.id,
        **extra,
    )
    commit()
    return batch


def start_for_cohort(actor: User | None, cohort: Cohort) -> CertificateBatch:
    """A bulk issue for everyone on ``cohort`` who could hold a certificate."""
    ids = list(
        db.session.scalars(
            select(Enrolment.id)
            .where(Enrolment.cohort_id == cohort.id, Enrolment.status.in_(ISSUABLE_STATUSES))
            .order_by(Enrolment.id)
        )
    )
    return _start(actor, cohort, ids)


def start_for_session(actor: User | None, session: LiveSession) -> CertificateBatch:
    """A bulk issue for the people the register shows at ``session`` (present or part)."""
    cohort = session.cohort
    if cohort is None:
        raise InvalidInput("Only a cohort's sessions have certificates.")
    attended = (
        select(Booking.user_id)
        .join(Attendance, Attendance.booking_id == Booking.id)
        .where(
            Attendance.session_id == session.id,
            Attendance.status.in_(ATTENDED),
            Booking.user_id.is_not(None),
        )
    )
    ids = list(
        db.session.scalars(
            select(Enrolment.id)
            .where(
                Enrolment.cohort_id == cohort.id,
                Enrolment.status.in_(ISSUABLE_STATUSES),
                Enrolment.user_id.in_(attended),
            )
            .order_by(Enrolment.id)
        )
    )
    if not ids:
        raise InvalidInput(
            "The register of this session shows nobody who came yet. Take the register first."
        )
    return _start(actor, cohort, ids, session_id=session.id)


def process_item(item_id: int) -> str | None:
    """Do one pending item in its own transaction; its new state, or None if it was no
    longer pending (another worker did it)."""
    begin_write()
    # On PostgreSQL a second worker skips an item being done rather than waiting for it.
    locked = db.session.scalar(
        select(CertificateBatchItem.id)
        .where(CertificateBatchItem.id == item_id, CertificateBatchItem.state == "pending")
        .with_for_update(skip_locked=True)
    )
    item = db.session.get(CertificateBatchItem, locked, populate_existing=True) if locked else None
    if item is None:
        commit()
        return None
    enrolment = item.enrolment
    certificate = None
    if has_certificate(enrolment):
        state = "already"
    elif not is_eligible(enrolment):
        state = "not_eligible"
    elif confirmed_name(enrolment.user) is None:
        state = "waiting_name"
    else:
        certificate = issue_for(enrolment)
        state = "issued" if certificate is not None else "already"
    changed = db.session.execute(
        update(CertificateBatchItem)
        .where(CertificateBatchItem.id == item.id, CertificateBatchItem.state == "pending")
        .values(
            state=state,
            certificate_id=certificate.id if certificate is not None else None,
            processed_at=utcnow(),
        )
        .execution_options(synchronize_session=False)
    )
    if not getattr(changed, "rowcount", 1):
        db.session.rollback()
        return None
    commit()
    return state


def _finish_if_done(batch_id: int) -> None:
    begin_write()
    pending = db.session.scalar(
        select(CertificateBatchItem.id)
        .where(CertificateBatchItem.batch_id == batch_id, CertificateBatchItem.state == "pending")
        .limit(1)
    )
    if pending is None:
        db.session.execute(
            update(CertificateBatch)
            .where(CertificateBatch.id == batch_id, CertificateBatch.finished_at.is_(None))
            .values(finished_at=utcnow())
            .execution_options(synchronize_session=False)
        )
    commit()


def run_batch(
    batch: CertificateBatch,
    *,
    seconds: float | None = None,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Work through the batch's pending items (for at most ``seconds`` when given).
    Returns how many items this call did; safe to run again at any time."""
    started = time.monotonic()
    pending = list(
        db.session.scalars(
            select(CertificateBatchItem.id)
            .where(
                CertificateBatchItem.batch_id == batch.id,
                CertificateBatchItem.state == "pending",
            )
            .order_by(CertificateBatchItem.id)
        )
    )
    done = 0
    for item_id in pending:
        if seconds is not None and time.monotonic() - started >= seconds:
            break
        if process_item(item_id) is not None:
            done += 1
        if progress is not None:
            progress(1)
    _finish_if_done(batch.id)
    return done


def unfinished_batches() -> list[CertificateBatch]:
    return list(
        db.session.scalars(
            select(CertificateBatch)
            .where(CertificateBatch.finished_at.is_(None))
            .order_by(CertificateBatch.id)
        )
    )


def run_unfinished_batches() -> int:
    """The scheduler's job: finish every batch that has pending items."""
    total = 0
    for batch in unfinished_batches():
        total += run_batch(batch)
    if total:
        log.info("Bulk certificate issues: %d people done", total)
    return total


def request_budget() -> float:
    return float(current_app.config.get("CERTIFICATE_BATCH_SECONDS", 5))
