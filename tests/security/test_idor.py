"""Object-level access (IDOR): ids and slugs in URLs that belong to someone else's
reflection, course, media, cohort or organisation are refused, and nothing leaks."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from lms.extensions import db
from lms.progress.models import QuizAttempt, Reflection
from lms.progress.services import set_reflection_sharing
from tests.conftest import REFLECTION_TEXT
from tests.security.conftest import QUIZ_CHOICE, SecurityWorld
from tests.security.helpers import snapshot_changes, table_snapshot


def _refused(
    response: Any,
    sw: SecurityWorld,
    *,
    statuses: tuple[int, ...] = (403, 404),
    viewer: str = "someone else",
) -> None:
    """Refused, and nothing of the learner's on the page (unless it's the learner's own)."""
    assert response.status_code in statuses, response.status_code
    if viewer == "learner":
        return
    body = response.get_data(as_text=True)
    for text in (*sw.private_texts, sw.learner.display_name, sw.learner.email):
        assert text not in body


def _shared(sw: SecurityWorld) -> Reflection:
    set_reflection_sharing(sw.learner, sw.reflection, True)
    db.session.expire_all()
    assert sw.reflection.shared_with_cohort_id == sw.cohort.id
    return sw.reflection


OUTSIDERS = ("other_learner", "other_facilitator", "other_manager", "peer_facilitator")


@pytest.mark.parametrize("role", [*OUTSIDERS, "facilitator", "manager", "admin"])
@pytest.mark.parametrize("share", ["yes", "no"])
def test_only_the_owner_can_change_a_reflections_sharing(
    app: Flask, sw: SecurityWorld, browser: Any, role: str, share: str
) -> None:
    if share == "no":
        _shared(sw)
    before = table_snapshot()
    response = browser(sw.user(role)).post(
        f"/reflections/{sw.reflection.id}/sharing", data={"share": share}
    )
    _refused(response, sw, statuses=(403,))
    assert snapshot_changes(before, table_snapshot()) == []


def test_a_shared_reflection_reaches_only_the_cohorts_own_facilitators(
    app: Flask, sw: SecurityWorld, browser: Any
) -> None:
    _shared(sw)
    own = browser(sw.facilitator).get(f"/facilitate/cohorts/{sw.cohort.id}")
    assert REFLECTION_TEXT in own.get_data(as_text=True)  # the control: sharing works
    # A facilitator of another cohort of the same course sees neither the cohort nor,
    # on their own cohort's page, the reflection.
    peer = browser(sw.peer_facilitator)
    _refused(peer.get(f"/facilitate/cohorts/{sw.cohort.id}"), sw)
    mine = peer.get(f"/facilitate/cohorts/{sw.peer_cohort.id}")
    assert mine.status_code == 200
    assert REFLECTION_TEXT not in mine.get_data(as_text=True)
    for role in ("other_facilitator", "other_learner", "manager"):
        for url in ("/facilitate", "/reflections", f"/facilitate/cohorts/{sw.cohort.id}"):
            body = browser(sw.user(role)).get(url).get_data(as_text=True)
            assert REFLECTION_TEXT not in body, (role, url)


def test_a_shared_reflection_is_not_shown_to_admins(
    app: Flask, sw: SecurityWorld, browser: Any
) -> None:
    from lms.accounts.permissions import can

    reflection = _shared(sw)
    assert not can(sw.admin, "view_reflection", reflection)
    page = browser(sw.admin).get(f"/facilitate/cohorts/{sw.cohort.id}")
    assert page.status_code == 200
    assert REFLECTION_TEXT not in page.get_data(as_text=True)


