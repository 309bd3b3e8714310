"""Reading certificates for pages: a fixed number of queries whatever the rows."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from typing import Any

from sqlalchemy import Select, bindparam, exists, func, select
from sqlalchemy.orm import defer, joinedload, lazyload

from lms.accounts.models import Membership, User
from lms.accounts.permissions import managed_ids
from lms.accounts.tree import with_units
from lms.certificates.models import (
    Certificate,
    CertificateBatch,
    CertificateBatchItem,
)
from lms.certificates.services import normalise_code
from lms.cohorts.models import Enrolment
from lms.extensions import db
from lms.live.models import ATTENDED, Attendance, LiveSession

PAGE_SIZE = 50


@cache
def _for_download() -> Select[Certificate]:
    return (
        select(Certificate)
        .where(Certificate.id == bindparam("certificate_id"))
        .options(
            lazyload(Certificate.user), lazyload(Certificate.course), defer(Certificate.details)
        )
    )


def for_download(certificate_id: int) -> Certificate | None:
    """The certificate behind a download: its own columns only (the person and the course
    load if a check asks for them, and the printed details if it has to be rendered)."""
    return db.session.scalar(_for_download(), {"certificate_id": certificate_id})


def certificates_of(user: User) -> list[Certificate]:
    """The person's certificates, newest first (replaced and revoked ones too)."""
    return list(
        db.session.scalars(
            select(Certificate)
            .where(Certificate.user_id == user.id)
            .order_by(Certificate.issued_at.desc(), Certificate.id.desc())
        )
    )


def by_code(typed: str) -> Certificate | None:
    """The certificate with this public code, however it was typed; None for anything else
    (one lookup by a unique index, whatever was typed)."""
    code = normalise_code(typed or "")
    if not code or len(code) > 64:
        return None
    return db.session.scalar(
        select(Certificate)
        .where(Certificate.code == code)
        .options(joinedload(Certificate.replaced_by))
    )


def _managed_organisation_ids(user: User) -> set[int]:
    """Organisations the person manages, with every unit inside them."""
    return set(with_units(managed_ids(user)))


def people_certificates(viewer: User, page: int = 1) -> Any:
    """Certificates an admin (all) or a manager (their organisations' people) may see."""
    query = select(Certificate).order_by(Certificate.issued_at.desc(), Certificate.id.desc())
    if not viewer.is_admin:
        # Read latest first (ix_certificates_issued_at), each checked against the people
        # managed, until the page is full: not every one of their certificates, then sorted.
        managed = exists().where(
            Membership.user_id == Certificate.user_id,
            Membership.organisation_id.in_(_managed_organisation_ids(viewer)),
        )
        query = query.where(managed)
    return db.paginate(query, page=page, per_page=PAGE_SIZE, error_out=False)


@dataclass
class BatchView:
    batch: CertificateBatch
    items: list[CertificateBatchItem]
    counts: dict[str, int] = field(default_factory=dict)
    certificates: dict[int, Certificate] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return len(self.items)

    @property
    def pending(self) -> int:
        return self.counts.get("pending", 0)

    @property
    def done(self) -> int:
        return self.total - self.pending

    @property
    def finished(self) -> bool:
        return self.pending == 0


def batch_view(batch: CertificateBatch) -> BatchView:
    """A bulk issue with each person's state and, for those who have one now, their
    certificate (someone waiting for their name may have confirmed it since)."""
    items = list(
        db.session.scalars(
            select(CertificateBatchItem)
            .join(Enrolment, Enrolment.id == CertificateBatchItem.enrolment_id)
            .join(User, User.id == Enrolment.user_id)
            .where(CertificateBatchItem.batch_id == batch.id)
            .order_by(User.display_name, CertificateBatchItem.id)
        )
    )
    counts: dict[str, int] = dict(
        db.session.execute(
            select(CertificateBatchItem.state, func.count())
            .where(CertificateBatchItem.batch_id == batch.id)
            .group_by(CertificateBatchItem.state)
        ).all()
    )
    certificates = {
        c.enrolment_id: c
        for c in db.session.scalars(
            select(Certificate).where(
                Certificate.enrolment_id.in_([i.enrolment_id for i in items]),
                Certificate.status == "valid",
            )
        )
    }
    return BatchView(batch, items, counts, certificates)


def batches_of(cohort_id: int, limit: int = 10) -> list[CertificateBatch]:
    return list(
        db.session.scalars(
            select(CertificateBatch)
            .where(CertificateBatch.cohort_id == cohort_id)
            .order_by(CertificateBatch.created_at.desc(), CertificateBatch.id.desc())
            .limit(limit)
        )
    )


def sessions_with_register(cohort_id: int) -> list[LiveSession]:
    """The cohort's sessions whose register shows someone who came, newest first."""
    return list(
        db.session.scalars(
            select(LiveSession)
            .where(
                LiveSession.cohort_id == cohort_id,
                LiveSession.status == "scheduled",
                select(Attendance.id)
                .where(Attendance.session_id == LiveSession.id, Attendance.status.in_(ATTENDED))
                .exists(),
            )
            .order_by(LiveSession.starts_at.desc())
        )
    )
