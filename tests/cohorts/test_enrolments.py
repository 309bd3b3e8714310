"""Enrolling someone, withdrawing, deferring to a later cohort, re-enrolling, joining an open
cohort: capacity respected, progress kept, never "failed"."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from lms.audit.models import AuditEvent
from lms.cohorts import services as cohorts
from lms.cohorts.models import Enrolment
from lms.errors import Conflict
from lms.extensions import db
from lms.progress import services as progress
from lms.progress.models import StepProgress
from tests.cohorts.conftest import enrolment_of, snapshot, text


def url(place, enrolment=None, action=""):
    base = f"/facilitate/cohorts/{place.cohort.id}"
    if enrolment is None:
        return base + action
    return f"{base}/enrolments/{enrolment.id}{action}"


# -- enrolling someone by email or username -------------------------------------------------


def test_enrol_someone_by_email_or_username(as_facilitator, place, factories):
    sam = factories.user("Sam", email="sam@example.org")
    kim = factories.user("Kim", username="kim.r")
    for name, person in (("SAM@example.org", sam), (" kim.r ", kim)):
        response = as_facilitator.post(url(place, action="/enrol"), data={"person": name})
        assert response.status_code == 303
        enrolment = enrolment_of(person, place.cohort)
        assert (enrolment.status, enrolment.source) == ("active", "admin")
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "enrolment.create"))


@pytest.mark.parametrize(
    ("person", "message"),
    [
        ("", "Please enter their email address or username."),
        ("nobody@example.org", "We couldn't find anyone with the email address or username"),
        ("already@example.org", "is already on Spring cohort"),
        ("off@example.org", "We couldn't find anyone"),
    ],
)
def test_enrol_form_bad_input(as_facilitator, place, factories, person, message):
    factories.enrol(factories.user("Al Ready", email="already@example.org"), place.cohort)
    factories.user("Off", email="off@example.org", active=False)
    before = snapshot()
    response = as_facilitator.post(url(place, action="/enrol"), data={"person": person})
    assert response.status_code == 200
    assert message in text(response) and 'id="person-error"' in text(response)
    assert snapshot() == before


def test_capacity_is_respected(as_facilitator, place, factories):
    place.cohort.capacity = 1
    factories.enrol(factories.user(), place.cohort)
    factories.user("Late", email="late@example.org")
    before = snapshot()
    response = as_facilitator.post(url(place, action="/enrol"), data={"person": "late@example.org"})
    assert "Spring cohort is full: all 1 places are taken." in text(response)
    assert snapshot() == before


def test_withdrawn_and_deferred_people_free_their_places(place, factories):
    place.cohort.capacity = 2
    first, second = factories.user(), factories.user()
    factories.enrol(first, place.cohort, status="withdrawn")
    factories.enrol(second, place.cohort, status="deferred")
    assert cohorts.places_left(place.cohort) == 2


# -- withdraw -----------------------------------------------------------------------------


def test_withdraw_with_a_reason_keeps_progress(as_facilitator, place, factories):
    learner = factories.user("Lee")
    enrolment = factories.enrol(learner, place.cohort)
    progress.mark_done(learner, place.course.modules[0].steps[0])
    response = as_facilitator.post(
        url(place, enrolment, "/withdraw"), data={"reason": "Changed role"}
    )
    assert response.status_code == 303
    withdrawn = enrolment_of(learner, place.cohort)
    assert (withdrawn.status, withdrawn.status_reason) == ("withdrawn", "Changed role")
    assert db.session.scalar(select(StepProgress).where(StepProgress.user_id == learner.id))
    page = text(as_facilitator.get(url(place)))
    assert "Withdrawn" in page and "Failed" not in page
    details = text(as_facilitator.get(url(place, enrolment)))
    assert "Changed role" in details and "Re-enrol Lee" in details


def test_withdraw_reason_too_long_changes_nothing(as_facilitator, place, factories):
    enrolment = factories.enrol(factories.user(), place.cohort)
    before = snapshot()
    response = as_facilitator.post(url(place, enrolment, "/withdraw"), data={"reason": "x" * 301})
    assert response.status_code == 400 and "300 characters or fewer" in text(response)
    assert snapshot() == before and enrolment_of(enrolment.user, place.cohort).status == "active"


def test_a_completed_enrolment_is_not_withdrawn(place, factories):
    enrolment = factories.enrol(factories.user(), place.cohort, status="completed")
    with pytest.raises(Conflict, match="has completed the course"):
        cohorts.withdraw(place.facilitator, enrolment)


# -- defer --------------------------------------------------------------------------------


@pytest.fixture
def dated(place, factories):
    """The place's cohort with dates, and a later and an earlier cohort of the same course."""
    today = date.today()
    place.cohort.starts_on = today
    later = factories.cohort(
        place.course, name="Autumn cohort", starts_on=today + timedelta(days=90), capacity=5
    )
    earlier = factories.cohort(
        place.course, name="Old cohort", starts_on=today - timedelta(days=90)
    )
    return later, earlier


