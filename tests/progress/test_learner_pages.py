"""The learner's journey through the pages: notes, steps, quizzes, reflections, dashboard."""

from __future__ import annotations

from sqlalchemy import select

from lms.cohorts.models import Enrolment
from lms.db import utcnow
from lms.extensions import db
from lms.progress.models import CourseCompletion, Reflection, StepProgress

NOTE = {"topics": ["domestic abuse"], "intensity": "medium", "activity": "a case study"}
QUIZ = {
    "type": "quiz",
    "key": "check",
    "config": {
        "pass_mark": 1,
        "questions": [
            {
                "prompt": "Which comes first?",
                "choices": ["Safety", "Speed"],
                "answer": 1,
                "explanation": "Safety comes first.",
            }
        ],
    },
}


def _open_course(create_course, create_cohort, enrol, learner, **kw):
    course = create_course(**kw)
    cohort = create_cohort(course, enrolment_mode="open")
    enrol(learner, cohort)
    return course


def test_content_note_shows_before_the_step_and_continue_opens_it(
    client, sign_in, create_user, create_course, create_cohort, enrol
):
    learner = create_user()
    course = _open_course(
        create_course,
        create_cohort,
        enrol,
        learner,
        modules=[
            [
                {
                    "type": "text",
                    "key": "case",
                    "content_note": NOTE,
                    "body_html": "<p>The case study text.</p>",
                }
            ]
        ],
    )
    sign_in(learner)
    url = f"/courses/{course.slug}/steps/case"
    page = client.get(url).get_data(as_text=True)
    assert "domestic abuse" in page and "Come back later" in page and "Continue" in page
    assert "The case study text." not in page
    assert db.session.scalar(select(StepProgress)) is None  # reading a note records nothing

    response = client.post(f"{url}/continue")
    assert response.status_code == 303
    page = client.get(url).get_data(as_text=True)
    assert "The case study text." in page


def test_come_back_later_keeps_the_place_and_counts_nothing(
    client, sign_in, create_user, create_course, create_cohort, enrol
):
    learner = create_user()
    course = _open_course(
        create_course,
        create_cohort,
        enrol,
        learner,
        modules=[
            [
                {"type": "text", "key": "first"},
                {"type": "text", "key": "hard", "title": "A harder story", "content_note": NOTE},
            ]
        ],
    )
    sign_in(learner)
    client.post(f"/courses/{course.slug}/steps/first/done")
    response = client.post(f"/courses/{course.slug}/steps/hard/later", follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "Your place is saved" in page
    assert "A harder story" in page  # the dashboard offers to pick up there
    enrolment = db.session.scalar(select(Enrolment).where(Enrolment.user_id == learner.id))
    assert enrolment.resume_step.key == "hard"
    rows = db.session.scalars(select(StepProgress).where(StepProgress.user_id == learner.id))
    assert [r.step_id for r in rows] == [course.modules[0].steps[0].id]


def test_module_note_comes_first(client, sign_in, create_user, create_course, create_cohort, enrol):
    learner = create_user()
    course = _open_course(
        create_course,
        create_cohort,
        enrol,
        learner,
        modules=[[{"type": "text", "key": "a"}]],
        module_notes={0: NOTE},
    )
    sign_in(learner)
    page = client.get(f"/courses/{course.slug}/steps/a").get_data(as_text=True)
    assert "This module has a content note" in page
    client.post(f"/courses/{course.slug}/modules/module-1/continue", data={"next_step": "a"})
    page = client.get(f"/courses/{course.slug}/steps/a").get_data(as_text=True)
    assert "Mark as done" in page


def test_whole_course_through_the_pages(
    client, sign_in, create_user, create_course, create_cohort, enrol
):
    learner = create_user()
    course = _open_course(
        create_course,
        create_cohort,
        enrol,
        learner,
        modules=[[{"type": "text", "key": "read"}, {"type": "reflection", "key": "think"}, QUIZ]],
    )
    sign_in(learner)
    base = f"/courses/{course.slug}/steps"
    response = client.post(f"{base}/read/done")
    assert response.headers["Location"].endswith(f"{base}/think")

    response = client.post(f"{base}/think/reflection", data={"body": ""})
    assert response.status_code == 400
    assert "Your reflection is empty" in response.get_data(as_text=True)

    client.post(f"{base}/think/reflection", data={"body": "Slow down."})
    response = client.post(f"{base}/check/quiz", data={})
    assert response.status_code == 400
    assert "Please choose an answer for question 1" in response.get_data(as_text=True)

    response = client.post(f"{base}/check/quiz", data={"q0": "2"}, follow_redirects=True)
    assert "The answer is: Safety" in response.get_data(as_text=True)
    assert db.session.scalar(select(CourseCompletion)) is None

    response = client.post(f"{base}/check/quiz", data={"q0": "1"}, follow_redirects=True)
    assert "completed the whole course" in response.get_data(as_text=True)
    page = client.get("/").get_data(as_text=True)
    assert "Completed" in page


def test_reflection_typed_text_is_kept_when_refused(
    client, sign_in, create_user, create_course, create_cohort, enrol
):
    learner = create_user()
    course = _open_course(
        create_course,
        create_cohort,
        enrol,
        learner,
        modules=[[{"type": "reflection", "key": "think"}]],
    )
    sign_in(learner)
    long_text = "words " * 4000
    response = client.post(
        f"/courses/{course.slug}/steps/think/reflection", data={"body": long_text}
    )
    assert response.status_code == 400
    assert long_text.strip()[:100] in response.get_data(as_text=True)
    assert db.session.scalar(select(Reflection)) is None


def test_shared_reflection_reaches_facilitator_only(client, sign_in, world):
    from tests.conftest import REFLECTION_TEXT

    cohort_page = f"/facilitate/cohorts/{world.cohort.id}"
    sign_in(world.facilitator)
    assert REFLECTION_TEXT not in client.get(cohort_page).get_data(as_text=True)

    sign_in(world.learner)
    client.post(f"/reflections/{world.reflection.id}/sharing", data={"share": "yes"})
    sign_in(world.facilitator)
    assert REFLECTION_TEXT in client.get(cohort_page).get_data(as_text=True)
    sign_in(world.manager)
    assert REFLECTION_TEXT not in client.get(f"/organisations/{world.org.id}").get_data(
        as_text=True
    )


def test_manager_sees_own_organisation_only(client, sign_in, world):
    sign_in(world.manager)
    page = client.get(f"/organisations/{world.org.id}").get_data(as_text=True)
    assert "Lena Learner" in page and "Otto Other" not in page
    assert client.get(f"/organisations/{world.other_org.id}").status_code == 403


def test_facilitator_sees_learners_progress(client, sign_in, world):
    sign_in(world.facilitator)
    page = client.get(f"/facilitate/cohorts/{world.cohort.id}").get_data(as_text=True)
    assert "Lena Learner" in page and "2 of 3" in page


def test_marking_done_goes_on_to_the_next_live_step_then_back_to_the_outline(
    client, sign_in, create_user, create_course, create_cohort, enrol
):
    learner = create_user()
    course = _open_course(
        create_course,
        create_cohort,
        enrol,
        learner,
        modules=[
            [{"type": "text", "key": "a"}, {"type": "text", "key": "gone"}],
            [{"type": "text", "key": "b"}],
        ],
    )
    gone = course.modules[0].steps[1]
    gone.retired_at = utcnow()
    db.session.commit()
    sign_in(learner)
    base = f"/courses/{course.slug}/steps"
    response = client.post(f"{base}/a/done")
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"{base}/b")  # over the retired one
    response = client.post(f"{base}/b/done")
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/courses/{course.slug}")