def test_a_learner_cannot_reach_another_courses_steps(
    app: Flask, sw: SecurityWorld, browser: Any, factories: Any
) -> None:
    """The learner is on the world course and the quiz course, not on this one."""
    elsewhere = factories.course("not-yours", enrolment="cohort")
    factories.cohort(elsewhere)
    module, step = elsewhere.modules[0], elsewhere.modules[0].steps[0]
    learner = browser(sw.learner)
    before = table_snapshot()
    for method, url in [
        ("GET", "/courses/not-yours"),
        ("GET", f"/courses/not-yours/modules/{module.key}"),
        ("GET", f"/courses/not-yours/steps/{step.key}"),
        ("POST", f"/courses/not-yours/modules/{module.key}/continue"),
        ("POST", f"/courses/not-yours/steps/{step.key}/continue"),
        ("POST", f"/courses/not-yours/steps/{step.key}/later"),
        ("POST", f"/courses/not-yours/steps/{step.key}/done"),
        ("POST", "/courses/not-yours/start"),
        ("POST", f"/courses/not-yours/steps/{elsewhere.modules[0].steps[1].key}/reflection"),
        ("POST", f"/courses/not-yours/steps/{elsewhere.modules[0].steps[2].key}/quiz"),
        # Another course's step key under the learner's own course: not found there.
        ("GET", f"/courses/{sw.course.slug}/steps/{step.key}"),
        ("POST", f"/courses/{sw.course.slug}/steps/{step.key}/done"),
    ]:
        response = learner.open(url, method=method, data={"body": "x", "q0": "1"})
        assert response.status_code in (403, 404), (method, url, response.status_code)
    assert snapshot_changes(before, table_snapshot()) == []


def test_another_learner_cannot_see_or_answer_the_learners_quiz(
    app: Flask, sw: SecurityWorld, browser: Any
) -> None:
    url = f"/courses/{sw.quiz_course.slug}/steps/{sw.quiz_step.key}"
    own = browser(sw.learner).get(url).get_data(as_text=True)
    assert QUIZ_CHOICE in own  # the control: the learner sees their answer
    for role in ("other_learner", "other_facilitator", "peer_facilitator", "other_manager"):
        client = browser(sw.user(role))
        _refused(client.get(url), sw)
        _refused(client.post(f"{url}/quiz", data={"q0": "1"}), sw)
    for role in ("facilitator", "admin"):  # may read the step, never the learner's answers
        body = browser(sw.user(role)).get(url).get_data(as_text=True)
        assert QUIZ_CHOICE not in body and "Your last answers" not in body
    attempts = db.session.scalars(select(QuizAttempt)).all()
    assert [a.user_id for a in attempts] == [sw.learner.id]


def test_media_files_only_for_people_on_the_course(
    app: Flask, sw: SecurityWorld, browser: Any
) -> None:
    base = f"/courses/{sw.course.slug}/media"
    for role in ("other_learner", "other_facilitator", "other_manager", "manager"):
        response = browser(sw.user(role)).get(f"{base}/files/intro-video.webm")
        assert response.status_code == 403, (role, response.status_code)
    # Facilitators of any cohort of the course may see its content, not its learners.
    assert browser(sw.peer_facilitator).get(f"{base}/files/intro-video.webm").status_code == 200
    assert browser(None).get(f"{base}/files/intro-video.webm").status_code == 302
    learner = browser(sw.learner)
    # Only files a current step refers to; no way out of the course's folder.
    for name in (
        "course.yaml",
        "files/other.pdf",
        "../other-course/files/intro-video.webm",
        "files/../../../lms/config.py",
        "%2e%2e/%2e%2e/pyproject.toml",
        "/etc/passwd",
        "files/intro-video.webm%00.txt",
    ):
        response = learner.get(f"{base}/{name}", follow_redirects=True)
        assert response.status_code in (400, 403, 404), (name, response.status_code)


@pytest.mark.parametrize("role", [*OUTSIDERS, "learner", "manager"])
def test_a_cohort_page_by_id_is_refused_to_everyone_but_its_facilitators(
    app: Flask, sw: SecurityWorld, browser: Any, role: str
) -> None:
    _shared(sw)
    response = browser(sw.user(role)).get(f"/facilitate/cohorts/{sw.cohort.id}")
    _refused(response, sw, viewer=role)


@pytest.mark.parametrize("role", ["learner", "other_learner", "facilitator", "other_manager"])
def test_an_organisation_page_by_id_is_refused_to_everyone_but_its_managers(
    app: Flask, sw: SecurityWorld, browser: Any, role: str
) -> None:
    _refused(browser(sw.user(role)).get(f"/organisations/{sw.org.id}"), sw, viewer=role)


