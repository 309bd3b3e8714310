"""Live sessions: who may see, schedule, book, take registers and fetch calendars.

The world's cohort is facilitated by ``world.facilitator`` and ``world.learner`` takes part
in it; ``other_learner``, ``manager`` and ``other_facilitator`` have nothing to do with it.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

ROLES = ("anonymous", "learner", "other_learner", "facilitator", "manager", "admin")
SIGN_IN = "sign-in"
OK, SEE_OTHER, FORBIDDEN, NOT_FOUND = 200, 303, 403, 404


def only(allowed: dict[str, Any], default: Any = FORBIDDEN) -> dict[str, Any]:
    return {"anonymous": SIGN_IN, **{role: allowed.get(role, default) for role in ROLES[1:]}}


def everyone_signed_in(status: int = OK) -> dict[str, Any]:
    return {"anonymous": SIGN_IN, **{role: status for role in ROLES[1:]}}


HOSTS = {"facilitator": OK, "admin": OK}
TAKING_PART = {"learner": OK, "facilitator": OK, "admin": OK}


def session(world: Any) -> int:
    """A session of the world's cohort a week from now, with places."""
    from lms.live import services as live

    start = datetime.now(UTC) + timedelta(days=7)
    made = live.schedule_session(
        world.facilitator,
        cohort=world.cohort,
        title="Route walk session",
        starts_at=start,
        ends_at=start + timedelta(hours=1),
        timezone="Europe/London",
        online_url="https://teams.microsoft.com/l/meetup-join/route-walk",
        capacity=10,
    )
    return made.id


def learners_booking(world: Any) -> int:
    """The world's learner booked on a new session of the cohort."""
    from lms.extensions import db
    from lms.live import services as live
    from lms.live.models import LiveSession

    booked = live.book(world.learner, db.session.get(LiveSession, session(world)))
    return booked.id


def feed_token(world: Any) -> str:
    from lms.live import services as live

    return live.create_feed(world.learner)


ROUTES: dict[str, tuple[str, dict[str, Any], dict[str, Any]]] = {
    "live.cohort_sessions": ("GET", {"cohort_id": "cohort.id"}, only(TAKING_PART)),
    "live.new_session": ("GET", {"cohort_id": "cohort.id"}, only(HOSTS)),
    "live.show": ("GET", {"session_id": session}, only(TAKING_PART)),
    "live.edit_session": ("GET", {"session_id": session}, only(HOSTS)),
    "live.reschedule": ("GET", {"session_id": session}, only(HOSTS)),
    "live.cancel_session": ("GET", {"session_id": session}, only(HOSTS)),
    "live.book": ("POST", {"session_id": session}, only({"learner": SEE_OTHER})),
    "live.cancel_booking": (
        "POST",
        {"booking_id": learners_booking},
        only({"learner": SEE_OTHER, "facilitator": SEE_OTHER, "admin": SEE_OTHER}),
    ),
    "live.register": ("GET", {"session_id": session}, only(HOSTS)),
    # An empty form: the service asks for a name, shown as a message on the register.
    "live.add_to_register": (
        "POST",
        {"session_id": session},
        only({"facilitator": SEE_OTHER, "admin": SEE_OTHER}),
    ),
    "live.session_ics": ("GET", {"session_id": session}, only(TAKING_PART)),
    "live.calendar": ("GET", {}, everyone_signed_in()),
    "live.new_feed": ("POST", {}, everyone_signed_in()),
    "live.revoke_feed": ("POST", {}, everyone_signed_in(SEE_OTHER)),
    # The private feed is opened by its token alone (calendar apps don't sign in).
    "live.feed": ("GET", {"token": feed_token}, {role: OK for role in ROLES}),
}
