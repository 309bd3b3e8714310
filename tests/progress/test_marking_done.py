"""Marking a step done through the page: who may, what is written, what the learner is told."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from lms.cohorts.models import Enrolment
from lms.cohorts.services.enrolments import enrolment_for
from lms.db import utcnow
from lms.extensions import db
from lms.progress import services as progress
from lms.progress.models import StepProgress

TEXT = {"type": "text"}


def _row(user, step) -> StepProgress | None:
    db.session.expire_all()
    return db.session.scalar(
        select(StepProgress).where(StepProgress.user_id == user.id, StepProgress.step_id == step.id)
    )


def _done_url(course, step) -> str:
    return f"/courses/{course.slug}/steps/{step.key}/done"


@pytest.mark.parametrize(
    ("places", "allowed"),
    [
        ((), False),
        (("withdrawn",), False),
        (("deferred",), False),
        (("active",), True),
        (("invited",), True),
        (("completed",), True),
        (("deferred", "active"), True),  # moved on to a later cohort: that place counts
        (("active", "withdrawn"), True),  # the earlier place still counts
    ],
)
def test_only_someone_with_a_place_on_the_course_may_mark_a_step_done(
    client, sign_in, create_user, create_course, create_cohort, enrol, places, allowed
):
    course = create_course(modules=[[TEXT, TEXT]])
    learner = create_user()
    start = utcnow() - timedelta(days=30)
    for n, status in enumerate(places):
        enrol(learner, create_cohort(course), status, enrolled_at=start + timedelta(days=n))
    # A place on another course gives no place on this one.
    enrol(learner, create_cohort(create_course(modules=[[TEXT]])))
    db.session.commit()
    step = course.modules[0].steps[0]
    sign_in(learner)

    response = client.post(_done_url(course, step))

    assert response.status_code == (303 if allowed else 403)
    row = _row(learner, step)
    assert (row is not None and row.completed_at is not None) is allowed


def test_the_place_read_with_the_step_is_the_one_enrolment_for_finds(
    app, create_user, create_course, create_cohort, enrol
):
    from flask_login import login_user

    from lms.progress.views import load_step

    course = create_course(modules=[[TEXT]])
    learner = create_user()
    start = utcnow() - timedelta(days=30)
    enrol(learner, create_cohort(course), "completed", enrolled_at=start)
    later = enrol(learner, create_cohort(course), "invited", enrolled_at=start + timedelta(days=2))
    enrol(learner, create_cohort(course), "withdrawn", enrolled_at=start + timedelta(days=5))
    db.session.commit()
    step = course.modules[0].steps[0]

    with app.test_request_context():
        login_user(learner)
        loaded_course, loaded_step = load_step(course.slug, step.key)
        assert (loaded_course.id, loaded_step.id) == (course.id, step.id)
        remembered = enrolment_for(learner, loaded_course)  # from the memo: no query
    with app.test_request_context():
        asked = enrolment_for(learner, course)
    assert isinstance(remembered, Enrolment)
    assert remembered.id == asked.id == later.id


@pytest.mark.parametrize("which", ["retired", "unknown", "other course"])
def test_a_step_that_is_not_live_on_the_course_is_not_found(
    client, sign_in, create_user, create_course, create_cohort, enrol, which
):
    course = create_course(modules=[[TEXT, TEXT]])
    other = create_course(modules=[[{"type": "text", "key": "elsewhere"}]])
    learner = create_user()
    enrol(learner, create_cohort(course))
    enrol(learner, create_cohort(other))
    step = course.modules[0].steps[1]
    key = step.key
    if which == "retired":
        step.retired_at = utcnow()
    elif which == "unknown":
        key = "no-such-step"
    else:
        key = other.modules[0].steps[0].key
    db.session.commit()
    sign_in(learner)

    assert client.post(f"/courses/{course.slug}/steps/{key}/done").status_code == 404
    assert _row(learner, step) is None


def test_a_step_opened_first_keeps_its_view_time_and_is_completed_once(
    app, client, sign_in, create_user, create_course, create_cohort, enrol, monkeypatch
):
    course = create_course(modules=[[TEXT, TEXT]])
    learner = create_user()
    enrol(learner, create_cohort(course))
    db.session.commit()
    step = course.modules[0].steps[0]
    sign_in(learner)
    assert client.get(f"/courses/{course.slug}/steps/{step.key}").status_code == 200
    viewed = _row(learner, step).viewed_at
    fired: list[str] = []
    monkeypatch.setattr(
        app.extensions["lms_plugins"], "fire", lambda name, **kw: fired.append(name)
    )

    assert client.post(_done_url(course, step)).status_code == 303
    assert client.post(_done_url(course, step)).status_code == 303

    row = _row(learner, step)
    assert row.viewed_at == viewed  # never moved
    assert row.marked_done_at is not None and row.completed_at is not None
    assert row.completed_at >= row.marked_done_at >= viewed
    assert fired == ["lms_step_completed"]


def test_the_learner_is_told_the_step_is_done_on_the_next_one(
    client, sign_in, create_user, create_course, create_cohort, enrol
):
    course = create_course(modules=[[{"type": "text", "title": "Why we listen"}, TEXT]])
    learner = create_user()
    enrol(learner, create_cohort(course))
    db.session.commit()
    first, second = course.modules[0].steps
    sign_in(learner)

    response = client.post(_done_url(course, first))

    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/courses/{course.slug}/steps/{second.key}")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "“Why we listen” is done." in page
    # Marked again: nothing new to tell.
    response = client.post(_done_url(course, first), follow_redirects=True)
    assert "is done." not in response.get_data(as_text=True)


def test_a_plugin_step_rule_is_asked_when_a_step_is_marked_done(
    app, create_user, create_course, create_cohort, enrol, monkeypatch
):
    from lms.plugins.types import CompletionRule

    answers = [False, True]
    asked: list[int] = []

    def check(ctx):
        asked.append(ctx.target.id)
        return answers[len(asked) - 1]

    rules = app.extensions["lms_plugins"].registries.completion_rules
    monkeypatch.setitem(
        rules,
        "probe",
        ("probe-plugin", CompletionRule("probe", "Probe", frozenset({"step"}), check)),
    )
    course = create_course(modules=[[{"type": "text", "complete_when": "probe"}]])
    learner = create_user()
    enrol(learner, create_cohort(course))
    step = course.modules[0].steps[0]

    assert progress.mark_done(learner, step).steps == []
    row = _row(learner, step)
    assert row.marked_done_at is not None and row.completed_at is None
    assert progress.mark_done(learner, step).steps == [step.id]
    assert asked == [step.id, step.id]
    assert _row(learner, step).completed_at is not None