def test_a_managers_reach_stops_at_their_own_organisation(
    app: Flask, sw: SecurityWorld, browser: Any, factories: Any
) -> None:
    """A manager of a unit sees the unit, not the organisation it belongs to or its other
    units; the organisation's manager sees the unit too."""
    unit = factories.organisation("Ward 7", parent_id=sw.org.id)
    sibling = factories.organisation("Ward 8", parent_id=sw.org.id)
    unit_manager = factories.user("Una Unit", organisation=unit, role="manager")
    factories.user("Sid Sibling", organisation=sibling)
    una = browser(unit_manager)
    assert una.get(f"/organisations/{unit.id}").status_code == 200
    _refused(una.get(f"/organisations/{sw.org.id}"), sw)
    refused = una.get(f"/organisations/{sibling.id}")
    assert refused.status_code == 403
    assert "Sid Sibling" not in refused.get_data(as_text=True)
    assert browser(sw.manager).get(f"/organisations/{unit.id}").status_code == 200
    # The other organisation's manager: refused on all of them.
    max_ = browser(sw.other_manager)
    for org in (sw.org, unit, sibling):
        _refused(max_.get(f"/organisations/{org.id}"), sw, statuses=(403,))


def test_a_persons_record_is_reached_only_through_their_own_organisation(
    app: Flask, sw: SecurityWorld, browser: Any, factories: Any
) -> None:
    """A person's record is found only under an organisation (or unit above them) they
    belong to: under any other, their id answers as one that does not exist."""
    unit = factories.organisation("Ward 7", parent_id=sw.org.id)
    sibling = factories.organisation("Ward 8", parent_id=sw.org.id)
    unit_manager = factories.user("Una Unit", organisation=unit, role="manager")
    on_ward = factories.user("Wendy Ward", organisation=unit)
    manager = browser(sw.manager)
    assert manager.get(f"/organisations/{sw.org.id}/people/{sw.learner.id}").status_code == 200
    assert manager.get(f"/organisations/{sw.org.id}/people/{on_ward.id}").status_code == 200
    # The other organisation's learner, asked for under our own organisation: nobody.
    other = manager.get(f"/organisations/{sw.org.id}/people/{sw.other_learner.id}")
    assert other.status_code == 404
    assert sw.other_learner.display_name not in other.get_data(as_text=True)
    # A unit's manager: their unit's people, not the organisation above it nor a sibling.
    una = browser(unit_manager)
    assert una.get(f"/organisations/{unit.id}/people/{on_ward.id}").status_code == 200
    _refused(una.get(f"/organisations/{unit.id}/people/{sw.learner.id}"), sw, statuses=(404,))
    _refused(una.get(f"/organisations/{sw.org.id}/people/{sw.learner.id}"), sw, statuses=(403,))
    sideways = una.get(f"/organisations/{sibling.id}/people/{on_ward.id}")
    assert sideways.status_code == 403
    assert "Wendy Ward" not in sideways.get_data(as_text=True)
    for role in OUTSIDERS:
        response = browser(sw.user(role)).get(f"/organisations/{sw.org.id}/people/{sw.learner.id}")
        _refused(response, sw, statuses=(403,), viewer=role)


def test_admin_pages_about_a_person_are_refused_to_everyone_else(
    app: Flask, sw: SecurityWorld, browser: Any
) -> None:
    membership = sw.learner.memberships[0]
    for role in (*OUTSIDERS, "learner", "facilitator", "manager"):
        client = browser(sw.user(role))
        before = table_snapshot()
        page = client.get(f"/admin/people/{sw.learner.id}")
        _refused(page, sw, statuses=(403,), viewer=role)
        for action in ("details", "admin", "deactivate", "code", "memberships"):
            response = client.post(
                f"/admin/people/{sw.learner.id}/{action}",
                data={"display_name": "Hijacked", "admin": "yes", "organisation": sw.org.id},
            )
            _refused(response, sw, statuses=(403,), viewer=role)
        response = client.post(f"/admin/people/{sw.learner.id}/memberships/{membership.id}/remove")
        _refused(response, sw, statuses=(403,), viewer=role)
        assert snapshot_changes(before, table_snapshot()) == [], role
