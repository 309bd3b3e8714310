"""Managers book people of their own organisation onto cohorts booked by managers."""

from __future__ import annotations

import pytest

from lms.cohorts import services as cohorts
from lms.errors import NotAllowed
from tests.cohorts.conftest import enrolment_of, snapshot, text


@pytest.fixture
def booking(place, factories):
    f = factories
    cohort = f.cohort(place.course, enrolment_mode="manager", capacity=3, name="Booked cohort")
    manager = f.user("Mona Manager", organisation=place.org, role="manager")
    staff = [f.user(f"Staff {n}", organisation=place.org) for n in range(3)]
    outsider = f.user("Otto Outsider", organisation=place.other_org)
    return cohort, manager, staff, outsider


def page_url(place, cohort):
    return f"/organisations/{place.org.id}/book/{cohort.id}"


def test_a_manager_books_people_of_their_organisation(client, sign_in, place, booking):
    cohort, manager, staff, _outsider = booking
    sign_in(manager)
    org_page = text(client.get(f"/organisations/{place.org.id}"))
    assert "Book places on a cohort" in org_page
    choose = text(client.get(f"/organisations/{place.org.id}/book"))
    assert "Booked cohort" in choose and "0 of 3 places taken" in choose
    assert "Spring cohort" not in choose  # by invitation, not booked by managers
    people = text(client.get(page_url(place, cohort)))
    assert "Staff 0" in people and "Otto Outsider" not in people
    response = client.post(page_url(place, cohort), data={"people": [staff[0].id, staff[1].id]})
    assert response.status_code == 303
    for person in staff[:2]:
        enrolment = enrolment_of(person, cohort)
        assert (enrolment.status, enrolment.source) == ("active", "manager")
    assert "Booked on Booked cohort: Staff 0, Staff 1." in text(
        client.get(response.headers["Location"])
    )
    again = text(client.get(page_url(place, cohort)))
    assert "Already on Booked cohort" in again


def test_a_manager_can_never_book_someone_from_another_organisation(
    client, sign_in, place, booking
):
    cohort, manager, staff, outsider = booking
    sign_in(manager)
    before = snapshot()
    response = client.post(page_url(place, cohort), data={"people": [staff[0].id, outsider.id]})
    assert "You can only book people from Northfield Trust" in text(response)
    assert snapshot() == before
    # Nor through the other organisation's pages.
    other = f"/organisations/{place.other_org.id}/book/{cohort.id}"
    assert client.get(other).status_code == 403
    assert client.post(other, data={"people": [outsider.id]}).status_code == 403
    assert snapshot() == before
    with pytest.raises(NotAllowed):
        cohorts.book_places(manager, place.other_org, cohort, [outsider.id])
    assert snapshot() == before


def test_booking_respects_capacity_all_or_nothing(client, sign_in, place, booking, factories):
    cohort, manager, staff, _outsider = booking
    factories.enrol(factories.user(), cohort)
    sign_in(manager)
    before = snapshot()
    response = client.post(page_url(place, cohort), data={"people": [s.id for s in staff]})
    assert "has 2 places left, and that needs 3" in text(response)
    assert snapshot() == before


def test_nobody_chosen(client, sign_in, place, booking):
    cohort, manager, *_ = booking
    sign_in(manager)
    before = snapshot()
    response = client.post(page_url(place, cohort), data={})
    assert response.status_code == 400
    assert "Please choose at least one person to book." in text(response)
    assert snapshot() == before


def test_only_cohorts_booked_by_managers(client, sign_in, place, booking):
    _cohort, manager, staff, _ = booking
    sign_in(manager)
    before = snapshot()
    response = client.post(page_url(place, place.cohort), data={"people": [staff[0].id]})
    assert response.status_code == 403
    assert "aren't booked by managers" in text(response)
    assert snapshot() == before


def test_learners_and_facilitators_cannot_book(client, sign_in, place, booking):
    cohort, _manager, staff, _ = booking
    for person in (staff[0], place.facilitator):
        sign_in(person)
        assert client.get(f"/organisations/{place.org.id}/book").status_code == 403
        assert (
            client.post(page_url(place, cohort), data={"people": [staff[1].id]}).status_code == 403
        )
    assert enrolment_of(staff[1], cohort) is None
