"""The completion engine: rules per step, module and course; immediate and idempotent."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from lms.cohorts.models import Enrolment
from lms.db import utcnow
from lms.errors import InvalidInput
from lms.extensions import db
from lms.progress import services as progress
from lms.progress.completion import recompute_everything
from lms.progress.models import CourseCompletion, ModuleCompletion, StepProgress

TEXT = {"type": "text"}


def _count(model, **where) -> int:
    query = select(func.count(model.id))
    for key, value in where.items():
        query = query.where(getattr(model, key) == value)
    return db.session.scalar(query)


@pytest.fixture
def learner_on(create_user, create_cohort, enrol):
    def _make(course):
        learner = create_user()
        cohort = create_cohort(course)
        enrol(learner, cohort)
        return learner

    return _make


def steps_of(course):
    return [s for m in course.modules for s in m.steps]


def test_marking_every_step_done_completes_module_and_course(create_course, learner_on):
    course = create_course(modules=[[TEXT, TEXT], [TEXT]])
    learner = learner_on(course)
    first, second, third = steps_of(course)

    outcome = progress.mark_done(learner, first)
    assert outcome.steps == [first.id] and not outcome.modules and not outcome.course

    outcome = progress.mark_done(learner, second)
    assert outcome.modules == [first.module_id] and not outcome.course

    outcome = progress.mark_done(learner, third)
    assert outcome.course
    assert _count(CourseCompletion, user_id=learner.id, course_id=course.id) == 1
    enrolment = db.session.scalar(select(Enrolment).where(Enrolment.user_id == learner.id))
    assert enrolment.status == "completed" and enrolment.completed_at is not None


def test_completing_a_step_twice_leaves_one_row(create_course, learner_on):
    course = create_course(modules=[[TEXT, TEXT]])
    learner = learner_on(course)
    step = steps_of(course)[0]
    progress.mark_done(learner, step)
    again = progress.mark_done(learner, step)
    assert again.steps == []
    assert _count(StepProgress, user_id=learner.id, step_id=step.id) == 1


def test_viewing_only_does_not_complete_a_marked_done_step(create_course, learner_on):
    course = create_course(modules=[[TEXT]])
    learner = learner_on(course)
    step = steps_of(course)[0]
    progress.open_step(learner, step, None)
    row = db.session.scalar(select(StepProgress).where(StepProgress.user_id == learner.id))
    assert row.viewed_at is not None and row.completed_at is None


def test_viewed_rule_completes_on_opening(create_course, learner_on):
    course = create_course(modules=[[{"type": "text", "complete_when": "viewed"}]])
    learner = learner_on(course)
    progress.open_step(learner, steps_of(course)[0], None)
    assert _count(CourseCompletion, user_id=learner.id) == 1


def test_quiz_completes_only_when_passed(create_course, learner_on):
    quiz = {
        "type": "quiz",
        "config": {
            "pass_mark": 2,
            "questions": [
                {"prompt": "One?", "choices": ["a", "b"], "answer": 1},
                {"prompt": "Two?", "choices": ["a", "b", "c"], "answer": 3},
            ],
        },
    }
    course = create_course(modules=[[quiz]])
    learner = learner_on(course)
    step = steps_of(course)[0]

    result = progress.submit_quiz(learner, step, {0: 1, 1: 1})
    assert result.attempt.score == 1 and not result.attempt.passed
    assert _count(CourseCompletion, user_id=learner.id) == 0

    result = progress.submit_quiz(learner, step, {0: 1, 1: 3})
    assert result.attempt.passed and result.outcome.course


@pytest.mark.parametrize(
    ("answers", "message"),
    [
        ({0: None, 1: 3}, "question 1"),
        ({0: None, 1: None}, "questions 1, 2"),
        ({0: 1, 1: 7}, "no choice 7"),
    ],
)
def test_quiz_with_bad_answers_is_refused_and_records_nothing(
    create_course, learner_on, answers, message
):
    quiz = {
        "type": "quiz",
        "config": {
            "pass_mark": 1,
            "questions": [
                {"prompt": "One?", "choices": ["a", "b"], "answer": 1},
                {"prompt": "Two?", "choices": ["a", "b", "c"], "answer": 3},
            ],
        },
    }
    course = create_course(modules=[[quiz]])
    learner = learner_on(course)
    with pytest.raises(InvalidInput, match=message):
        progress.submit_quiz(learner, steps_of(course)[0], answers)
    assert _count(StepProgress, user_id=learner.id) == 0


def test_reflection_completes_when_saved_and_stays_private(create_course, learner_on):
    course = create_course(modules=[[{"type": "reflection"}]])
    learner = learner_on(course)
    step = steps_of(course)[0]
    outcome = progress.save_reflection(learner, step, "What I noticed today.", share=False)
    assert outcome.course


@pytest.mark.parametrize("body", ["", "   ", "x" * 20_001])
def test_bad_reflection_is_refused(create_course, learner_on, body):
    course = create_course(modules=[[{"type": "reflection"}]])
    learner = learner_on(course)
    with pytest.raises(InvalidInput):
        progress.save_reflection(learner, steps_of(course)[0], body, share=False)
    assert _count(StepProgress, user_id=learner.id) == 0


def test_any_n_rule_for_modules_and_course(create_course, learner_on):
    course = create_course(
        modules=[[TEXT, TEXT, TEXT], [TEXT]], completion_rule={"rule": "any", "n": 1}
    )
    module = course.modules[0]
    module.completion_rule = {"rule": "any", "n": 2}
    db.session.flush()
    learner = learner_on(course)
    steps = steps_of(course)
    progress.mark_done(learner, steps[0])
    assert _count(ModuleCompletion, user_id=learner.id) == 0
    outcome = progress.mark_done(learner, steps[1])
    assert outcome.modules == [module.id]
    assert outcome.course  # any 1 module of 2


def test_earned_completion_stays_when_a_step_is_added(create_course, learner_on):
    from lms.catalogue.models import Step

    course = create_course(modules=[[TEXT]])
    learner = learner_on(course)
    step = steps_of(course)[0]
    progress.mark_done(learner, step)
    db.session.add(
        Step(
            course_id=course.id,
            module_id=step.module_id,
            key="new-step",
            position=5,
            type="text",
            title="New",
            complete_when="marked_done",
        )
    )
    db.session.flush()
    recompute_everything()
    assert _count(ModuleCompletion, user_id=learner.id) == 1
    assert _count(CourseCompletion, user_id=learner.id) == 1


def test_recompute_gives_the_same_answer(create_course, learner_on):
    course = create_course(modules=[[TEXT, TEXT], [TEXT]])
    learner = learner_on(course)
    for step in steps_of(course)[:2]:
        progress.mark_done(learner, step)
    before = (
        _count(StepProgress, user_id=learner.id),
        _count(ModuleCompletion, user_id=learner.id),
        _count(CourseCompletion, user_id=learner.id),
    )
    # Wipe the derived rows, keep what the learner did, and re-derive.
    db.session.execute(ModuleCompletion.__table__.delete())
    db.session.execute(StepProgress.__table__.update().values(completed_at=None))
    totals = recompute_everything()
    after = (
        _count(StepProgress, user_id=learner.id),
        _count(ModuleCompletion, user_id=learner.id),
        _count(CourseCompletion, user_id=learner.id),
    )
    assert after == before
    assert totals["steps"] == 2 and totals["modules"] == 1


def test_recompute_cli(app, db, create_course, learner_on):
    course = create_course(modules=[[TEXT]])
    learner = learner_on(course)
    progress.mark_done(learner, steps_of(course)[0])
    result = app.test_cli_runner().invoke(args=["lms", "completion", "recompute"])
    assert result.exit_code == 0, result.output
    assert "learner-course pairs" in result.output


def test_quiz_step_cannot_be_marked_done(create_course, learner_on):
    quiz = {
        "type": "quiz",
        "config": {
            "pass_mark": 1,
            "questions": [{"prompt": "One?", "choices": ["a", "b"], "answer": 1}],
        },
    }
    course = create_course(modules=[[quiz]])
    learner = learner_on(course)
    with pytest.raises(InvalidInput, match="passing its quiz"):
        progress.mark_done(learner, steps_of(course)[0])


def test_events_fire_after_commit_once(app, create_course, learner_on, monkeypatch):
    course = create_course(modules=[[TEXT]])
    learner = learner_on(course)
    fired: list[str] = []
    host = app.extensions["lms_plugins"]
    monkeypatch.setattr(host, "fire", lambda name, **kw: fired.append(name))
    step = steps_of(course)[0]
    progress.mark_done(learner, step)
    progress.mark_done(learner, step)
    assert fired == ["lms_step_completed", "lms_module_completed", "lms_course_completed"]


def test_a_step_marked_done_after_completion_keeps_its_first_stamps(create_course, learner_on):
    course = create_course(modules=[[{"type": "text", "complete_when": "viewed"}, TEXT]])
    learner = learner_on(course)
    step = steps_of(course)[0]
    progress.open_step(learner, step, None)  # completes it: its rule is "viewed"
    row = db.session.scalar(select(StepProgress).where(StepProgress.user_id == learner.id))
    viewed, completed = row.viewed_at, row.completed_at
    assert viewed is not None and completed is not None and row.marked_done_at is None

    assert progress.mark_done(learner, step).steps == []
    db.session.refresh(row)
    assert (row.viewed_at, row.completed_at) == (viewed, completed)
    assert row.marked_done_at is not None


def test_an_import_committed_meanwhile_is_what_the_write_decides_on(create_course, learner_on):
    from sqlalchemy import text

    from lms.catalogue import structure

    course = create_course(modules=[[TEXT, TEXT]])
    learner = learner_on(course)
    first, second = steps_of(course)
    assert len(structure.of(course).modules[0].step_ids) == 2  # as this worker read it
    # Another process's import retires the second step and raises the version, after this
    # request read the course.
    connection = db.session.connection()
    connection.execute(
        text("UPDATE steps SET retired_at = CURRENT_TIMESTAMP WHERE id = :id"), {"id": second.id}
    )
    connection.execute(
        text("UPDATE courses SET content_version = content_version + 1 WHERE id = :id"),
        {"id": course.id},
    )

    outcome = progress.mark_done(learner, first)

    assert outcome.modules == [first.module_id] and outcome.course
    completion = db.session.scalar(
        select(CourseCompletion).where(CourseCompletion.user_id == learner.id)
    )
    assert completion.content_version == 2


def test_other_modules_are_brought_up_to_date_too(create_course, learner_on):
    from sqlalchemy import update

    from lms.catalogue.models import Step

    course = create_course(modules=[[TEXT, TEXT], [TEXT, TEXT]])
    learner = learner_on(course)
    a, b, c, d = steps_of(course)
    progress.mark_done(learner, c)
    # The second module's last step leaves the course: that module is now complete, and
    # the next step completed anywhere in the course says so.
    db.session.execute(update(Step).where(Step.id == d.id).values(retired_at=utcnow()))
    outcome = progress.mark_done(learner, a)
    assert outcome.modules == [c.module_id] and not outcome.course
    assert progress.mark_done(learner, b).course


def test_a_plugin_rule_is_asked_as_before(app, create_course, learner_on, monkeypatch):
    from lms.catalogue.models import Module
    from lms.plugins.types import CompletionRule

    asked = []

    def check(ctx):
        asked.append(ctx)
        return len(ctx.done_children) >= 1

    rules = app.extensions["lms_plugins"].registries.completion_rules
    monkeypatch.setitem(
        rules,
        "probe",
        ("probe-plugin", CompletionRule("probe", "Probe", frozenset({"module"}), check)),
    )
    course = create_course(modules=[[TEXT, TEXT]])
    module = course.modules[0]
    module.completion_rule = {"rule": "probe", "keys": ["a", "b"], "limits": {"n": 1}}
    db.session.flush()
    learner = learner_on(course)
    first, second = steps_of(course)

    outcome = progress.mark_done(learner, first)

    assert outcome.modules == [module.id]
    [ctx] = asked
    assert ctx.level == "module" and ctx.user_id == learner.id
    assert isinstance(ctx.target, Module) and ctx.target.id == module.id
    assert ctx.params == {"keys": ["a", "b"], "limits": {"n": 1}}
    assert type(ctx.params["keys"]) is list and type(ctx.params["limits"]) is dict
    assert ctx.done_children == frozenset({first.id})
    assert ctx.children == (first.id, second.id)


def test_events_from_a_request_carry_the_rows_themselves(
    app, client, sign_in, create_course, learner_on, monkeypatch
):
    from lms.accounts.models import User
    from lms.catalogue.models import Course, Module, Step

    course = create_course(modules=[[TEXT]])
    learner = learner_on(course)
    step = steps_of(course)[0]
    url = f"/courses/{course.slug}/steps/{step.key}/done"
    fired: list[tuple[str, dict]] = []
    host = app.extensions["lms_plugins"]
    monkeypatch.setattr(host, "fire", lambda name, **kw: fired.append((name, kw)))
    sign_in(learner)

    assert client.post(url).status_code == 303

    assert [name for name, _ in fired] == [
        "lms_step_completed",
        "lms_module_completed",
        "lms_course_completed",
    ]
    expected = {"user": User, "step": Step, "module": Module, "course": Course}
    for _name, kwargs in fired:
        for key, value in kwargs.items():
            assert type(value) is expected[key], (key, type(value))  # not a request proxy
        assert kwargs["user"].id == learner.id
