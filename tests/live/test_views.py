"""The pages: booking from a session page, the link only for people booked, the host's forms
and register, and the panels other pages include."""

from __future__ import annotations

import html
import re
from datetime import timedelta

from flask import render_template_string
from flask_login import login_user
from sqlalchemy import func, select

from lms.extensions import db
from lms.live import services as live
from lms.live.models import Attendance, Booking, LiveSession
from tests.live.conftest import soon

LINK = "https://teams.microsoft.com/l/meetup-join/abc"


def _no_inline_code(html: str) -> None:
    assert "<script" not in html
    assert not re.search(r"\sstyle=", html)
    assert not re.search(r"\son[a-z]+=", html)


def test_a_learner_books_and_only_then_sees_the_link(
    client, sign_in, world, create_session, learners
):
    session = create_session(world.cohort, capacity=1)
    sign_in(world.learner)
    page = client.get(f"/sessions/{session.id}").text
    assert LINK not in page
    assert "The joining link appears here once you're booked" in page
    assert "(London time, G" in page or "(London time, B" in page
    _no_inline_code(page)

    response = client.post(f"/sessions/{session.id}/book")
    assert response.status_code == 303
    page = client.get(f"/sessions/{session.id}").text
    assert "You're booked on" in page and LINK in page
    assert "Cancel my booking" in page

    (other,) = learners(world.cohort, 1)
    sign_in(other)
    client.post(f"/sessions/{session.id}/book")
    page = client.get(f"/sessions/{session.id}").text
    assert "You're on the waiting list: number 1" in page
    assert LINK not in page
    ics = client.get(f"/sessions/{session.id}.ics").text
    assert "meetup-join" not in ics and "BEGIN:VTIMEZONE" in ics


def test_people_outside_the_cohort_are_kept_out(client, sign_in, world, create_session):
    session = create_session(world.cohort)
    sign_in(world.other_learner)
    assert client.get(f"/sessions/{session.id}").status_code == 403
    assert client.post(f"/sessions/{session.id}/book").status_code == 403
    assert client.get(f"/sessions/{session.id}.ics").status_code == 403
    assert db.session.scalar(select(func.count(Booking.id))) == 0


def test_a_host_sees_the_link_without_booking(client, sign_in, world, create_session):
    session = create_session(world.cohort)
    sign_in(world.facilitator)
    page = client.get(f"/sessions/{session.id}").text
    assert LINK in page and "Take the register" in page


def test_a_host_schedules_a_session_from_the_form(client, sign_in, world):
    sign_in(world.facilitator)
    form = client.get(f"/cohorts/{world.cohort.id}/sessions/new").text
    assert 'value="Europe/London"' in form and 'list="zone-suggestions"' in form
    _no_inline_code(form)
    day = soon(days=5).date().isoformat()
    response = client.post(
        f"/cohorts/{world.cohort.id}/sessions/new",
        data={
            "title": "Understanding trauma responses",
            "date": day,
            "start_time": "10:00",
            "end_time": "11:30",
            "timezone": "Europe/London",
            "online_url": LINK,
            "capacity": "12",
        },
    )
    assert response.status_code == 303, response.text
    session = db.session.scalar(select(LiveSession))
    assert session.title == "Understanding trauma responses" and session.capacity == 12
    assert session.minutes == 90


def test_a_bad_form_shows_its_problems_and_writes_nothing(client, sign_in, world):
    sign_in(world.facilitator)
    day = soon(days=5).date().isoformat()
    response = client.post(
        f"/cohorts/{world.cohort.id}/sessions/new",
        data={
            "title": "Late start",
            "date": day,
            "start_time": "11:00",
            "end_time": "10:00",
            "timezone": "Europe/Londn",
            "online_url": "javascript:alert(1)",
            "capacity": "lots",
        },
    )
    assert response.status_code == 200
    assert "A whole number, or empty for no limit." in response.text
    response = client.post(
        f"/cohorts/{world.cohort.id}/sessions/new",
        data={
            "title": "Late start",
            "date": day,
            "start_time": "11:00",
            "end_time": "10:00",
            "timezone": "Europe/Londn",
            "online_url": "javascript:alert(1)",
        },
    )
    page = html.unescape(response.text)
    assert "Please check the form" in page
    assert "isn't a time zone we know" in page
    assert "end after it starts" in page
    assert "starting with https://" in page
    assert db.session.scalar(select(func.count(LiveSession.id))) == 0


