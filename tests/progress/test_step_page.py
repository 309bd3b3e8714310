"""The step page reads the learner's state on the course in one statement, and stays right
when opening the step writes."""

from __future__ import annotations

from sqlalchemy import select

from lms.cohorts.models import Enrolment
from lms.extensions import db
from lms.progress.models import StepProgress
from lms.testing.fixtures import count_queries

NOTE = {"topics": ["grief"], "intensity": "low", "activity": "a short story"}
WRITES = ("INSERT", "UPDATE", "DELETE")


def _enrolled(create_user, create_course, create_cohort, enrol, **kw):
    learner = create_user()
    course = create_course(**kw)
    enrol(learner, create_cohort(course, enrolment_mode="open"))
    return learner, course


def _place(learner) -> int | None:
    db.session.expire_all()
    enrolment = db.session.scalar(select(Enrolment).where(Enrolment.user_id == learner.id))
    return enrolment.resume_step_id


def test_acknowledged_notes_and_progress_are_one_statement(
    client, sign_in, create_user, create_course, create_cohort, enrol
):
    learner, course = _enrolled(
        create_user,
        create_course,
        create_cohort,
        enrol,
        modules=[
            [
                {"type": "text", "key": "a"},
                {"type": "text", "key": "b", "content_note": NOTE},
            ]
        ],
        module_notes={0: NOTE},
    )
    sign_in(learner)
    url = f"/courses/{course.slug}/steps/b"
    client.post(f"/courses/{course.slug}/steps/a/done")
    assert "This module has a content note" in client.get(url).get_data(as_text=True)
    client.post(f"/courses/{course.slug}/modules/module-1/continue", data={"next_step": "b"})
    assert "grief" in client.get(url).get_data(as_text=True)  # the step's own note
    client.post(f"{url}/continue")
    client.get(url)  # the first visit records the view

    with count_queries() as statements:
        page = client.get(url).get_data(as_text=True)
    assert "Mark as done" in page and "1 of 2 steps of the course done" in page
    # The person, the step with its module, course and the learner's enrolment on it, the
    # learner's state.
    assert len(statements) == 3, statements
    assert not [s for s in statements if s.lstrip().upper().startswith(WRITES)]


def test_someone_elses_acknowledgement_does_not_count(
    client, sign_in, create_user, create_course, create_cohort, enrol
):
    learner, course = _enrolled(
        create_user,
        create_course,
        create_cohort,
        enrol,
        modules=[[{"type": "text", "key": "a", "content_note": NOTE}]],
    )
    other = create_user()
    enrol(other, create_cohort(course, enrolment_mode="open"))
    url = f"/courses/{course.slug}/steps/a"
    sign_in(other)
    client.post(f"{url}/continue")
    assert "Mark as done" in client.get(url).get_data(as_text=True)
    sign_in(learner)
    page = client.get(url).get_data(as_text=True)
    assert "grief" in page and "Mark as done" not in page


def test_first_visit_of_a_step_done_by_viewing_shows_it_done(
    client, sign_in, create_user, create_course, create_cohort, enrol
):
    learner, course = _enrolled(
        create_user,
        create_course,
        create_cohort,
        enrol,
        modules=[[{"type": "text", "key": "look", "complete_when": "viewed"}, {"type": "text"}]],
    )
    sign_in(learner)
    page = client.get(f"/courses/{course.slug}/steps/look").get_data(as_text=True)
    assert '<span class="tag tag-done">Done</span>' in page
    assert "1 of 2 steps of the course done" in page
    row = db.session.scalar(select(StepProgress).where(StepProgress.user_id == learner.id))
    assert row is not None and row.viewed_at is not None and row.completed_at is not None


def test_opening_steps_keeps_the_place_and_writes_only_when_something_changes(
    client, sign_in, create_user, create_course, create_cohort, enrol
):
    learner, course = _enrolled(
        create_user,
        create_course,
        create_cohort,
        enrol,
        modules=[[{"type": "text", "key": "a"}, {"type": "text", "key": "b"}]],
    )
    a, b = course.modules[0].steps
    sign_in(learner)
    base = f"/courses/{course.slug}/steps"
    client.get(f"{base}/a")
    assert _place(learner) == a.id
    with count_queries() as statements:
        client.get(f"{base}/a")
    assert not [s for s in statements if s.lstrip().upper().startswith(WRITES)]

    client.get(f"{base}/b")
    assert _place(learner) == b.id
    # Back to a step already seen: nothing new about the step, but it is their place again.
    with count_queries() as statements:
        client.get(f"{base}/a")
    assert [s for s in statements if s.lstrip().upper().startswith(WRITES)]
    assert _place(learner) == a.id
    viewed = db.session.scalars(
        select(StepProgress.step_id).where(
            StepProgress.user_id == learner.id, StepProgress.viewed_at.is_not(None)
        )
    ).all()
    assert sorted(viewed) == sorted([a.id, b.id])


def test_the_page_links_the_steps_either_side_across_modules_and_counts_progress(
    client, sign_in, create_user, create_course, create_cohort, enrol
):
    learner, course = _enrolled(
        create_user,
        create_course,
        create_cohort,
        enrol,
        modules=[
            [{"type": "text", "key": "a", "title": "Alpha"}],
            [
                {"type": "text", "key": "b", "title": "Bravo"},
                {"type": "text", "key": "c", "title": "Charlie"},
            ],
        ],
    )
    sign_in(learner)
    base = f"/courses/{course.slug}/steps"
    client.post(f"{base}/a/done")

    page = client.get(f"{base}/b").get_data(as_text=True)
    assert f'<a href="{base}/a" rel="prev">← Alpha</a>' in page
    assert f'<a href="{base}/c" rel="next">Charlie →</a>' in page
    assert "1 of 3 steps of the course done" in page
    assert "tag-done" not in page and "Mark as done" in page

    page = client.get(f"{base}/a").get_data(as_text=True)
    assert 'rel="prev"' not in page and '<span class="tag tag-done">Done</span>' in page
    assert "Mark as done" not in page

    page = client.get(f"{base}/c").get_data(as_text=True)
    assert 'rel="next"' not in page and f'href="/courses/{course.slug}">Back to the course' in page


def test_someone_not_on_the_course_sees_no_progress(
    client, sign_in, create_user, create_course, create_cohort, enrol
):
    learner, course = _enrolled(
        create_user,
        create_course,
        create_cohort,
        enrol,
        modules=[[{"type": "text", "key": "a"}, {"type": "text", "key": "b"}]],
    )
    sign_in(learner)
    client.post(f"/courses/{course.slug}/steps/a/done")
    admin = create_user(is_admin=True)
    sign_in(admin)
    page = client.get(f"/courses/{course.slug}/steps/a").get_data(as_text=True)
    assert "0 of 2 steps of the course done" in page and "tag-done" not in page
    assert "without being on the course, so nothing is recorded" in page
    assert db.session.scalar(select(StepProgress).where(StepProgress.user_id == admin.id)) is None
