"""The public API of live sessions, for core views, commands and plugins alike.

Every write service starts a write transaction, validates (bad input raises
``lms.errors.InvalidInput`` or ``Conflict`` and writes nothing), locks the session's row
before counting places, audits what hosts and admins do, commits, and only then fires its
plugin event. ``actor`` is ``None`` when a change comes from the command line. Split by
entity; import everything from here. Documented in docs/live-sessions.md.
"""

from lms.live.queries import (
    AttendanceSummary,
    attendance_summary,
    bookings_of,
    waitlist,
    waitlist_position,
)
from lms.live.services.attendance import RegisterEntry, add_to_register, record_attendance
from lms.live.services.bookings import book, cancel_booking
from lms.live.services.common import KEEP
from lms.live.services.feeds import create_feed, feed_for_token, feed_of, revoke_feed
from lms.live.services.sessions import (
    cancel_session,
    reschedule,
    schedule_session,
    update_session,
)

__all__ = [
    "KEEP",
    "AttendanceSummary",
    "RegisterEntry",
    "add_to_register",
    "attendance_summary",
    "book",
    "bookings_of",
    "cancel_booking",
    "cancel_session",
    "create_feed",
    "feed_for_token",
    "feed_of",
    "record_attendance",
    "reschedule",
    "revoke_feed",
    "schedule_session",
    "update_session",
    "waitlist",
    "waitlist_position",
]