def test_cancel_with_a_reason_shown_to_people_booked(client, sign_in, world, create_session):
    session = create_session(world.cohort)
    live.book(world.learner, session)
    sign_in(world.facilitator)
    response = client.post(
        f"/sessions/{session.id}/cancel",
        data={"reason": "Cancelled by the establishment: staffing"},
    )
    assert response.status_code == 303
    sign_in(world.learner)
    page = client.get(f"/sessions/{session.id}").text
    assert "This session isn't going ahead." in html.unescape(page)
    assert "Cancelled by the establishment: staffing." in page
    assert "You had a place on this session." in page
    assert "doesn't count against anyone's attendance" in page
    assert LINK not in page


def test_reschedule_form_keeps_bookings(client, sign_in, world, create_session):
    session = create_session(world.cohort)
    live.book(world.learner, session)
    sign_in(world.facilitator)
    form = client.get(f"/sessions/{session.id}/reschedule").text
    assert 'name="start_time"' in form and 'value="10:00"' in form
    day = soon(days=9).date().isoformat()
    response = client.post(
        f"/sessions/{session.id}/reschedule",
        data={"date": day, "start_time": "14:00", "end_time": "15:00", "timezone": "Europe/London"},
    )
    assert response.status_code == 303
    db.session.refresh(session)
    assert session.sequence == 1 and session.minutes == 60
    assert db.session.scalar(select(Booking.status)) == "booked"


def test_the_register_on_a_phone(client, sign_in, world, create_session, learners):
    start = soon(days=-1)
    session = create_session(world.cohort, starts_at=start, ends_at=start + timedelta(hours=1))
    (other,) = learners(world.cohort, 1)
    live.add_to_register(None, session, user=world.learner)
    sign_in(world.facilitator)
    client.post(f"/sessions/{session.id}/register/add", data={"name": "Officer Grant"})
    client.post(f"/sessions/{session.id}/register/add", data={"person": str(other.id)})
    page = client.get(f"/sessions/{session.id}/register").text
    _no_inline_code(page)
    bookings = {b.person_name: b for b in db.session.scalars(select(Booking))}
    assert set(bookings) == {world.learner.display_name, "Officer Grant", other.display_name}
    for booking in bookings.values():
        assert f'name="status-{booking.id}"' in page
        assert f'<label for="minutes-{booking.id}">' in page

    grant, lena = bookings["Officer Grant"], bookings[world.learner.display_name]
    bad = client.post(
        f"/sessions/{session.id}/register",
        data={f"status-{grant.id}": "present", f"status-{lena.id}": "partial"},
    )
    assert bad.status_code == 400
    assert "give the minutes" in bad.text
    assert 'value="present" checked' in bad.text  # what was chosen is kept
    assert db.session.scalar(select(func.count(Attendance.id))) == 0

    good = client.post(
        f"/sessions/{session.id}/register",
        data={
            f"status-{grant.id}": "present",
            f"status-{lena.id}": "partial",
            f"minutes-{lena.id}": "45",
        },
    )
    assert good.status_code == 303
    marks = {a.booking_id: (a.status, a.minutes) for a in db.session.scalars(select(Attendance))}
    assert marks == {grant.id: ("present", None), lena.id: ("partial", 45)}

    sign_in(world.learner)
    page = client.get(f"/sessions/{session.id}").text
    assert "The register shows you were there for 45 minutes" in page


def test_the_cohort_list_and_the_calendar_page(client, sign_in, world, create_session):
    create_session(world.cohort, title="Coming soon", capacity=3)
    sign_in(world.learner)
    page = client.get(f"/cohorts/{world.cohort.id}/sessions").text
    assert "Coming soon" in page and "3 of 3 places left" in page and "Book a place" in page
    _no_inline_code(page)

    page = client.get("/calendar").text
    assert "You don't have a calendar address yet" in page
    made = client.post("/calendar/link")
    assert made.headers["Cache-Control"] == "no-store"
    assert re.search(r'value="http://lms\.test/calendar/[\w-]+\.ics"', made.text)
    assert "We show it only this once" in made.text
    page = client.get("/calendar").text
    assert "/calendar/" not in page.split("<main", 1)[1].split("Make a new")[0].replace(
        'action="/calendar/', ""
    )


