"""Demo live sessions for the winter cohort: past and upcoming, online and in person, one
cancelled by the establishment, a waiting list, and a register already taken."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from lms.accounts.models import User
from lms.cohorts.models import Cohort
from lms.live import services as live
from lms.live.models import LiveSession
from lms.live.services import RegisterEntry

TEAMS_LINK = (
    "https://teams.microsoft.com/l/meetup-join/19%3ameeting_demo-winter-cohort%40thread.v2/0"
)


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    """Wall-clock time on ``day``, read in the cohort's zone by the service."""
    return datetime.combine(day, time(hour, minute))


def seed_sessions(
    host: User, cohort: Cohort, people: dict[str, User], today: date | None = None
) -> list[LiveSession]:
    """Sessions for ``cohort`` run by ``host``. ``people`` are the demo accounts by sign-in
    name; the learners used are learner@, learner2@ and officer.khan."""
    today = today or date.today()
    jordan = people["learner@example.org"]
    maria = people["learner2@example.org"]
    khan = people["officer.khan"]

    def schedule(day: date, start: tuple[int, int], end: tuple[int, int], **kw: object):
        return live.schedule_session(
            host,
            cohort=cohort,
            starts_at=_at(day, *start),
            ends_at=_at(day, *end),
            timezone=cohort.timezone,
            **kw,  # type: ignore[arg-type]
        )

    welcome = schedule(
        today - timedelta(days=7),
        (10, 0),
        (11, 30),
        title="Welcome and working agreements",
        description="Meeting each other, agreeing how we look after ourselves and each other "
        "in the sessions, and what to do if something is hard to hear.",
        online_url=TEAMS_LINK,
        capacity=12,
    )
    for person in (jordan, maria, khan):
        live.add_to_register(host, welcome, user=person)
    live.add_to_register(host, welcome, name="Officer Dana Reid")
    rows = {b.person_name: b for b in live.bookings_of(welcome)}
    live.record_attendance(
        host,
        welcome,
        [
            RegisterEntry(rows[jordan.display_name].id, "present"),
            RegisterEntry(rows[maria.display_name].id, "present"),
            RegisterEntry(rows[khan.display_name].id, "partial", 50),
            RegisterEntry(rows["Officer Dana Reid"].id, "excused"),
        ],
    )

    responses = schedule(
        today + timedelta(days=3),
        (10, 0),
        (11, 30),
        title="Understanding trauma responses",
        description="Fight, flight, freeze and fawn at work: what we see, and what helps.",
        online_url=TEAMS_LINK,
        capacity=12,
        booking_deadline=_at(today + timedelta(days=2), 17, 0),
    )
    live.book(jordan, responses)
    live.book(khan, responses)

    in_person = schedule(
        today + timedelta(days=10),
        (13, 30),
        (15, 30),
        title="Reflective practice in the room",
        description="A small-group session in person. Bring a situation from your work you'd "
        "like to think about with others.",
        venue="HMP Eastwood, Learning and Skills block, room 3",
        access_notes="Bring photo ID and allow 30 minutes to get through the gate. Phones go "
        "in the lockers at the gate. Step-free access is through the visits entrance; ask the "
        "gate staff to call the Learning and Skills office.",
        capacity=2,
    )
    live.book(maria, in_person)
    live.book(khan, in_person)
    live.book(jordan, in_person)  # full: Jordan waits, first in line

    staffing = schedule(
        today + timedelta(days=5),
        (14, 0),
        (15, 0),
        title="Team conversations after a difficult shift",
        online_url=TEAMS_LINK,
        capacity=12,
    )
    live.book(khan, staffing)
    live.book(jordan, staffing)
    live.cancel_session(host, staffing, "Cancelled by the establishment: staffing")

    closing = schedule(
        today + timedelta(days=24),
        (10, 0),
        (12, 0),
        title="Bringing it back to your team",
        online_url=TEAMS_LINK,
        venue="Northfield NHS Trust, Education Centre, seminar room 2",
        access_notes="Visitor parking behind the Education Centre. The room is on the ground "
        "floor with an accessible toilet next door.",
        capacity=16,
    )
    return [welcome, responses, in_person, staffing, closing]
