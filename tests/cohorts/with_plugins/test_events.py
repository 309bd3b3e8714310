"""Enrolments made from the cohort pages fire ``lms_enrolled`` after their commit."""

from __future__ import annotations

import pytest

from lms.cohorts import services as cohorts
from lms.errors import Conflict
from tests.plugins import sample


@pytest.fixture
def received():
    sample.RECEIVED.clear()
    yield sample.RECEIVED
    sample.RECEIVED.clear()


def enrolled(received) -> list[int]:
    return [kw["enrolment"].user_id for name, kw in received if name == "lms_enrolled"]


def test_bulk_enrolment_fires_one_event_per_enrolment_after_commit(place, received):
    data = (
        b"name,email,username,organisation\n"
        b"Ann,ann@example.org,,Northfield Trust\n"
        b"Bo,,bo.b,Northfield Trust\n"
    )
    upload = cohorts.preview_upload(place.facilitator, place.cohort, filename="a.csv", data=data)
    assert enrolled(received) == []
    cohorts.apply_upload(place.facilitator, upload)
    assert len(enrolled(received)) == 2
    assert [name for name, _ in received].count("lms_user_created") == 2


def test_a_change_found_at_confirm_fires_nothing(place, received, factories):
    data = b"name,username,organisation\nAnn,ann.a,Northfield Trust\n"
    upload = cohorts.preview_upload(place.facilitator, place.cohort, filename="a.csv", data=data)
    factories.user("Ann Elsewhere", username="ann.a", organisation=place.other_org)
    with pytest.raises(Conflict, match="changed since the preview"):
        cohorts.apply_upload(place.facilitator, upload)
    assert received == []


def test_re_enrolling_and_deferring_fire_the_event(place, factories, received):
    person = factories.user()
    enrolment = factories.enrol(person, place.cohort, status="withdrawn")
    cohorts.reenrol(place.facilitator, enrolment)
    later = factories.cohort(place.course, name="Later")
    cohorts.defer(place.facilitator, enrolment, later)
    assert enrolled(received) == [person.id, person.id]
