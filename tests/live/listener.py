"""A tiny plugin for the live-session tests: it writes down every live-session event."""

from __future__ import annotations

from typing import Any

from lms.extensions import db
from lms.plugins import Plugin, hookimpl

#: ``(hook name, arguments, whether the change was committed when the hook ran)``.
HEARD: list[tuple[str, dict[str, Any], bool]] = []


def _committed() -> bool:
    """The change's transaction is over (committed) when an event hook runs."""
    session = db.session()
    return not session.in_transaction() and not (session.new or session.dirty)


class LiveListener(Plugin):
    """Live listener

    Listens to the live-session events so tests can see what a real plugin would receive.
    """

    @hookimpl
    def lms_session_booked(self, booking: Any) -> None:
        HEARD.append(("lms_session_booked", {"booking": booking}, _committed()))

    @hookimpl
    def lms_promoted_from_waitlist(self, booking: Any) -> None:
        HEARD.append(("lms_promoted_from_waitlist", {"booking": booking}, _committed()))

    @hookimpl
    def lms_session_rescheduled(self, session: Any) -> None:
        HEARD.append(("lms_session_rescheduled", {"session": session}, _committed()))

    @hookimpl
    def lms_session_cancelled(self, session: Any) -> None:
        HEARD.append(("lms_session_cancelled", {"session": session}, _committed()))

    @hookimpl
    def lms_attendance_recorded(self, session: Any, attendances: Any) -> None:
        HEARD.append(
            (
                "lms_attendance_recorded",
                {"session": session, "attendances": attendances},
                _committed(),
            )
        )
