"""Cohorts (a run of one course), their facilitators, enrolments and bulk enrolment uploads."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, DateTime, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.accounts.models import User
from lms.catalogue.models import Course, Step
from lms.db import utcnow
from lms.extensions import Model

ENROLMENT_MODES = {
    "open": "Open: people can enrol themselves",
    "invitation": "By invitation",
    "manager": "Booked by a manager",
}
ENROLMENT_STATUSES = {
    "invited": "Invited",
    "active": "Taking part",
    "completed": "Completed",
    "withdrawn": "Withdrawn",
    "deferred": "Deferred",
}
ENROLMENT_SOURCES = ("self", "manager", "admin", "csv", "application")
#: Statuses that hold one of a cohort's places (withdrawn and deferred people free theirs).
PLACE_STATUSES = ("active", "invited", "completed")


class Cohort(Model):
    __tablename__ = "cohorts"

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(
        ForeignKey("courses.id", ondelete="RESTRICT"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    starts_on: Mapped[date | None] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    timezone: Mapped[str] = mapped_column(String(60), default="Europe/London")
    capacity: Mapped[int | None] = mapped_column()
    enrolment_mode: Mapped[str] = mapped_column(String(20), default="invitation")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    course: Mapped[Course] = relationship(lazy="joined")
    facilitators: Mapped[list[User]] = relationship(
        secondary="cohort_facilitators", order_by="User.display_name"
    )


class CohortFacilitator(Model):
    __tablename__ = "cohort_facilitators"
    __table_args__ = (UniqueConstraint("cohort_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)


class Enrolment(Model):
    __tablename__ = "enrolments"
    __table_args__ = (
        UniqueConstraint("user_id", "cohort_id"),
        # Places on a cohort by status, counted from the index alone (lists of cohorts,
        # the places left when booking, the reports).
        Index("ix_enrolments_cohort_id_status", "cohort_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(20), default="active")
    source: Mapped[str] = mapped_column(String(20), default="self")
    enrolled_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(DateTime)
    # Where the learner picks up: the step they last opened or chose to come back to.
    resume_step_id: Mapped[int | None] = mapped_column(ForeignKey("steps.id", ondelete="SET NULL"))
    last_activity_at: Mapped[datetime | None] = mapped_column(DateTime)
    # When the status last changed by someone's decision (withdrawn, deferred, re-enrolled),
    # with the reason they gave, and for a deferral the cohort the person moved to.
    status_changed_at: Mapped[datetime | None] = mapped_column(DateTime)
    status_reason: Mapped[str | None] = mapped_column(String(300))
    # A plain column, not a foreign key: SQLite can only add a foreign key by rebuilding the
    # enrolments table, and the cohort is shown for information only.
    deferred_to_id: Mapped[int | None] = mapped_column()

    user: Mapped[User] = relationship()
    cohort: Mapped[Cohort] = relationship(lazy="joined")
    resume_step: Mapped[Step | None] = relationship()
    deferred_to: Mapped[Cohort | None] = relationship(
        primaryjoin="foreign(Enrolment.deferred_to_id) == Cohort.id", viewonly=True
    )

    @property
    def status_label(self) -> str:
        return ENROLMENT_STATUSES.get(self.status, self.status)


class BulkEnrolmentUpload(Model):
    """A CSV file of people to enrol, parsed and checked, kept between preview and confirm.

    ``rows`` holds each row as read with what applying it will do (``action``: new,
    existing, enrolled or error, with a ``reason``). ``applied_at`` is set in the same
    transaction that applies it, so a second confirm finds it set and does nothing.

    The rows name people, so they are kept only as long as they are needed (see
    ``services/retention.py``): an applied upload keeps its counts in ``result`` and loses
    its rows (``rows_deleted_at``); an unapplied one is deleted outright.
    """

    __tablename__ = "bulk_enrolment_uploads"

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    filename: Mapped[str] = mapped_column(String(200), default="")
    rows: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    notes: Mapped[list[str]] = mapped_column(JSON, default=list)
    applied_at: Mapped[datetime | None] = mapped_column(DateTime)
    applied_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    rows_deleted_at: Mapped[datetime | None] = mapped_column(DateTime)

    cohort: Mapped[Cohort] = relationship()
    actor: Mapped[User | None] = relationship(foreign_keys=[actor_id])

    def count(self, action: str) -> int:
        return sum(1 for row in self.rows if row.get("action") == action)


class CohortPlugin(Model):
    """A loaded plugin switched on for one cohort, with that cohort's settings."""

    __tablename__ = "cohort_plugins"
    __table_args__ = (UniqueConstraint("cohort_id", "plugin"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"))
    plugin: Mapped[str] = mapped_column(String(60))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    settings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class PluginSetting(Model):
    """A plugin's global setting (declared defaults live on the Plugin class)."""

    __tablename__ = "plugin_settings"
    __table_args__ = (UniqueConstraint("plugin", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plugin: Mapped[str] = mapped_column(String(60))
    key: Mapped[str] = mapped_column(String(60))
    value: Mapped[Any] = mapped_column(JSON)
