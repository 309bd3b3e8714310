"""Two workers, or twenty threads, recording the same thing at once leave one row."""

from __future__ import annotations

import threading

from sqlalchemy import func, select

from lms.extensions import db
from lms.progress import services as progress
from lms.progress.models import CourseCompletion, ModuleCompletion, StepProgress
from lms.testing.factories import Factories


def test_twenty_threads_completing_one_step(make_app):
    app = make_app()
    with app.app_context():
        f = Factories()
        course = f.course(modules=[[{"type": "text"}]])
        learner = f.user()
        f.enrol(learner, f.cohort(course))
        db.session.commit()
        user_id, step_id = learner.id, course.modules[0].steps[0].id

    fired: list[str] = []
    app.extensions["lms_plugins"].fire = lambda name, **kw: fired.append(name)
    errors: list[BaseException] = []
    barrier = threading.Barrier(20)

    def worker() -> None:
        try:
            with app.app_context():
                from lms.accounts.models import User
                from lms.catalogue.models import Step

                barrier.wait()
                user = db.session.get(User, user_id)
                step = db.session.get(Step, step_id)
                progress.mark_done(user, step)
        except BaseException as error:  # collected and reported below
            errors.append(error)

    threads = [threading.Thread(target=worker) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert not errors, errors
    with app.app_context():
        for model in (StepProgress, ModuleCompletion, CourseCompletion):
            assert db.session.scalar(select(func.count(model.id))) == 1, model
    assert sorted(fired) == ["lms_course_completed", "lms_module_completed", "lms_step_completed"]


def test_two_steps_of_a_module_completed_at_the_same_moment_complete_the_module(
    make_app, monkeypatch
):
    """Each learner's completions take turns: the second reads what the first committed.
    The first is held just before its commit until the second has finished or a second
    has passed; without turns (PostgreSQL reads only what was committed) both would read
    their own step alone and leave the module uncompleted."""
    from lms.progress import services

    app = make_app()
    with app.app_context():
        f = Factories()
        course = f.course(modules=[[{"type": "text"}, {"type": "text"}], [{"type": "text"}]])
        learner = f.user()
        f.enrol(learner, f.cohort(course))
        db.session.commit()
        user_id = learner.id
        first_step, second_step = (step.id for step in course.modules[0].steps)
        module_id = course.modules[0].id

    first_at_commit, second_finished = threading.Event(), threading.Event()
    holder: list[threading.Thread] = []
    real_commit = services.commit

    def commit() -> None:
        if threading.current_thread() is holder[0]:
            first_at_commit.set()
            second_finished.wait(1)
        real_commit()

    monkeypatch.setattr(services, "commit", commit)
    errors: list[BaseException] = []

    def mark(step_id: int, after: threading.Event | None, then: threading.Event | None) -> None:
        try:
            if after is not None:
                after.wait(10)
            with app.app_context():
                from lms.accounts.models import User
                from lms.catalogue.models import Step

                services.mark_done(db.session.get(User, user_id), db.session.get(Step, step_id))
        except BaseException as error:  # collected and reported below
            errors.append(error)
        finally:
            if then is not None:
                then.set()

    first = threading.Thread(target=mark, args=(first_step, None, None))
    second = threading.Thread(target=mark, args=(second_step, first_at_commit, second_finished))
    holder.append(first)
    first.start()
    second.start()
    first.join(30)
    second.join(30)

    assert not errors, errors
    with app.app_context():
        done = db.session.scalar(
            select(func.count(ModuleCompletion.id)).where(
                ModuleCompletion.user_id == user_id, ModuleCompletion.module_id == module_id
            )
        )
        assert done == 1
