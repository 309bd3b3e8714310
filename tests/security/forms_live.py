"""Live-session forms to fuzz: scheduling, editing, cancelling, booking, the register
and calendar links."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from tests.security.conftest import SecurityWorld
from tests.security.fuzzing import Form, memo


def _session(sw: SecurityWorld) -> Any:
    """A session of the world's cohort a week away, with the learner booked on it."""

    def make() -> Any:
        from lms.live import services as live

        start = datetime.now(UTC) + timedelta(days=7)
        made = live.schedule_session(
            sw.facilitator,
            cohort=sw.cohort,
            title="Fuzzed session",
            starts_at=start,
            ends_at=start + timedelta(hours=1),
            timezone="Europe/London",
            online_url="https://teams.microsoft.com/l/meetup-join/fuzz",
            capacity=10,
        )
        live.book(sw.learner, made)
        return made

    return memo(sw, "session", make)


def _booking_id(sw: SecurityWorld) -> int:
    from lms.live import services as live

    session = _session(sw)
    return memo(sw, "booking", lambda: live.bookings_of(session)[0].id)


def _details_fields(sw: SecurityWorld) -> dict[str, list[str] | None]:
    return {
        "title": ["Reflective practice"],
        "description": ["What we will do."],
        "online_url": ["https://teams.microsoft.com/l/x", "javascript:alert(1)", "ftp://x"],
        "venue": ["Room 3"],
        "access_notes": ["Bring ID."],
        "capacity": ["12", "0", "²", "٣", "9" * 30, "9" * 5000, "-1", ""],
    }


def _times_fields(sw: SecurityWorld) -> dict[str, list[str] | None]:
    later = (datetime.now(UTC) + timedelta(days=20)).date().isoformat()
    return {
        "date": [later, "2020-01-01", "2027-02-30", "31/01/2027"],
        "start_time": ["10:00", "25:00", "9", "10:00:00"],
        "end_time": ["11:30", "09:00", "24:00"],
        "timezone": ["Europe/London", "America/Cayman", "Nowhere/Else", ""],
        "deadline_date": [later, "2020-01-01", ""],
        "deadline_time": ["17:00", "", "99:99"],
    }


def _register_fields(sw: SecurityWorld) -> dict[str, list[str] | None]:
    booking = _booking_id(sw)
    return {
        f"status-{booking}": ["present", "partial", "absent", "excused", "cancelled", "gone"],
        f"minutes-{booking}": ["30", "0", "-5", "²", "٣", "9" * 30, "9" * 5000, "60.5"],
        "status-99999": ["present"],
    }


LIVE_FORMS: dict[str, Form] = {
    "session: new": Form(
        "facilitator",
        lambda sw: f"/cohorts/{sw.cohort.id}/sessions/new",
        lambda sw: {**_details_fields(sw), **_times_fields(sw)},
    ),
    "session: edit": Form(
        "facilitator", lambda sw: f"/sessions/{_session(sw).id}/edit", _details_fields
    ),
    "session: reschedule": Form(
        "facilitator", lambda sw: f"/sessions/{_session(sw).id}/reschedule", _times_fields
    ),
    "session: cancel": Form(
        "facilitator",
        lambda sw: f"/sessions/{_session(sw).id}/cancel",
        lambda sw: {"reason": ["Cancelled by the establishment: staffing"]},
    ),
    "session: book": Form("learner", lambda sw: f"/sessions/{_session(sw).id}/book", lambda sw: {}),
    "booking: cancel": Form(
        "learner", lambda sw: f"/bookings/{_booking_id(sw)}/cancel", lambda sw: {}
    ),
    "register": Form(
        "facilitator", lambda sw: f"/sessions/{_session(sw).id}/register", _register_fields
    ),
    "register: add someone": Form(
        "facilitator",
        lambda sw: f"/sessions/{_session(sw).id}/register/add",
        lambda sw: {
            "person": [str(sw.learner.id), str(sw.other_learner.id), "99999", "x", ""],
            "name": ["Officer Dana Reid", ""],
        },
    ),
    "calendar: new link": Form("learner", lambda sw: "/calendar/link", lambda sw: {}),
    "calendar: revoke link": Form("learner", lambda sw: "/calendar/revoke", lambda sw: {}),
}
