"""``flask lms demo``: the demo world a newcomer signs in to."""

from __future__ import annotations

from sqlalchemy import func, select

from lms.accounts.models import Organisation, User
from lms.catalogue.models import Course
from lms.extensions import db
from lms.progress.models import CourseCompletion, Reflection, StepProgress


def _run(app, *args):
    return app.test_cli_runner().invoke(args=["lms", "demo", *args])


def test_demo_loads_people_organisations_and_progress(make_app):
    app = make_app()
    result = _run(app)
    assert result.exit_code == 0, result.output
    assert "demo-password" in result.output and "officer.khan" in result.output
    with app.app_context():
        names = set(db.session.scalars(select(Organisation.name)))
        assert {"Northfield NHS Trust", "Southbank Women's Centre", "HMP Eastwood"} <= names
        khan = db.session.scalar(select(User).where(User.username == "officer.khan"))
        assert khan.email is None and khan.memberships[0].organisation.name == "HMP Eastwood"
        assert db.session.scalar(select(User).where(User.email == "admin@example.org")).is_admin
        manager = db.session.scalar(select(User).where(User.email == "manager@example.org"))
        assert [(m.organisation.name, m.role) for m in manager.memberships] == [
            ("Northfield NHS Trust", "manager")
        ]

        foundations = db.session.scalar(
            select(Course).where(Course.slug == "trauma-informed-foundations")
        )
        learner = db.session.scalar(select(User).where(User.email == "learner@example.org"))
        learner2 = db.session.scalar(select(User).where(User.email == "learner2@example.org"))
        completed = set(
            db.session.scalars(
                select(CourseCompletion.user_id).where(CourseCompletion.course_id == foundations.id)
            )
        )
        assert learner2.id in completed and learner.id not in completed
        done = db.session.scalar(
            select(func.count(StepProgress.id)).where(
                StepProgress.user_id == learner.id, StepProgress.completed_at.is_not(None)
            )
        )
        assert done > 0
        assert (
            db.session.scalar(
                select(func.count(Reflection.id)).where(
                    Reflection.shared_with_cohort_id.is_not(None)
                )
            )
            >= 1
        )


def test_demo_twice_keeps_the_data(make_app):
    app = make_app()
    _run(app)
    with app.app_context():
        before = db.session.scalar(select(func.count(StepProgress.id)))
    result = _run(app)
    assert result.exit_code == 0, result.output
    assert "already loaded" in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count(StepProgress.id))) == before
        assert db.session.scalar(select(func.count(User.id))) == 8


def test_demo_refuses_a_database_with_real_people(make_app):
    app = make_app()
    with app.app_context():
        db.session.add(User(display_name="Real Person", email="real@example.net"))
        db.session.commit()
    result = _run(app)
    assert result.exit_code != 0
    assert "not demo accounts" in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count(User.id))) == 1
    assert _run(app, "--force").exit_code == 0


def test_demo_people_can_sign_in(make_app):
    app = make_app()
    _run(app)
    client = app.test_client()
    for name in ("learner@example.org", "officer.khan", "admin@example.org"):
        response = client.post("/sign-in", data={"name": name, "password": "demo-password"})
        assert response.status_code in (302, 303), name
        assert client.get("/").status_code == 200
        client.post("/sign-out")
