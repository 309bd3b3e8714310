"""Courses, modules and steps, as imported from the files in courses/."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, DateTime, Float, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.db import utcnow
from lms.extensions import Model

PRACTICE_LEVELS = {
    "informed": "Trauma-informed",
    "skilled": "Trauma-skilled",
    "enhanced": "Trauma-enhanced",
    "specialist": "Trauma-specialist",
}
DELIVERY_MODES = {
    "self-paced": "Self-paced online",
    "live-online": "Live online",
    "in-person": "In person",
    "blended": "Blended: online and live sessions",
}
INTENSITIES = {"low": "Low", "medium": "Medium", "high": "High"}


class Course(Model):
    __tablename__ = "courses"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text, default="")
    audience: Mapped[str] = mapped_column(String(300), default="")
    outcomes: Mapped[list[str]] = mapped_column(JSON, default=list)
    cpd_hours: Mapped[float] = mapped_column(Float, default=0)
    participatory: Mapped[bool] = mapped_column(Boolean, default=False)
    practice_level: Mapped[str] = mapped_column(String(20), default="informed")
    delivery_mode: Mapped[str] = mapped_column(String(20), default="self-paced")
    certificate_template: Mapped[str] = mapped_column(String(40), default="completion")
    enrolment: Mapped[str] = mapped_column(String(10), default="open")
    completion_rule: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    content_version: Mapped[int] = mapped_column(default=0)
    content_hash: Mapped[str] = mapped_column(String(64), default="")
    retired: Mapped[bool] = mapped_column(Boolean, default=False)

    modules: Mapped[list[Module]] = relationship(
        back_populates="course",
        order_by="Module.position",
        primaryjoin="and_(Module.course_id == Course.id, Module.retired_at.is_(None))",
        viewonly=True,
    )

    @property
    def practice_level_label(self) -> str:
        return PRACTICE_LEVELS.get(self.practice_level, self.practice_level)

    @property
    def delivery_mode_label(self) -> str:
        return DELIVERY_MODES.get(self.delivery_mode, self.delivery_mode)


class Module(Model):
    __tablename__ = "modules"
    __table_args__ = (UniqueConstraint("course_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(80))
    position: Mapped[int] = mapped_column(default=0)
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text, default="")
    intro_html: Mapped[str] = mapped_column(Text, default="")
    content_note: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    completion_rule: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    retired_at: Mapped[datetime | None] = mapped_column(DateTime)

    course: Mapped[Course] = relationship(lazy="joined", viewonly=True)
    steps: Mapped[list[Step]] = relationship(
        order_by="Step.position",
        primaryjoin="and_(Step.module_id == Module.id, Step.retired_at.is_(None))",
        viewonly=True,
    )

    @property
    def estimated_minutes(self) -> int:
        return sum(step.minutes for step in self.steps)


class Step(Model):
    __tablename__ = "steps"
    __table_args__ = (UniqueConstraint("course_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"))
    module_id: Mapped[int] = mapped_column(ForeignKey("modules.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(80))
    position: Mapped[int] = mapped_column(default=0)
    type: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(200))
    minutes: Mapped[int] = mapped_column(default=0)
    body_html: Mapped[str] = mapped_column(Text, default="")
    config: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    content_note: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    complete_when: Mapped[str] = mapped_column(String(40))
    retired_at: Mapped[datetime | None] = mapped_column(DateTime)

    module: Mapped[Module] = relationship(lazy="joined", viewonly=True)


class ContentVersion(Model):
    """One row per import that changed a course: what changed and when."""

    __tablename__ = "content_versions"
    __table_args__ = (UniqueConstraint("course_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column()
    content_hash: Mapped[str] = mapped_column(String(64))
    imported_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    changes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
