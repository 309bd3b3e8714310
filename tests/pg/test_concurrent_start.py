"""Twenty threads starting the same open course for the same learner at once leave one
enrolment in one open cohort, and announce it once. Runs on SQLite and on PostgreSQL."""

from __future__ import annotations

import threading

from sqlalchemy import func, select

from lms.cohorts import services as cohorts
from lms.cohorts.models import Cohort, Enrolment
from lms.extensions import db
from lms.testing.factories import Factories

THREADS = 20


def test_twenty_threads_starting_one_open_course(make_app):
    app = make_app()
    with app.app_context():
        f = Factories()
        course = f.course(enrolment="open", modules=[[{"type": "text"}]])
        learner = f.user()
        db.session.commit()
        user_id, course_id = learner.id, course.id
        assert db.session.scalar(select(func.count(Cohort.id))) == 0

    fired: list[str] = []
    app.extensions["lms_plugins"].fire = lambda name, **kw: fired.append(name)
    errors: list[BaseException] = []
    enrolment_ids: list[int] = []
    barrier = threading.Barrier(THREADS)

    def worker() -> None:
        try:
            with app.app_context():
                from lms.accounts.models import User
                from lms.catalogue.models import Course

                barrier.wait()
                user = db.session.get(User, user_id)
                course = db.session.get(Course, course_id)
                assert user is not None and course is not None
                enrolment_ids.append(cohorts.start_course(user, course).id)
        except BaseException as error:  # collected and reported below
            errors.append(error)

    threads = [threading.Thread(target=worker) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert not errors, errors
    with app.app_context():
        enrolments = db.session.scalars(select(Enrolment).where(Enrolment.user_id == user_id))
        assert [e.id for e in enrolments] == [enrolment_ids[0]]
        open_cohorts = db.session.scalar(
            select(func.count(Cohort.id)).where(
                Cohort.course_id == course_id, Cohort.enrolment_mode == "open"
            )
        )
        assert open_cohorts == 1
    assert len(enrolment_ids) == THREADS and set(enrolment_ids) == {enrolment_ids[0]}
    assert fired == ["lms_enrolled"]
