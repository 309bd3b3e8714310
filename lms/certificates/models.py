"""Certificates, the name each learner confirmed for them, yearly numbering and bulk issues.

A certificate belongs to one enrolment (a person on a cohort of a course). ``issue_number``
counts the certificates of that enrolment: the first issue is 1, each reissue one more, so
issuing twice (or from two workers at once) meets the unique constraint and leaves one.
At most one certificate of an enrolment is ``valid`` at a time (a partial unique index).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    String,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.accounts.models import User
from lms.catalogue.models import Course
from lms.cohorts.models import Cohort, Enrolment
from lms.db import utcnow
from lms.extensions import Model

CERTIFICATE_STATUSES = {
    "valid": "Valid",
    "revoked": "Revoked",
    "superseded": "Replaced by a reissue",
}
KINDS = {"completion": "Certificate of completion", "attendance": "Certificate of attendance"}
NAME_SOURCES = {"display": "Display name", "legal": "Legal name"}


class Certificate(Model):
    __tablename__ = "certificates"
    __table_args__ = (
        UniqueConstraint("enrolment_id", "issue_number"),
        Index(
            "uq_certificates_one_valid_per_enrolment",
            "enrolment_id",
            unique=True,
            sqlite_where=text("status = 'valid'"),
            postgresql_where=text("status = 'valid'"),
        ),
        # The lists of certificates, latest first, read in order a page at a time.
        Index("ix_certificates_issued_at", "issued_at", "id"),
        CheckConstraint("status IN ('valid', 'revoked', 'superseded')", name="status_known"),
        CheckConstraint("kind IN ('completion', 'attendance')", name="kind_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("enrolments.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"), index=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    issue_number: Mapped[int] = mapped_column(default=1)
    kind: Mapped[str] = mapped_column(String(20))
    template_key: Mapped[str] = mapped_column(String(40))
    template_version: Mapped[int] = mapped_column(default=1)
    # The public verification code: random (secrets), never derived from ids.
    code: Mapped[str] = mapped_column(String(40), unique=True)
    # The printed number people quote, e.g. 2026-000042: sequential within a year.
    number: Mapped[str] = mapped_column(String(20), unique=True)
    issued_name: Mapped[str] = mapped_column(String(200))
    issued_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    content_version: Mapped[int] = mapped_column(default=0)
    # What the certificate says, as it was when issued: course title, outcomes, hours...
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(20), default="valid")
    status_reason: Mapped[str | None] = mapped_column(String(300))
    status_changed_at: Mapped[datetime | None] = mapped_column(DateTime)
    status_changed_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    replaced_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("certificates.id", ondelete="SET NULL")
    )

    user: Mapped[User] = relationship(foreign_keys=[user_id], lazy="joined")
    course: Mapped[Course] = relationship(lazy="joined")
    cohort: Mapped[Cohort] = relationship()
    enrolment: Mapped[Enrolment] = relationship()
    replaced_by: Mapped[Certificate | None] = relationship(remote_side=[id])
    status_changed_by: Mapped[User | None] = relationship(foreign_keys=[status_changed_by_id])

    @property
    def is_valid(self) -> bool:
        return self.status == "valid"

    @property
    def status_label(self) -> str:
        return CERTIFICATE_STATUSES.get(self.status, self.status)

    @property
    def kind_label(self) -> str:
        return KINDS.get(self.kind, self.kind)

    @property
    def course_title(self) -> str:
        return str(self.details.get("course_title") or self.course.title)

    @property
    def display_code(self) -> str:
        """The code in groups of four, as printed and as people type it."""
        return "-".join(self.code[i : i + 4] for i in range(0, len(self.code), 4))

    def __repr__(self) -> str:
        return f"<Certificate {self.id} {self.number} {self.status}>"


class CertificateName(Model):
    """The name a learner confirmed for their certificates, before the first was issued."""

    __tablename__ = "certificate_names"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    source: Mapped[str] = mapped_column(String(10))  # "display" or "legal"
    confirmed_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class CertificateCounter(Model):
    """The last certificate number given out in a year."""

    __tablename__ = "certificate_counters"

    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    last: Mapped[int] = mapped_column(default=0)


BATCH_ITEM_STATES = {
    "pending": "Waiting its turn",
    "issued": "Issued",
    "already": "Already has one (a revoked one is not issued again)",
    "waiting_name": "Waiting for the learner to confirm their name",
    "not_eligible": "Hasn't met the course's requirements yet",
}


class CertificateBatch(Model):
    """A bulk issue for a cohort, or for the people who attended one of its sessions."""

    __tablename__ = "certificate_batches"

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"), index=True)
    session_id: Mapped[int | None] = mapped_column(
        ForeignKey("live_sessions.id", ondelete="CASCADE")
    )
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime)

    cohort: Mapped[Cohort] = relationship(lazy="joined")
    created_by: Mapped[User | None] = relationship()


class CertificateBatchItem(Model):
    """One person of a bulk issue, and what became of them."""

    __tablename__ = "certificate_batch_items"
    __table_args__ = (UniqueConstraint("batch_id", "enrolment_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("certificate_batches.id", ondelete="CASCADE"))
    enrolment_id: Mapped[int] = mapped_column(
        ForeignKey("enrolments.id", ondelete="CASCADE"), index=True
    )
    state: Mapped[str] = mapped_column(String(20), default="pending")
    certificate_id: Mapped[int | None] = mapped_column(
        ForeignKey("certificates.id", ondelete="SET NULL")
    )
    processed_at: Mapped[datetime | None] = mapped_column(DateTime)

    enrolment: Mapped[Enrolment] = relationship(lazy="joined")

    @property
    def state_label(self) -> str:
        return BATCH_ITEM_STATES.get(self.state, self.state)
