"""Places and confirms under concurrent requests: never more people than places, and a
bulk upload applied once however many confirms arrive together."""

from __future__ import annotations

import threading
from collections.abc import Callable

from sqlalchemy import func, select

from lms.cohorts import services as cohorts
from lms.cohorts.models import BulkEnrolmentUpload, Cohort, Enrolment
from lms.errors import Conflict
from lms.extensions import db
from lms.testing.factories import Factories


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
