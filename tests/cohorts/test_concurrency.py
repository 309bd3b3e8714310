"""Places and confirms under concurrent requests: never more people than places, and a
bulk upload applied once however many confirms arrive together."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from typing import Any

from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from lms.cohorts import services as cohorts
from lms.cohorts.models import BulkEnrolmentUpload, Cohort, Enrolment
from lms.errors import Conflict
from lms.extensions import db
from lms.testing.factories import Factories
from lms.testing.fixtures import on_postgres


def run_together(app, count: int, work: Callable[[int], None]) -> list[BaseException]:
    errors: list[BaseException] = []
    barrier = threading.Barrier(count)

    def worker(index: int) -> None:
        try:
            with app.app_context():
                barrier.wait()
                work(index)
        except BaseException as error:  # collected for the test to read
            errors.append(error)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


def test_twelve_people_joining_five_places_at_once(make_app):
    app = make_app()
    app.extensions["lms_plugins"].fire = lambda name, **kw: None
    with app.app_context():
        f = Factories()
        cohort = f.cohort(enrolment_mode="open", capacity=5)
        people = [f.user().id for _ in range(12)]
        db.session.commit()
        cohort_id = cohort.id

    def join(index: int) -> None:
        from lms.accounts.models import User

        user = db.session.get(User, people[index])
        cohorts.join_cohort(user, db.session.get(Cohort, cohort_id))

    errors = run_together(app, 12, join)
    assert len(errors) == 7 and all(isinstance(e, Conflict) for e in errors), errors
    assert all("is full" in e.message for e in errors if isinstance(e, Conflict))
    with app.app_context():
        taken = db.session.scalar(
            select(func.count(Enrolment.id)).where(Enrolment.cohort_id == cohort_id)
        )
        assert taken == 5


def test_five_confirms_of_one_upload_at_once_apply_it_once(make_app):
    app = make_app()
    app.extensions["lms_plugins"].fire = lambda name, **kw: None
    with app.app_context():
        f = Factories()
        org = f.organisation("Northfield Trust")
        facilitator = f.user()
        cohort = f.cohort(facilitators=[facilitator])
        db.session.commit()
        data = b"name,username,organisation\n" + b"".join(
            f"P{i},person.{i},Northfield Trust\n".encode() for i in range(20)
        )
        upload = cohorts.preview_upload(facilitator, cohort, filename="a.csv", data=data)
        upload_id, facilitator_id, cohort_id = upload.id, facilitator.id, cohort.id
        assert org.id

    results = []

    def confirm(_index: int) -> None:
        from lms.accounts.models import User

        actor = db.session.get(User, facilitator_id)
        results.append(cohorts.apply_upload(actor, db.session.get(BulkEnrolmentUpload, upload_id)))

    errors = run_together(app, 5, confirm)
    assert not errors, errors
    assert sorted(r.already_applied for r in results) == [False, True, True, True, True]
    assert sum(len(r.codes) for r in results) == 20
    with app.app_context():
        taken = db.session.scalar(
            select(func.count(Enrolment.id)).where(Enrolment.cohort_id == cohort_id)
        )
        assert taken == 20


def test_two_uploads_of_the_same_people_to_two_cohorts_at_once(make_app):
    """Each upload enrols people already on the LMS; the two list them in opposite orders.
    Both apply in full: on PostgreSQL their row locks on the same people are taken in the
    same order, so neither transaction waits for the other in a circle."""
    app = make_app()
    app.extensions["lms_plugins"].fire = lambda name, **kw: None
    with app.app_context():
        f = Factories()
        org = f.organisation("Northfield Trust")
        facilitator = f.user()
        first, second = f.cohort(facilitators=[facilitator]), f.cohort(facilitators=[facilitator])
        names = [f"person.{i}" for i in range(200)]
        for name in names:
            f.user(username=name, email=None, organisation=org)
        db.session.commit()

        def csv(order: list[str]) -> bytes:
            lines = (f"{n.title()},{n},Northfield Trust\n" for n in order)
            return b"name,username,organisation\n" + "".join(lines).encode()

        uploads = [
            cohorts.preview_upload(facilitator, cohort, filename="a.csv", data=csv(order)).id
            for cohort, order in ((first, names), (second, names[::-1]))
        ]
        facilitator_id, cohort_ids = facilitator.id, (first.id, second.id)

    results = []
    # On PostgreSQL the two send their rows at the same moment when nothing holds one back:
    # each waits up to a second for the other before the flush that writes the enrolments
    # (and runs the triggers that note the change on each person). SQLite's writers take
    # turns, so there they never meet.
    meet = threading.Barrier(2, timeout=1)

    def together(session: Any, _context: Any, _instances: Any) -> None:
        if on_postgres() and any(isinstance(o, Enrolment) for o in session.new):
            # a broken barrier: the other is waiting for this one's locks, so go on alone
            with contextlib.suppress(threading.BrokenBarrierError):
                meet.wait()

    event.listen(Session, "before_flush", together)

    def confirm(index: int) -> None:
        from lms.accounts.models import User

        actor = db.session.get(User, facilitator_id)
        upload = db.session.get(BulkEnrolmentUpload, uploads[index])
        results.append(cohorts.apply_upload(actor, upload))

    try:
        errors = run_together(app, 2, confirm)
    finally:
        event.remove(Session, "before_flush", together)
    assert not errors, errors
    assert sorted(r.enrolled for r in results) == [200, 200]
    with app.app_context():
        for cohort_id in cohort_ids:
            taken = db.session.scalar(
                select(func.count(Enrolment.id)).where(Enrolment.cohort_id == cohort_id)
            )
            assert taken == 200
