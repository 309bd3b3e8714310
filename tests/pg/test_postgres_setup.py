"""What the PostgreSQL run relies on: every app on a database of its own that is dropped
afterwards, no SQLite-only statements on PostgreSQL, and idempotent inserts that tell the
truth. Runs only when ``LMS_TEST_DATABASE_URL`` is a PostgreSQL URL."""

from __future__ import annotations

import os
from typing import Any

import pytest
from sqlalchemy import create_engine, event, func, inspect, select, text
from sqlalchemy.pool import NullPool

from lms.db import begin_write, insert_ignore, set_write_intent
from lms.extensions import db
from lms.testing import postgres
from lms.testing.fixtures import build_app, on_postgres, release_app, reset_postgres

pytestmark = pytest.mark.skipif(
    not on_postgres(), reason="needs LMS_TEST_DATABASE_URL=postgresql+psycopg://..."
)


def _databases() -> set[str]:
    engine = create_engine(os.environ["LMS_TEST_DATABASE_URL"], poolclass=NullPool)
    try:
        with engine.connect() as conn:
            return set(conn.scalars(text("SELECT datname FROM pg_database")))
    finally:
        engine.dispose()


def _name(url: str) -> str:
    from sqlalchemy.engine import make_url

    name = make_url(url).database
    assert name
    return name


def test_every_app_has_a_database_of_its_own(app, make_app):
    server = _name(os.environ["LMS_TEST_DATABASE_URL"])
    session_db = _name(app.config["SQLALCHEMY_DATABASE_URI"])
    first = _name(make_app().config["SQLALCHEMY_DATABASE_URI"])
    second = _name(make_app().config["SQLALCHEMY_DATABASE_URI"])
    assert len({server, session_db, first, second}) == 4
    assert {session_db, first, second} <= _databases()
    with app.app_context():  # the session app's schema is still there
        assert "users" in inspect(db.engine).get_table_names()


def test_a_built_app_database_is_dropped_on_release(tmp_path):
    app = build_app(tmp_path)
    name = _name(app.config["SQLALCHEMY_DATABASE_URI"])
    assert name in _databases()
    release_app(app)
    assert name not in _databases()


def test_a_failed_build_leaves_no_database(tmp_path, monkeypatch):
    created: list[str] = []
    real_create = postgres.create_database

    def spy(*args: Any, **kwargs: Any) -> str:
        created.append(real_create(*args, **kwargs))
        return created[-1]

    monkeypatch.setattr(postgres, "create_database", spy)
    with pytest.raises(Exception, match="feedbak"):
        build_app(tmp_path, PLUGINS=["feedbak"])
    assert len(created) == 1
    assert _name(created[0]) not in _databases()


def test_reset_refuses_a_database_the_tests_did_not_create(tmp_path):
    server = os.environ["LMS_TEST_DATABASE_URL"]
    foreign = postgres.create_database(server, prefix="lms_foreign_")
    try:
        app = build_app(tmp_path, SQLALCHEMY_DATABASE_URI=foreign, SKIP_MIGRATIONS=True)
        with app.app_context(), pytest.raises(RuntimeError, match="did not create"):
            reset_postgres()
        release_app(app)
        assert _name(foreign) in _databases()  # not ours, so left alone
    finally:
        postgres.drop_database(foreign, admin_url=server)


def test_no_sqlite_statements_on_postgres(make_app):
    app = make_app()
    seen: list[str] = []
    with app.app_context():
        db.engine.dispose()  # the next statement opens a new connection ("connect" event)
        event.listen(
            db.engine, "before_cursor_execute", lambda _c, _cur, sql, *_a: seen.append(sql)
        )
        db.session.execute(text("SELECT 1"))
        begin_write()
        db.session.execute(text("SELECT 2"))
        db.session.commit()
        set_write_intent(False)
    assert seen == ["SELECT 1", "SELECT 2"]


def test_insert_ignore_says_whether_it_inserted(db, create_user, create_course, create_cohort):
    from lms.cohorts.models import Enrolment

    user, cohort = create_user(), create_cohort(create_course())
    values = {"user_id": user.id, "cohort_id": cohort.id, "status": "active", "source": "self"}
    assert insert_ignore(Enrolment, values, ["user_id", "cohort_id"]) is True
    assert insert_ignore(Enrolment, values, ["user_id", "cohort_id"]) is False
    count = select(func.count(Enrolment.id)).where(Enrolment.user_id == user.id)
    assert db.session.scalar(count) == 1


def test_reset_empties_a_database_the_tests_created(make_app):
    app = make_app()
    with app.app_context():
        assert "users" in inspect(db.engine).get_table_names()
        reset_postgres()
        assert inspect(db.engine).get_table_names() == []
