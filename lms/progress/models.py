"""What each learner has done: step progress, quiz attempts, reflections, completions."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.accounts.models import User
from lms.catalogue.models import Step
from lms.db import utcnow
from lms.extensions import Model


class StepProgress(Model):
    """One row per learner and step; each column records a thing the learner did."""

    __tablename__ = "step_progress"
    __table_args__ = (UniqueConstraint("user_id", "step_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    step_id: Mapped[int] = mapped_column(ForeignKey("steps.id", ondelete="CASCADE"), index=True)
    viewed_at: Mapped[datetime | None] = mapped_column(DateTime)
    marked_done_at: Mapped[datetime | None] = mapped_column(DateTime)
    completed_at: Mapped[datetime | None] = mapped_column(DateTime)


class QuizAttempt(Model):
    __tablename__ = "quiz_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    step_id: Mapped[int] = mapped_column(ForeignKey("steps.id", ondelete="CASCADE"))
    answers: Mapped[list[int]] = mapped_column(JSON, default=list)
    score: Mapped[int] = mapped_column(default=0)
    passed: Mapped[bool] = mapped_column(Boolean, default=False)
    submitted_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class Reflection(Model):
    """A learner's reflection: private unless they share it with a cohort's facilitators."""

    __tablename__ = "reflections"
    __table_args__ = (
        UniqueConstraint("user_id", "step_id"),
        # Shared reflections only: most are private, and an index mostly of NULLs tells the
        # query planner (once it has statistics) that a cohort's shared ones are everyone's.
        Index(
            "ix_reflections_shared_with_cohort_id",
            "shared_with_cohort_id",
            sqlite_where=text("shared_with_cohort_id IS NOT NULL"),
            postgresql_where=text("shared_with_cohort_id IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    step_id: Mapped[int] = mapped_column(ForeignKey("steps.id", ondelete="CASCADE"), index=True)
    body: Mapped[str] = mapped_column(Text)
    shared_with_cohort_id: Mapped[int | None] = mapped_column(
        ForeignKey("cohorts.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    step: Mapped[Step] = relationship(lazy="joined")
    user: Mapped[User] = relationship(lazy="joined")


class NoteAcknowledgement(Model):
    """The learner read a content note and chose to continue."""

    __tablename__ = "note_acknowledgements"
    __table_args__ = (UniqueConstraint("user_id", "subject"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    subject: Mapped[str] = mapped_column(String(40))  # "module:<id>" or "step:<id>"
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class ModuleCompletion(Model):
    __tablename__ = "module_completions"
    __table_args__ = (UniqueConstraint("user_id", "module_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    module_id: Mapped[int] = mapped_column(ForeignKey("modules.id", ondelete="CASCADE"), index=True)
    completed_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class CourseCompletion(Model):
    __tablename__ = "course_completions"
    __table_args__ = (UniqueConstraint("user_id", "course_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    completed_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    content_version: Mapped[int] = mapped_column(default=0)
    rule: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    source: Mapped[str] = mapped_column(String(20), default="engine")
    note: Mapped[str | None] = mapped_column(Text)
