"""Live sessions, the places booked on them, who attended, and private calendar feeds.

Times are stored as naive UTC; ``LiveSession.timezone`` names the IANA zone the session is
run in, used to show and export it.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import (
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.accounts.models import User
from lms.cohorts.models import Cohort
from lms.db import utcnow
from lms.extensions import Model

SESSION_STATUSES = ("scheduled", "cancelled")
BOOKING_STATUSES = {
    "booked": "Booked",
    "waitlisted": "On the waiting list",
    "cancelled": "Cancelled",
}
ATTENDANCE_STATUSES = {
    "present": "Present",
    "partial": "Part of the session",
    "absent": "Absent",
    "excused": "Excused",
}
#: Statuses that count as having attended.
ATTENDED = ("present", "partial")


def new_uid() -> str:
    """A calendar UID that stays with the session for ever (RFC 5545 ``UID``)."""
    return f"live-{uuid.uuid4()}@lms"


class LiveSession(Model):
    """A session people join together, online or in a room, run by a cohort or an owner."""

    __tablename__ = "live_sessions"
    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        CheckConstraint("capacity IS NULL OR capacity >= 0", name="capacity_not_negative"),
        CheckConstraint("status IN ('scheduled', 'cancelled')", name="status_known"),
        Index("ix_live_sessions_owner", "owner", "owner_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    uid: Mapped[str] = mapped_column(String(120), unique=True, default=new_uid)
    cohort_id: Mapped[int | None] = mapped_column(
        ForeignKey("cohorts.id", ondelete="CASCADE"), index=True
    )
    # A plugin's own owner, e.g. owner="networks", owner_id=7 for a regional network.
    owner: Mapped[str | None] = mapped_column(String(60))
    owner_id: Mapped[int | None] = mapped_column()
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    starts_at: Mapped[datetime] = mapped_column(DateTime, index=True)
    ends_at: Mapped[datetime] = mapped_column(DateTime)
    timezone: Mapped[str] = mapped_column(String(60))
    online_url: Mapped[str | None] = mapped_column(String(1000))
    venue: Mapped[str | None] = mapped_column(String(300))
    access_notes: Mapped[str] = mapped_column(Text, default="")
    capacity: Mapped[int | None] = mapped_column()
    booking_deadline: Mapped[datetime | None] = mapped_column(DateTime)
    status: Mapped[str] = mapped_column(String(20), default="scheduled")
    cancel_reason: Mapped[str | None] = mapped_column(String(300))
    cancelled_at: Mapped[datetime | None] = mapped_column(DateTime)
    # RFC 5545 SEQUENCE: raised on every change calendar apps should pick up.
    sequence: Mapped[int] = mapped_column(default=0)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)

    cohort: Mapped[Cohort | None] = relationship(lazy="joined")

    @property
    def is_cancelled(self) -> bool:
        return self.status == "cancelled"

    @property
    def minutes(self) -> int:
        """The session's length in whole minutes."""
        return int((self.ends_at - self.starts_at).total_seconds() // 60)

    def has_ended(self, now: datetime | None = None) -> bool:
        return self.ends_at <= (now or utcnow())

    def booking_closed(self, now: datetime | None = None) -> bool:
        """True once the deadline (or, without one, the start) has passed."""
        now = now or utcnow()
        return now >= (self.booking_deadline or self.starts_at)

    def __repr__(self) -> str:
        return f"<LiveSession {self.id} {self.title!r}>"


class Booking(Model):
    """A place on a session, or a place in its queue. One row per person and session: booking
    again after cancelling reuses the row, joining the back of the queue."""

    __tablename__ = "live_bookings"
    __table_args__ = (
        UniqueConstraint("session_id", "user_id"),
        CheckConstraint("status IN ('booked', 'waitlisted', 'cancelled')", name="status_known"),
        CheckConstraint("user_id IS NOT NULL OR name IS NOT NULL", name="someone"),
        Index("ix_live_bookings_queue", "session_id", "status", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("live_sessions.id", ondelete="CASCADE"))
    # NULL for people booked by name only (no account), e.g. added to a prison register.
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str | None] = mapped_column(String(120))
    status: Mapped[str] = mapped_column(String(20))
    # The waiting list is first come, first served by (created_at, id).
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    promoted_at: Mapped[datetime | None] = mapped_column(DateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(DateTime)
    booked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    session: Mapped[LiveSession] = relationship(lazy="joined")
    user: Mapped[User | None] = relationship(foreign_keys=[user_id], lazy="joined")

    @property
    def person_name(self) -> str:
        if self.user is not None:
            return self.user.display_name
        return self.name or ""

    @property
    def status_label(self) -> str:
        return BOOKING_STATUSES.get(self.status, self.status)

    def __repr__(self) -> str:
        return f"<Booking {self.id} {self.status} session={self.session_id}>"


class Attendance(Model):
    """What the register says about one booked person at one session."""

    __tablename__ = "live_attendance"
    __table_args__ = (
        UniqueConstraint("session_id", "booking_id"),
        CheckConstraint(
            "status IN ('present', 'partial', 'absent', 'excused')", name="status_known"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(
        ForeignKey("live_sessions.id", ondelete="CASCADE"), index=True
    )
    booking_id: Mapped[int] = mapped_column(
        ForeignKey("live_bookings.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[str] = mapped_column(String(20))
    # Only for "partial": how many minutes of the session the person was there for.
    minutes: Mapped[int | None] = mapped_column()
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    recorded_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    booking: Mapped[Booking] = relationship(lazy="joined")

    @property
    def status_label(self) -> str:
        return ATTENDANCE_STATUSES.get(self.status, self.status)


class CalendarFeed(Model):
    """A person's private calendar address. Only a hash of its token is kept."""

    __tablename__ = "live_calendar_feeds"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime)

    user: Mapped[User] = relationship(lazy="joined")

    @property
    def active(self) -> bool:
        return self.revoked_at is None
