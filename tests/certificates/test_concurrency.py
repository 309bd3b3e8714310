"""Twenty workers issuing the same certificate at once leave one; issuing for different
people at once gives each a different number. Runs on SQLite and on PostgreSQL."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from sqlalchemy import func, select

from lms.certificates import services as certificates
from lms.certificates.models import Certificate, CertificateName
from lms.extensions import db
from lms.progress import services as progress
from lms.testing.factories import Factories

THREADS = 20


def _run(app: Any, work: Callable[[], None]) -> list[BaseException]:
    errors: list[BaseException] = []
    barrier = threading.Barrier(THREADS)

    def worker() -> None:
        try:
            with app.app_context():
                barrier.wait()
                work()
        except BaseException as error:  # collected and reported by the test
            errors.append(error)

    threads = [threading.Thread(target=worker) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


def _name_confirmed(person: Any) -> None:
    """Earned and named, but not issued: what the workers then race to issue."""
    db.session.add(CertificateName(user_id=person.id, name=person.display_name, source="display"))
    db.session.commit()


def test_twenty_workers_issuing_one_certificate(make_app):
    app = make_app()
    with app.app_context():
        f = Factories()
        course = f.course(modules=[[{"type": "text"}]])
        learner = f.user()
        f.enrol(learner, f.cohort(course))
        db.session.commit()
        app.extensions["lms_plugins"].fire = lambda name, **kw: None
        progress.mark_done(learner, course.modules[0].steps[0])
        _name_confirmed(learner)
        assert db.session.scalar(select(func.count(Certificate.id))) == 0
        user_id = learner.id

    def issue() -> None:
        from lms.accounts.models import User

        user = db.session.get(User, user_id)
        assert user is not None
        certificates.issue_due(user)

    errors = _run(app, issue)
    assert not errors, errors
    with app.app_context():
        assert db.session.scalar(select(func.count(Certificate.id))) == 1


def test_twenty_people_issued_at_once_get_twenty_numbers(make_app):
    app = make_app()
    with app.app_context():
        f = Factories()
        course = f.course(modules=[[{"type": "text"}]])
        cohort = f.cohort(course)
        people = [f.user() for _ in range(THREADS)]
        for person in people:
            f.enrol(person, cohort)
        db.session.commit()
        app.extensions["lms_plugins"].fire = lambda name, **kw: None
        for person in people:
            progress.mark_done(person, course.modules[0].steps[0])
            _name_confirmed(person)
        ids = iter([p.id for p in people])
    lock = threading.Lock()

    def issue() -> None:
        from lms.accounts.models import User

        with lock:
            user_id = next(ids)
        user = db.session.get(User, user_id)
        assert user is not None
        certificates.issue_due(user)

    errors = _run(app, issue)
    assert not errors, errors
    with app.app_context():
        numbers = db.session.scalars(select(Certificate.number)).all()
        assert len(numbers) == THREADS == len(set(numbers))
        counters = sorted(int(n.split("-")[1]) for n in numbers)
        assert counters == list(range(1, THREADS + 1))
