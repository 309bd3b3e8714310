"""Creating and editing cohorts: who may, every bad input, and what is written."""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import select

from lms.audit.models import AuditEvent
from lms.cohorts import services as cohorts
from lms.cohorts.models import Cohort
from lms.extensions import db
from tests.cohorts.conftest import snapshot, text


def form(place, **changes):
    data = {
        "course": place.course.id,
        "name": "Autumn cohort",
        "starts_on": "2027-09-01",
        "ends_on": "01/12/2027",
        "timezone": "Europe/London",
        "facilitators": [place.facilitator.id],
        "add_facilitators": "",
        "capacity": "20",
        "enrolment_mode": "manager",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def newest_cohort() -> Cohort:
    db.session.expire_all()
    cohort = db.session.scalar(select(Cohort).order_by(Cohort.id.desc()))
    assert cohort is not None
    return cohort


def test_a_facilitator_creates_a_cohort_they_then_facilitate(as_facilitator, place, factories):
    colleague = factories.user("Cal Colleague", username="cal.c")
    response = as_facilitator.post(
        "/facilitate/cohorts/new", data=form(place, facilitators=[], add_facilitators="CAL.C")
    )
    cohort = newest_cohort()
    assert response.status_code == 303
    assert response.headers["Location"] == f"/facilitate/cohorts/{cohort.id}"
    assert (cohort.name, cohort.starts_on, cohort.ends_on) == (
        "Autumn cohort",
        date(2027, 9, 1),
        date(2027, 12, 1),
    )
    assert (cohort.capacity, cohort.enrolment_mode, cohort.timezone) == (
        20,
        "manager",
        "Europe/London",
    )
    assert {p.id for p in cohort.facilitators} == {place.facilitator.id, colleague.id}
    audit = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "cohort.create"))
    assert audit.subject_id == cohort.id and audit.actor_id == place.facilitator.id
    page = text(as_facilitator.get(response.headers["Location"]))
    assert "Autumn cohort has been created." in page and "0 of 20 places taken" in page


def test_the_form_offers_common_time_zones_with_london_first(as_facilitator):
    page = text(as_facilitator.get("/facilitate/cohorts/new"))
    assert re.search(r'<option selected value="Europe/London">', page)
    assert page.index('value="Europe/London"') < page.index('value="Europe/Paris"')
    assert 'value="America/New_York"' in page
    for label in ("Course", "Name of the cohort", "Start date (optional)", "Time zone"):
        assert f">{label}</label>" in page
    assert "<legend>Facilitators</legend>" in page


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"name": "  "}, "name", "Please enter a name for the cohort."),
        ({"name": "x" * 201}, "name", "200 characters or fewer"),
        ({"course": ""}, "course", "Please choose a course."),
        ({"course": "99999"}, "course", "Please choose a course."),
        ({"starts_on": "31/02/2027"}, "starts_on", "Please enter a date like 31/01/2026."),
        ({"ends_on": "2027-08-01"}, "ends_on", "on or after the start date"),
        ({"timezone": "Mars/Olympus_Mons"}, "timezone", "Please choose a time zone"),
        ({"timezone": "../../etc/passwd"}, "timezone", "Please choose a time zone"),
        ({"capacity": "0"}, "capacity", "at least 1"),
        ({"capacity": "-3"}, "capacity", "whole number"),
        ({"capacity": "ten"}, "capacity", "whole number"),
        ({"capacity": "2.5"}, "capacity", "whole number"),
        ({"capacity": "9" * 5000}, "capacity", "100,000 or fewer"),
        ({"capacity": "²"}, "capacity", "whole number"),
        ({"enrolment_mode": "lottery"}, "enrolment_mode", "Please choose how people get a place"),
        ({"facilitators": ["99999"]}, "facilitators", "Please choose facilitators from the list"),
        ({"add_facilitators": "ghost@example.org"}, "add_facilitators", "“ghost@example.org”"),
        ({"plugins": ["not-loaded"]}, "plugins", "aren't loaded on this site: not-loaded"),
    ],
)
def test_bad_input_gets_a_clear_message_and_writes_nothing(
    as_facilitator, place, changes, field, message
):
    before = snapshot()
    response = as_facilitator.post("/facilitate/cohorts/new", data=form(place, **changes))
    assert response.status_code == 200
    page = text(response)
    assert message in page, page[page.find("error-summary") :][:800]
    assert f'id="{field}-error"' in page or f'id="{field}"' in page
    assert snapshot() == before


def test_every_problem_is_shown_at_once(as_facilitator, place):
    before = snapshot()
    response = as_facilitator.post(
        "/facilitate/cohorts/new", data=form(place, course="", name="", capacity="0")
    )
    page = text(response)
    for message in ("Please choose a course.", "Please enter a name", "at least 1"):
        assert message in page
    assert snapshot() == before