def test_defer_moves_the_learner_and_their_progress_carries_over(
    as_facilitator, place, factories, dated
):
    later, _earlier = dated
    learner = factories.user("Dee")
    enrolment = factories.enrol(learner, place.cohort, source="manager")
    first_step = place.course.modules[0].steps[0]
    progress.mark_done(learner, first_step)
    page = text(as_facilitator.get(url(place, enrolment)))
    assert "Autumn cohort" in page and "Old cohort" not in page and "5 places left" in page

    response = as_facilitator.post(
        url(place, enrolment, "/defer"), data={"cohort": later.id, "reason": "Caring duties"}
    )
    assert response.status_code == 303
    old, new = enrolment_of(learner, place.cohort), enrolment_of(learner, later)
    assert (old.status, old.deferred_to_id, old.status_reason) == (
        "deferred",
        later.id,
        "Caring duties",
    )
    assert (new.status, new.source, new.resume_step_id) == ("active", "manager", first_step.id)
    # Progress is per person and step: on the new cohort the first step is already done.
    assert cohorts.enrolment_for(learner, place.course).cohort_id == later.id
    progress.mark_done(learner, place.course.modules[0].steps[1])
    db.session.expire_all()
    done = db.session.scalars(
        select(StepProgress.step_id).where(
            StepProgress.user_id == learner.id, StepProgress.completed_at.is_not(None)
        )
    ).all()
    assert len(done) == 2
    assert "Moved to" in text(as_facilitator.get(url(place, enrolment)))


@pytest.mark.parametrize(
    ("target", "message"),
    [
        (None, "Please choose the cohort they're moving to."),
        ("earlier", "doesn't start after Spring cohort"),
        ("same", "Please choose a different cohort"),
        ("other-course", "same course"),
        ("full", "is full"),
    ],
)
def test_defer_bad_input_changes_nothing(as_facilitator, place, factories, dated, target, message):
    later, earlier = dated
    targets = {
        None: "",
        "earlier": earlier.id,
        "same": place.cohort.id,
        "other-course": factories.cohort(starts_on=date.today() + timedelta(days=9)).id,
        "full": later.id,
    }
    if target == "full":
        for _ in range(5):
            factories.enrol(factories.user(), later)
    enrolment = factories.enrol(factories.user(), place.cohort)
    before = snapshot()
    response = as_facilitator.post(
        url(place, enrolment, "/defer"), data={"cohort": targets[target]}
    )
    assert message in text(response)
    assert snapshot() == before
    assert enrolment_of(enrolment.user, place.cohort).status == "active"


# -- re-enrol -----------------------------------------------------------------------------


def test_re_enrol_a_withdrawn_person(as_facilitator, place, factories):
    enrolment = factories.enrol(factories.user("Ray"), place.cohort, status="withdrawn")
    response = as_facilitator.post(url(place, enrolment, "/reenrol"))
    assert response.status_code == 303
    again = enrolment_of(enrolment.user, place.cohort)
    assert again.status == "active" and again.status_reason is None
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "enrolment.reenrolled"))


def test_re_enrol_respects_capacity(as_facilitator, place, factories):
    place.cohort.capacity = 1
    factories.enrol(factories.user(), place.cohort)
    enrolment = factories.enrol(factories.user(), place.cohort, status="withdrawn")
    before = snapshot()
    response = as_facilitator.post(url(place, enrolment, "/reenrol"))
    assert response.status_code == 303
    assert "is full" in text(as_facilitator.get(response.headers["Location"]))
    assert snapshot() == before and enrolment_of(enrolment.user, place.cohort).status == "withdrawn"


def test_someone_deferred_elsewhere_is_not_re_enrolled_twice(place, factories, dated):
    later, _ = dated
    enrolment = factories.enrol(factories.user(), place.cohort)
    cohorts.defer(place.facilitator, enrolment, later)
    with pytest.raises(Conflict, match="withdraw them from that cohort first"):
        cohorts.reenrol(place.facilitator, enrolment_of(enrolment.user, place.cohort))


def test_enrolment_pages_belong_to_their_cohort(as_facilitator, place, factories):
    other = factories.cohort(place.course)
    enrolment = factories.enrol(factories.user(), other)
    assert as_facilitator.get(url(place, enrolment)).status_code == 404
    assert as_facilitator.post(url(place, enrolment, "/withdraw")).status_code == 404


# -- learners joining an open cohort ------------------------------------------------------


def test_a_learner_joins_an_open_cohort_until_it_is_full(client, sign_in, place, factories):
    cohort = factories.cohort(place.course, enrolment_mode="open", capacity=1, name="Open one")
    first, second = factories.user(), factories.user()
    sign_in(first)
    page = text(client.get(f"/cohorts/{cohort.id}"))
    assert "1 place left" in page and "Join this cohort" in page
    response = client.post(f"/cohorts/{cohort.id}/join")
    assert response.status_code == 303
    assert response.headers["Location"] == f"/courses/{place.course.slug}"
    assert enrolment_of(first, cohort).source == "self"
    assert client.post(f"/cohorts/{cohort.id}/join").status_code == 303  # twice: no change
    sign_in(second)
    assert "All the places on this cohort are taken" in text(client.get(f"/cohorts/{cohort.id}"))
    before = snapshot()
    response = client.post(f"/cohorts/{cohort.id}/join")
    assert "is full" in text(client.get(response.headers["Location"]))
    assert snapshot() == before


def test_cohorts_that_are_not_open_cannot_be_joined(client, sign_in, place, factories):
    sign_in(factories.user())
    assert client.get(f"/cohorts/{place.cohort.id}").status_code == 403
    assert client.post(f"/cohorts/{place.cohort.id}/join").status_code == 403
    assert (
        db.session.scalar(select(Enrolment).where(Enrolment.cohort_id == place.cohort.id)) is None
    )


def test_starting_a_self_paced_course_skips_open_cohorts_with_limits(place, factories):
    course = factories.course(enrolment="open")
    limited = factories.cohort(course, enrolment_mode="open", capacity=1, name="Small group")
    factories.enrol(factories.user(), limited)
    enrolment = cohorts.start_course(factories.user(), course)
    assert enrolment.cohort_id != limited.id and enrolment.cohort.capacity is None
