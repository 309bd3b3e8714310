"""Organisations, people, memberships and one-time sign-in codes."""

from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Boolean, DateTime, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.db import utcnow
from lms.extensions import Model

ORGANISATION_TYPES = {
    "nhs_trust": "NHS trust",
    "prison": "Prison establishment",
    "womens_centre": "Women's centre",
    "voluntary": "Voluntary sector",
    "university": "University",
    "youth_agency": "Youth agency",
    "other": "Other",
}

REGIONS = (
    "London",
    "South East",
    "South West",
    "East of England",
    "East Midlands",
    "West Midlands",
    "North West",
    "North East",
    "Yorkshire and the Humber",
    "Wales",
    "Scotland",
    "Northern Ireland",
    "Overseas Territories",
)

MEMBERSHIP_ROLES = {"member": "Member", "manager": "Manager"}


class Organisation(Model):
    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    type: Mapped[str] = mapped_column(String(30))
    region: Mapped[str] = mapped_column(String(60))
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisations.id", ondelete="RESTRICT"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    # How many memberships it has (not its units'), kept by the database itself (triggers
    # on memberships: migration core_0008), so a report's headcount reads a row, not an
    # index of thousands.
    member_count: Mapped[int] = mapped_column(default=0, server_default="0")

    parent: Mapped[Organisation | None] = relationship(remote_side=[id], lazy="joined")

    @property
    def type_label(self) -> str:
        return ORGANISATION_TYPES.get(self.type, self.type)

    @property
    def full_name(self) -> str:
        return f"{self.parent.name}: {self.name}" if self.parent else self.name


class User(UserMixin, Model):
    __tablename__ = "users"
    # Lists of people are sorted by name: reports walk this index instead of sorting.
    __table_args__ = (Index("ix_users_display_name", "display_name", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    display_name: Mapped[str] = mapped_column(String(120))
    legal_name: Mapped[str | None] = mapped_column(String(200))
    pronouns: Mapped[str | None] = mapped_column(String(40))
    email: Mapped[str | None] = mapped_column(String(254), unique=True)
    username: Mapped[str | None] = mapped_column(String(60), unique=True)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    # Bumped on sign-out everywhere, password change or deactivation: old sessions end.
    session_version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    last_sign_in_at: Mapped[datetime | None] = mapped_column(DateTime)
    # Bumped by the database itself (triggers: migration core_0007) whenever something the
    # reports show of this person changes: their name, their memberships, their places on
    # cohorts, their completed courses, or the name of one of those organisations or
    # courses. Rows of the people report drawn once are kept per version
    # (lms.reports.people_rows).
    record_version: Mapped[int] = mapped_column(default=0, server_default="0")

    memberships: Mapped[list[Membership]] = relationship(
        back_populates="user", cascade="all, delete-orphan"
    )

    @property
    def is_active(self) -> bool:  # Flask-Login
        return self.active

    def get_id(self) -> str:  # Flask-Login: a new session version logs old cookies out
        return f"{self.id}:{self.session_version}"

    @property
    def sign_in_name(self) -> str:
        return self.email or self.username or ""

    def organisation_ids(self, role: str | None = None) -> set[int]:
        return {m.organisation_id for m in self.memberships if role in (None, m.role)}

    def __repr__(self) -> str:
        return f"<User {self.id} {self.sign_in_name}>"


class Membership(Model):
    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("user_id", "organisation_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[str] = mapped_column(String(20), default="member")
    service_number: Mapped[str | None] = mapped_column(String(40))

    user: Mapped[User] = relationship(back_populates="memberships")
    organisation: Mapped[Organisation] = relationship(lazy="joined")


class OneTimeCode(Model):
    """A printable code that lets someone without email sign in once and choose a password."""

    __tablename__ = "one_time_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime)
    used_at: Mapped[datetime | None] = mapped_column(DateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    user: Mapped[User] = relationship(foreign_keys=[user_id])
