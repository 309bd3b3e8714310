"""Learner and manager pages issue a fixed number of queries, whatever the rows shown."""

from __future__ import annotations

import pytest

from lms.progress import services as progress
from lms.testing.fixtures import count_queries, on_postgres


def _learner_with(create_user, create_course, create_cohort, enrol, courses: int, org=None):
    learner = create_user(organisation=org)
    made = []
    for _ in range(courses):
        course = create_course(modules=[[{"type": "text"}] * 3] * 3)
        enrol(learner, create_cohort(course, enrolment_mode="open"))
        progress.mark_done(learner, course.modules[0].steps[0])
        made.append(course)
    return learner, made


def _queries(client, url: str) -> int:
    client.get(url)  # warm caches that are not per request
    with count_queries() as statements:
        response = client.get(url)
    assert response.status_code == 200, response.status_code
    return len(statements)


@pytest.mark.parametrize("page", ["/", "/courses", "/reflections"])
def test_learner_pages_do_not_grow_with_courses(
    client, sign_in, create_user, create_course, create_cohort, enrol, page
):
    one, _ = _learner_with(create_user, create_course, create_cohort, enrol, 1)
    many, _ = _learner_with(create_user, create_course, create_cohort, enrol, 6)
    sign_in(one)
    few = _queries(client, page)
    sign_in(many)
    assert _queries(client, page) == few


def test_outline_and_step_pages_do_not_grow_with_course_size(
    client, sign_in, create_user, create_course, create_cohort, enrol
):
    counts = []
    for size in (2, 12):
        learner = create_user()
        course = create_course(modules=[[{"type": "text"}] * size] * 3)
        enrol(learner, create_cohort(course, enrolment_mode="open"))
        for step in course.modules[0].steps[:-1]:
            progress.mark_done(learner, step)
        sign_in(learner)
        step = course.modules[1].steps[0]
        counts.append(
            (
                _queries(client, f"/courses/{course.slug}"),
                _queries(client, f"/courses/{course.slug}/steps/{step.key}"),
            )
        )
    assert counts[0] == counts[1]
    outline, step_page = counts[0]
    # The course's modules and steps come from the structure cache (the warming request read
    # them). The person and their roles are one query (the navigation's question of whether
    # they have certificates included). The step page: the person, the step with its module,
    # course and the learner's enrolment on it, and the learner's state on the course (what
    # is done, the content notes acknowledged, whether the step was opened before).
    assert outline <= 4 and step_page == 3, counts


def test_manager_page_does_not_grow_with_people(
    client, sign_in, create_user, create_course, create_cohort, enrol, create_organisation
):
    counts = []
    for people in (1, 8):
        org = create_organisation()
        manager = create_user(organisation=org, role="manager")
        for _ in range(people):
            _learner_with(create_user, create_course, create_cohort, enrol, 2, org=org)
        sign_in(manager)
        counts.append(_queries(client, f"/organisations/{org.id}"))
    assert counts[0] == counts[1]


def test_facilitator_page_does_not_grow_with_learners(
    client, sign_in, create_user, create_course, create_cohort, enrol
):
    counts = []
    for learners in (1, 10):
        facilitator = create_user()
        course = create_course(modules=[[{"type": "text"}] * 4])
        cohort = create_cohort(course, facilitators=[facilitator])
        for _ in range(learners):
            person = create_user()
            enrol(person, cohort)
            progress.mark_done(person, course.modules[0].steps[0])
        sign_in(facilitator)
        counts.append(_queries(client, f"/facilitate/cohorts/{cohort.id}"))
    assert counts[0] == counts[1]


#: Statements of a POST marking a step done, all and in the write (see below). On
#: PostgreSQL the write takes the learner's turn first (``lms.db.take_turns``): one more.
MARKING = (6, 4) if on_postgres() else (5, 3)


def _marking_queries(client, url: str) -> tuple[int, int]:
    """The statements of one POST marking a step done: all of them, and those of the write."""
    with count_queries() as statements:
        response = client.post(url)
    assert response.status_code == 303, response.status_code
    writes = [s for s in statements if s.lstrip().upper().startswith(("INSERT", "UPDATE"))]
    return len(statements), len(statements) - statements.index(writes[0])


def test_marking_a_step_done_does_not_grow_with_course_size(
    client, sign_in, create_user, create_course, create_cohort, enrol
):
    counts = []
    for size in (4, 12):
        learner = create_user()
        course = create_course(modules=[[{"type": "text"}] * size] * 3)
        enrol(learner, create_cohort(course, enrolment_mode="open"))
        sign_in(learner)
        urls = [f"/courses/{course.slug}/steps/{s.key}/done" for s in course.modules[1].steps]
        # Warm: the course's structure is read once per version (the first commit after
        # making the course forgets it once more).
        for url in urls[:2]:
            assert client.post(url).status_code == 303
        counts.append(_marking_queries(client, urls[2]))
    assert counts[0] == counts[1]
    # Before the write: the person, then the step with its module, course and the learner's
    # enrolment on it (one statement). The write: the progress row stamped and complete,
    # what the learner has done on the course, their place.
    assert counts[0] == MARKING, counts


@pytest.mark.parametrize("opened_first", [True, False])
def test_marking_done_costs_the_same_whether_the_step_was_opened_or_done_before(
    client, sign_in, create_user, create_course, create_cohort, enrol, opened_first
):
    learner = create_user()
    course = create_course(modules=[[{"type": "text"}] * 4])
    enrol(learner, create_cohort(course, enrolment_mode="open"))
    sign_in(learner)
    steps = course.modules[0].steps
    assert client.post(f"/courses/{course.slug}/steps/{steps[0].key}/done").status_code == 303
    step = steps[1]
    if opened_first:  # the usual way: the page opened records the view, then "done"
        assert client.get(f"/courses/{course.slug}/steps/{step.key}").status_code == 200
        assert _marking_queries(client, f"/courses/{course.slug}/steps/{step.key}/done") == MARKING
    else:  # done already: the stamps are filled if empty, nothing is recomputed (no turn)
        assert client.post(f"/courses/{course.slug}/steps/{step.key}/done").status_code == 303
        assert _marking_queries(client, f"/courses/{course.slug}/steps/{step.key}/done") == (5, 3)