def test_a_retired_course_cannot_get_a_new_cohort(as_facilitator, place, factories):
    retired = factories.course(retired=True)
    before = snapshot()
    response = as_facilitator.post("/facilitate/cohorts/new", data=form(place, course=retired.id))
    assert "is retired" in text(response) and snapshot() == before


def test_learners_and_managers_cannot_create_cohorts(client, sign_in, place, factories):
    for person in (factories.user(), factories.user(organisation=place.org, role="manager")):
        sign_in(person)
        assert client.get("/facilitate/cohorts/new").status_code == 403
        before = snapshot()
        assert client.post("/facilitate/cohorts/new", data=form(place)).status_code == 403
        assert snapshot() == before


def test_editing_keeps_the_course_and_is_audited(as_facilitator, place):
    page = text(as_facilitator.get(f"/facilitate/cohorts/{place.cohort.id}/edit"))
    assert 'name="course"' not in page
    assert 'value="Spring cohort"' in page
    response = as_facilitator.post(
        f"/facilitate/cohorts/{place.cohort.id}/edit",
        data=form(place, name="Spring cohort (Leeds)", timezone="Europe/Dublin", capacity=""),
    )
    assert response.status_code == 303
    cohort = newest_cohort()
    assert (cohort.name, cohort.timezone, cohort.capacity) == (
        "Spring cohort (Leeds)",
        "Europe/Dublin",
        None,
    )
    audit = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "cohort.update"))
    assert "name" in audit.detail["changed"] and "timezone" in audit.detail["changed"]


def test_capacity_cannot_go_below_the_people_already_on(as_facilitator, place, factories):
    for _ in range(3):
        factories.enrol(factories.user(), place.cohort)
    before = snapshot()
    response = as_facilitator.post(
        f"/facilitate/cohorts/{place.cohort.id}/edit", data=form(place, capacity="2")
    )
    assert "3 people already have a place" in text(response)
    assert snapshot() == before and newest_cohort().capacity is None


def test_a_facilitator_cannot_take_themselves_off(as_facilitator, place, factories):
    other = factories.user("Oli Other")
    before = snapshot()
    response = as_facilitator.post(
        f"/facilitate/cohorts/{place.cohort.id}/edit",
        data=form(place, facilitators=[], add_facilitators=other.email),
    )
    assert "You can't take yourself off" in text(response) and snapshot() == before


def test_an_admin_can_hand_a_cohort_to_other_facilitators(client, sign_in, place, factories):
    other = factories.user("Oli Other")
    sign_in(place.admin)
    response = client.post(
        f"/facilitate/cohorts/{place.cohort.id}/edit",
        data=form(place, facilitators=[], add_facilitators=other.email),
    )
    assert response.status_code == 303
    assert [p.id for p in newest_cohort().facilitators] == [other.id]


def test_only_the_cohorts_own_facilitators_may_edit_it(client, sign_in, place, factories):
    elsewhere = factories.cohort(place.course, facilitators=[factories.user()])
    sign_in(elsewhere.facilitators[0])
    assert client.get(f"/facilitate/cohorts/{place.cohort.id}/edit").status_code == 403
    before = snapshot()
    response = client.post(f"/facilitate/cohorts/{place.cohort.id}/edit", data=form(place))
    assert response.status_code == 403 and snapshot() == before


def test_the_edit_form_ticks_the_current_facilitators(as_facilitator, place):
    page = text(as_facilitator.get(f"/facilitate/cohorts/{place.cohort.id}/edit"))
    assert re.search(rf'<input checked[^>]*value="{place.facilitator.id}"', page)
    assert not re.search(rf'<input checked[^>]*value="{place.admin.id}"', page)


@pytest.mark.parametrize("value", ["2147483648", "99999999999999999999", "-1", "0", "1e3"])
def test_ids_out_of_range_are_refused_not_looked_up(as_facilitator, place, value):
    before = snapshot()
    response = as_facilitator.post(
        "/facilitate/cohorts/new", data=form(place, course=value, facilitators=[value])
    )
    assert response.status_code == 200 and "Please choose a course." in text(response)
    assert snapshot() == before


def test_a_huge_page_number_is_harmless(as_facilitator, place):
    response = as_facilitator.get(
        f"/facilitate/cohorts/{place.cohort.id}?page=99999999999999999999"
    )
    assert response.status_code == 200


@pytest.mark.parametrize("name", ["Europe/Nowhere", "0" * 300, "../../etc/passwd", "x" * 61])
def test_time_zones_that_are_not_zones_are_refused(name):
    assert not cohorts.valid_timezone(name)
    assert cohorts.valid_timezone("Atlantic/St_Helena")