def test_the_panels_other_pages_include(app, world, create_session):
    booked = create_session(world.cohort, title="Booked session", venue="Room 4, Leeds")
    create_session(world.cohort, title="Open session", capacity=12)
    live.book(world.learner, booked)
    with app.test_request_context():
        login_user(world.learner)
        mine = render_template_string('{% include "live/_my_sessions.html" ignore missing %}')
        cohort_panel = render_template_string(
            '{% include "live/_cohort_sessions.html" ignore missing %}', cohort=world.cohort
        )
    assert "Your live sessions" in mine and "Booked session" in mine
    assert "you're booked" in mine and "Sessions you can book in World cohort" in mine
    assert "Booked session" in cohort_panel and "Open session" in cohort_panel
    # the shared macros (imported without the page's context) say where and how many
    assert "Online, or in person at Room 4, Leeds" in mine
    assert "Online, or in person at Room 4, Leeds" in cohort_panel
    assert "12 of 12 places left" in cohort_panel
    assert "Schedule a session" not in cohort_panel  # the learner isn't a host
    _no_inline_code(mine + cohort_panel)


def test_the_session_lists_take_the_same_queries_however_long(
    client, sign_in, world, create_session, queries
):
    def count(url: str) -> int:
        db.session.expire_all()  # every count starts from the same (empty) identity map
        with queries() as statements:
            assert client.get(url).status_code == 200
        return len(statements)

    for n in range(2):
        live.book(world.learner, create_session(world.cohort, title=f"Early {n}"))
    sign_in(world.learner)
    list_url = f"/cohorts/{world.cohort.id}/sessions"
    few = count(list_url)
    for n in range(5):
        session = create_session(world.cohort, title=f"Later {n}", capacity=1)
        live.book(world.learner, session)
    create_session(world.cohort, title="Cancelled")
    assert count(list_url) == few

    sign_in(world.facilitator)
    host_few = count(list_url)
    create_session(world.cohort, title="One more")
    assert count(list_url) == host_few


def test_only_people_on_the_cohort_can_be_picked_for_the_register(
    client, sign_in, world, create_session
):
    session = create_session(world.cohort)
    sign_in(world.facilitator)
    url = f"/sessions/{session.id}/register/add"
    assert client.post(url, data={"person": str(world.other_learner.id)}).status_code == 404
    assert client.post(url, data={"person": "x"}).status_code == 404
    assert client.post(url, data={"person": str(world.learner.id)}).status_code == 303
    assert [b.user_id for b in db.session.scalars(select(Booking))] == [world.learner.id]


def test_odd_numbers_get_a_message_not_an_error(client, sign_in, world, create_session):
    """Digits that aren't 0 to 9 ("²".isdigit() is true), too many digits for ``int``, a
    capacity left out of an edit: each a message, or the number kept, and nothing broken."""
    session = create_session(world.cohort, capacity=4)
    sign_in(world.facilitator)
    for typed, message in [
        ("²", "A whole number, or empty for no limit."),
        ("٣", "A whole number, or empty for no limit."),
        ("9" * 5000, "up to 100,000"),
    ]:
        response = client.post(
            f"/sessions/{session.id}/edit", data={"title": "Renamed", "capacity": typed}
        )
        assert response.status_code == 200 and message in html.unescape(response.text), typed
    kept = client.post(f"/sessions/{session.id}/edit", data={"title": "Renamed"})
    assert kept.status_code == 303
    db.session.expire_all()
    assert (session.title, session.capacity) == ("Renamed", 4)

    learner = world.learner
    booking = live.book(learner, session)
    for typed in ("²", "9" * 5000):
        response = client.post(
            f"/sessions/{session.id}/register",
            data={f"status-{booking.id}": "partial", f"minutes-{booking.id}": typed},
        )
        assert response.status_code in (200, 400), typed
        assert "give the minutes the person was there" in html.unescape(response.text)
    assert db.session.scalar(select(func.count()).select_from(Attendance)) == 0


def test_sessions_to_book_leave_out_the_ones_already_booked(world, create_session, learners):
    from lms.live.dashboard import bookable_cohorts

    first = create_session(world.cohort, capacity=1)
    second = create_session(world.cohort, capacity=1)
    (other,) = learners(world.cohort, 1)
    assert [(b.cohort.id, b.sessions) for b in bookable_cohorts(world.learner)] == [
        (world.cohort.id, 2)
    ]
    live.book(world.learner, first)
    assert [b.sessions for b in bookable_cohorts(world.learner)] == [1]
    live.book(other, second)
    live.book(world.learner, second)  # full: the waiting list counts as asked for, too
    assert bookable_cohorts(world.learner) == []
