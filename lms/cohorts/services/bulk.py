"""Bulk enrolment from a CSV file: a dry-run preview stored as an upload, then confirm.

``preview_upload`` reads the file, works out row by row what applying it would do and
stores that (nothing about people is written). ``apply_upload`` does it in one transaction:
all of it or, if anything has changed since the preview, none of it; a second confirm finds
the upload applied and does nothing. The rows are checked in ``bulk_rows``.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask import current_app
from sqlalchemy import select, update

from lms.accounts.models import Membership, Organisation, User
from lms.accounts.services import validation as check
from lms.accounts.services.codes import issue_code
from lms.accounts.services.people import add_user
from lms.audit import services as audit
from lms.cohorts.bulk import read_people
from lms.cohorts.models import BulkEnrolmentUpload, Cohort, Enrolment
from lms.cohorts.services import places
from lms.cohorts.services.bulk_rows import check_rows
from lms.cohorts.services.enrolments import reactivate
from lms.db import begin_write, is_sqlite, utcnow
from lms.errors import Conflict
from lms.events import after_commit, commit
from lms.extensions import db

#: Defaults for the settings BULK_ENROLMENT_MAX_ROWS and BULK_ENROLMENT_MAX_BYTES.
MAX_ROWS = 5000
MAX_BYTES = 4 * 1024 * 1024


@dataclass
class IssuedSheetCode:
    """One card of the printable code sheet: who, what they type as their sign-in name
    (their username if they have one, else their email address), the code and its expiry."""

    name: str
    sign_in_name: str
    code: str
    expires_at: datetime

    @classmethod
    def issue(cls, actor: User | None, user: User) -> IssuedSheetCode:
        """A new one-time code for ``user`` in the current transaction, as a card."""
        code = issue_code(actor, user)
        return cls(user.display_name, user.username or user.email or "", code, code.expires_at)


@dataclass
class BulkResult:
    created: int = 0
    enrolled: int = 0
    skipped: int = 0
    already_applied: bool = False
    codes: list[IssuedSheetCode] = field(default_factory=list)


# -- preview and confirm --------------------------------------------------------------------


def preview_upload(
    actor: User | None, cohort: Cohort, *, filename: str, data: bytes
) -> BulkEnrolmentUpload:
    """Read and check a file and store what applying it would do. Writes no people."""
    config = current_app.config
    people = read_people(
        data,
        max_rows=int(config.get("BULK_ENROLMENT_MAX_ROWS", MAX_ROWS)),
        max_bytes=int(config.get("BULK_ENROLMENT_MAX_BYTES", MAX_BYTES)),
    )
    rows = check_rows(cohort, people.rows)
    begin_write()
    upload = BulkEnrolmentUpload(
        cohort_id=cohort.id,
        actor_id=actor.id if actor is not None else None,
        created_at=utcnow(),
        filename=check.clean(filename)[:200] or "people.csv",
        rows=rows,
        notes=people.notes,
    )
    db.session.add(upload)
    commit()
    return upload


def _changed(before: list[dict[str, Any]], now: list[dict[str, Any]]) -> list[str]:
    """Lines whose outcome is no longer what the preview promised."""
    return [
        old["line"]
        for old, new in zip(before, now, strict=True)
        if old.get("action") != "error" and old.get("action") != new.get("action")
    ]


def apply_upload(actor: User | None, upload: BulkEnrolmentUpload) -> BulkResult:
    """Create the accounts and enrolments the preview listed, in one transaction.

    Rows with a problem are left out. If anything has changed since the preview (someone
    took the last places, an account appeared), nothing is written and the person is asked
    to upload again. Applying an applied upload does nothing.
    """
    begin_write()
    try:
        # A savepoint: a problem found part-way undoes the claim and every row with it.
        with db.session.begin_nested():
            cohort, result = _claim_and_apply(actor, upload)
    except _AlreadyApplied:
        return BulkResult(already_applied=True)
    audit.record(
        actor,
        "cohort.bulk_enrolment",
        cohort,
        f"Bulk enrolment on {cohort.name} from {upload.filename}: {result.enrolled} enrolled, "
        f"{result.created} new accounts, {result.skipped} rows left out",
        upload_id=upload.id,
    )
    commit()
    db.session.expire(upload)
    return result


class _AlreadyApplied(Exception):
    pass


def _claim_and_apply(actor: User | None, upload: BulkEnrolmentUpload) -> tuple[Cohort, BulkResult]:
    claimed = db.session.execute(
        update(BulkEnrolmentUpload)
        .where(BulkEnrolmentUpload.id == upload.id, BulkEnrolmentUpload.applied_at.is_(None))
        .values(applied_at=utcnow(), applied_by_id=actor.id if actor is not None else None)
        .execution_options(synchronize_session=False)
    )
    if getattr(claimed, "rowcount", 0) != 1:
        raise _AlreadyApplied
    cohort = db.session.get(Cohort, upload.cohort_id)
    assert cohort is not None
    places.lock(cohort)
    rows = check_rows(cohort, upload.rows)
    changed = _changed(upload.rows, rows)
    if changed:
        lines = ", ".join(changed[:10]) + (" and more" if len(changed) > 10 else "")
        raise Conflict(
            f"Some rows have changed since the preview (line {lines}), for example someone "
            "else took places or an account was added. Nothing was changed: please upload "
            "the file again to see a fresh preview."
        )
    result = _apply_rows(actor, cohort, rows)
    db.session.execute(
        update(BulkEnrolmentUpload)
        .where(BulkEnrolmentUpload.id == upload.id)
        .values(
            rows=rows,
            result={
                "created": result.created,
                "enrolled": result.enrolled,
                "skipped": result.skipped,
                "codes": len(result.codes),
                # What the preview showed, kept for when the rows themselves are deleted.
                "counts": dict(Counter(row["action"] for row in rows)),
            },
        )
        .execution_options(synchronize_session=False)
    )
    return cohort, result


def _lock_in_order(organisation_ids: set[int], user_ids: set[int]) -> None:
    """On PostgreSQL, take the row locks that the writes' triggers want (each organisation's
    headcount, each person's record version) before writing, in one order: organisations
    first, as a single new membership takes them, then people, each by id. Two uploads
    naming the same people in different orders would otherwise each hold some of them and
    wait for the other's, and one would be refused as a deadlock. SQLite's writers take
    turns already."""
    if is_sqlite():
        return
    for model, ids in ((Organisation, organisation_ids), (User, user_ids)):
        if ids:
            db.session.execute(
                select(model.id)
                .where(model.id.in_(sorted(ids)))
                .order_by(model.id)
                .with_for_update(key_share=True)  # FOR NO KEY UPDATE, as the triggers' own
            )


def _apply_rows(actor: User | None, cohort: Cohort, rows: list[dict[str, Any]]) -> BulkResult:
    result = BulkResult(skipped=sum(1 for r in rows if r["action"] == "error"))
    organisations = {o.id: o for o in db.session.scalars(select(Organisation))}
    todo = [r for r in rows if r["action"] in ("new", "existing")]
    existing_ids = [r["user_id"] for r in todo if r["action"] == "existing"]
    _lock_in_order(
        {r["organisation_id"] for r in todo if r["action"] == "new" or r.get("joins_organisation")},
        set(existing_ids),
    )
    users = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(existing_ids)))}
    held = {
        e.user_id: e
        for e in db.session.scalars(
            select(Enrolment).where(
                Enrolment.cohort_id == cohort.id, Enrolment.user_id.in_(existing_ids)
            )
        )
    }
    now = utcnow()
    for row in todo:
        organisation = organisations[row["organisation_id"]]
        if row["action"] == "new":
            user = add_user(
                actor,
                display_name=row["name"],
                email=row["email"] or None,
                username=row["username"] or None,
                organisation=organisation,
                service_number=row["service_number"] or None,
            )
            result.created += 1
            # The site sends no email: every new account's first way in is a code on the
            # sheet, with its email address or username, after which they choose a secret.
            result.codes.append(IssuedSheetCode.issue(actor, user))
        else:
            user = users[row["user_id"]]
            if row.get("joins_organisation"):
                db.session.add(
                    Membership(
                        user_id=user.id,
                        organisation_id=organisation.id,
                        role="member",
                        service_number=row["service_number"] or None,
                    )
                )
                audit.record(
                    actor,
                    "membership.added",
                    user,
                    f"Added {user.display_name} to {organisation.name} as a member",
                    organisation_id=organisation.id,
                    role="member",
                )
        enrolment = held.get(user.id)
        if enrolment is not None:
            reactivate(enrolment, source="csv")
        else:
            enrolment = Enrolment(
                user_id=user.id, cohort_id=cohort.id, status="active", source="csv", enrolled_at=now
            )
            db.session.add(enrolment)
            after_commit("lms_enrolled", enrolment=enrolment)
        result.enrolled += 1
    db.session.flush()
    return result
