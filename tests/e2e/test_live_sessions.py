"""Journey 7: learners book a live session. The link shows only to people booked; someone on
the waiting list gets the place when another cancels, and adds the session to their
calendar; when the host moves it, the calendar file says so."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import icalendar
import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from lms.accounts.models import Organisation, User
from lms.catalogue.models import Course
from lms.cohorts import services as cohorts
from lms.extensions import db
from lms.live import services as live
from lms.live.models import LiveSession
from lms.testing.factories import Factories
from tests.e2e.browsing import Tab, nav_link, sign_in, sign_out

pytestmark = pytest.mark.e2e

LINK = "https://teams.microsoft.com/l/meetup-join/e2e-one-place"
PASSWORD = "a long and quiet path"
LONDON = ZoneInfo("Europe/London")


def a_session_with_one_place(tag: str) -> dict[str, Any]:
    """A cohort of the cohort course with two learners, and an online session with one place."""
    course = db.session.scalar(select(Course).where(Course.slug == "working-with-trauma-in-teams"))
    org = db.session.scalar(select(Organisation).where(Organisation.name == "Northfield NHS Trust"))
    host = db.session.scalar(select(User).where(User.email == "facilitator@example.org"))
    cohort = cohorts.create_cohort(None, course, name=f"Summer cohort ({tag})", facilitators=[host])
    people = {}
    for first in ("Bea", "Ada"):
        email = f"{first.lower()}.{tag}@example.org"
        person = Factories().user(
            f"{first} {tag}", email=email, password=PASSWORD, organisation=org
        )
        db.session.commit()
        cohorts.enrol(None, person, cohort, source="admin")
        people[first] = email
    start = (datetime.now(LONDON) + timedelta(days=9)).replace(
        hour=14, minute=0, second=0, microsecond=0
    )
    session = live.schedule_session(
        host,
        cohort=cohort,
        title=f"Working with distress ({tag})",
        starts_at=start,
        ends_at=start + timedelta(minutes=90),
        timezone="Europe/London",
        online_url=LINK,
        capacity=1,
    )
    return {"session": session.id, "cohort": cohort.name, "people": people}


def open_session(tab: Tab, title: str) -> Page:
    """From the dashboard to the session, as a learner finds it."""
    page = tab.page
    panel = page.get_by_role("region", name="Your live sessions")
    listed = panel.get_by_role("link", name=title)
    if listed.count():
        return tab.click(listed)
    page = tab.click(panel.get_by_role("link", name="Sessions you can book in").first)
    return tab.click(page.get_by_role("link", name=title))


def download_calendar(page: Page) -> icalendar.Calendar:
    with page.expect_download() as info:
        page.get_by_role("link", name="Add this session to your calendar").click()
    path = Path(info.value.path())
    assert info.value.suggested_filename.endswith(".ics")
    return icalendar.Calendar.from_ical(path.read_bytes())


@pytest.mark.parametrize("js", [True, False], ids=["js", "no-js"])
def test_learners_book_and_wait(journey, in_app, js):
    tag = "js" if js else "nojs"
    made = in_app(lambda: a_session_with_one_place(tag))
    title = f"Working with distress ({tag})"

    # Bea books the one place and sees how to join.
    bea = journey.open(js=js)
    page = sign_in(bea, made["people"]["Bea"], PASSWORD)
    page = open_session(bea, title)
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    expect(page.get_by_text("(London time,").first).to_be_visible()
    expect(page.get_by_role("link", name="Join the session")).to_have_count(0)
    page = bea.click(page.get_by_role("button", name="Book a place"))
    expect(page.get_by_text("You're booked on this session.")).to_be_visible()
    expect(page.get_by_role("link", name="Join the session")).to_have_attribute("href", LINK)

    # Ada finds it full: no link for her, and she joins the waiting list.
    ada = journey.open(js=js)
    page = sign_in(ada, made["people"]["Ada"], PASSWORD)
    page = open_session(ada, title)
    expect(page.get_by_text("This session is full.")).to_be_visible()
    expect(page.get_by_text("The joining link appears here once you're booked")).to_be_visible()
    assert LINK not in page.content()
    page = ada.click(page.get_by_role("button", name="Join the waiting list"))
    expect(page.get_by_text("You're on the waiting list: number 1.")).to_be_visible()
    assert LINK not in page.content()
    ics = download_calendar(page)
    assert LINK not in ics.to_ical().decode()  # not in her calendar either, yet

    # Bea can't come after all: she cancels, and the place goes to Ada.
    page = bea.goto(f"/sessions/{made['session']}", "bea-session")
    page = bea.click(page.get_by_role("button", name="Cancel my booking"))
    expect(page.get_by_role("link", name="Join the session")).to_have_count(0)
    sign_out(bea)

    page = ada.goto("/", "ada-dashboard")
    panel = page.get_by_role("region", name="Your live sessions")
    expect(panel.get_by_role("listitem").filter(has_text=title)).to_contain_text("you're booked")
    page = ada.click(panel.get_by_role("link", name=title))
    expect(page.get_by_text("You're booked on this session.")).to_be_visible()
    expect(page.get_by_role("link", name="Join the session")).to_have_attribute("href", LINK)

    # Her calendar gets the session: its own time zone, a stable UID, the first version.
    event = only_event(download_calendar(page))
    uid, first_start = str(event["UID"]), event["DTSTART"]
    assert first_start.params["TZID"] == "Europe/London"
    assert first_start.dt.hour == 14 and first_start.dt.tzinfo is not None
    assert int(event["SEQUENCE"]) == 0 and str(event["STATUS"]) == "CONFIRMED"
    assert LINK in event.to_ical().decode()

    # The host moves it an hour later: the same event, a newer version, the new time.
    in_app(lambda: move_an_hour_later(made["session"]))
    page = ada.goto(f"/sessions/{made['session']}", "moved-session")
    expect(page.get_by_text("15:00").first).to_be_visible()
    event = only_event(download_calendar(page))
    assert str(event["UID"]) == uid and int(event["SEQUENCE"]) == 1
    assert event["DTSTART"].dt == first_start.dt + timedelta(hours=1)
    assert event["DTSTART"].params["TZID"] == "Europe/London"
    page = ada.click(nav_link(page, "My learning"))
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Hello, Ada {tag}")


def only_event(calendar: icalendar.Calendar) -> Any:
    assert calendar.walk("VTIMEZONE"), "no VTIMEZONE in the calendar file"
    (event,) = calendar.walk("VEVENT")
    return event


def move_an_hour_later(session_id: int) -> None:
    session = db.session.get(LiveSession, session_id)
    assert session is not None
    start = session.starts_at.replace(tzinfo=UTC) + timedelta(hours=1)
    live.reschedule(None, session, starts_at=start, ends_at=start + timedelta(minutes=90))
