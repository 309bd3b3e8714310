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
