"""pytest fixtures shared by the core's and the plugins' tests (``-p lms.testing.fixtures``).

``app`` is built once per session on a database made by the migrations; every test runs in
a transaction that is rolled back afterwards, so tests never see each other's rows.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from flask import Flask, g, has_app_context
from flask.testing import FlaskClient
from flask_sqlalchemy.session import Session as _FlaskSession
from sqlalchemy import event

from lms import create_app
from lms.catalogue import structure
from lms.db import set_write_intent
from lms.extensions import db as _db
from lms.extensions import limiter
from lms.reports import people_rows
from lms.testing import postgres
from lms.testing.factories import Factories

TEST_CONFIG: dict[str, Any] = {
    "TESTING": True,
    "ENV_NAME": "testing",
    "SECRET_KEY": "test-secret-key-that-is-long-enough-for-tests",
    "WTF_CSRF_ENABLED": False,
    "SERVER_NAME": "lms.test",
    "ARGON2_TIME_COST": 1,
    "ARGON2_MEMORY_KIB": 1024,
    "RATELIMIT_STORAGE_URI": "memory://",
}


class _BoundSession(_FlaskSession):
    """Flask-SQLAlchemy's session picks an engine itself; tests pin it to one connection."""

    def get_bind(self, *args: Any, **kwargs: Any) -> Any:
        return self.bind


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "plugins(*names): plugins to load for this test")


def database_url(tmp: Path) -> str:
    """The test database: ``LMS_TEST_DATABASE_URL`` if set, else a SQLite file in ``tmp``.

    On PostgreSQL that URL is only the way in: every app :func:`build_app` makes gets a
    database of its own, created next to it and dropped afterwards.
    """
    return os.environ.get("LMS_TEST_DATABASE_URL") or f"sqlite:///{tmp / 'test.sqlite3'}"


def on_postgres() -> bool:
    """Whether this test run is on PostgreSQL (``LMS_TEST_DATABASE_URL``)."""
    return os.environ.get("LMS_TEST_DATABASE_URL", "").startswith("postgresql")


#: For tests of SQLite-only behaviour (pragmas, BEGIN IMMEDIATE).
sqlite_only = pytest.mark.skipif(on_postgres(), reason="SQLite-specific behaviour")

# PostgreSQL databases build_app created, by URL: only these are ever emptied or dropped.
_owned_databases: set[str] = set()


def build_app(tmp: Path, **overrides: Any) -> Flask:
    """A configured app on a fresh database created by running every migration."""
    from flask_migrate import upgrade

    explicit = overrides.pop("SQLALCHEMY_DATABASE_URI", None)
    url = explicit or database_url(tmp)
    if explicit is None and postgres.is_postgres(url):
        url = postgres.create_database(url, prefix="lms_test_")
        _owned_databases.add(url)
    config = {
        **TEST_CONFIG,
        "INSTANCE_PATH": str(tmp / "instance"),
        "SQLALCHEMY_DATABASE_URI": url,
        **overrides,
    }
    try:
        app = create_app(config)
        with app.app_context():
            if not overrides.get("SKIP_MIGRATIONS"):
                upgrade(revision="heads")
    except BaseException:
        drop_test_database(url)
        raise
    return app


def reset_postgres() -> None:
    """Empty the current app's PostgreSQL database; only one that build_app created."""
    url = _db.engine.url.render_as_string(hide_password=False)
    if url not in _owned_databases:
        raise RuntimeError(f"refusing to reset a database this test run did not create: {url}")
    with _db.engine.begin() as conn:
        conn.exec_driver_sql("DROP SCHEMA public CASCADE")
        conn.exec_driver_sql("CREATE SCHEMA public")


def drop_test_database(url: str) -> None:
    """Drop a PostgreSQL database build_app created (anything else is left alone)."""
    if url in _owned_databases:
        _owned_databases.discard(url)
        postgres.drop_database(url, admin_url=os.environ.get("LMS_TEST_DATABASE_URL"))


def release_app(app: Flask) -> None:
    """Close the app's connections and drop its database if build_app created one."""
    _forget_cached()
    with app.app_context():
        for engine in _db.engines.values():
            engine.dispose()
    drop_test_database(app.config["SQLALCHEMY_DATABASE_URI"])


def pytest_sessionfinish(session: pytest.Session) -> None:
    """Drop the databases of apps built outside these fixtures (e.g. a conftest's ``app``)."""
    for url in list(_owned_databases):
        drop_test_database(url)


def _forget_cached() -> None:
    structure.clear()
    people_rows.clear()


@pytest.fixture(scope="session")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    app = build_app(tmp_path_factory.mktemp("lms"))
    yield app
    release_app(app)


@pytest.fixture
def make_app(tmp_path: Path) -> Iterator[Callable[..., Flask]]:
    """Build another app (own database) with config overrides, e.g. other plugins."""
    built: list[Flask] = []

    def _make_app(**overrides: Any) -> Flask:
        app = build_app(tmp_path, **overrides)
        built.append(app)
        return app

    yield _make_app
    for app in built:
        release_app(app)


@pytest.fixture
def db(app: Flask) -> Iterator[Any]:
    """The database, inside a transaction rolled back after the test."""
    set_write_intent(False)
    # Ids come back after a rollback: what one test cached (a course's structure, rows of
    # the people report) is not another's.
    _forget_cached()
    with app.app_context():
        connection = _db.engine.connect()
        outer = connection.begin()
        session = _db._make_scoped_session(
            {
                "bind": connection,
                "join_transaction_mode": "create_savepoint",
                "class_": _BoundSession,
            }
        )
        real_session = _db.session
        _db.session = session
        limiter.reset()
        try:
            yield _db
        finally:
            session.remove()
            _db.session = real_session
            if outer.is_active:
                outer.rollback()
            connection.close()
            set_write_intent(False)
            _forget_cached()


class FreshRequestClient(FlaskClient):
    """A test client whose requests start as a served request does: nobody signed in yet,
    and nothing already loaded.

    The ``db`` fixture keeps an app context (and its database session) open and Flask
    reuses it for requests, so Flask-Login's per-request cache (``g._login_user``) and the
    objects earlier requests or the test loaded would otherwise carry over. Expiring them
    makes each request read what it needs, as it would with a session of its own.
    """

    def open(self, *args: Any, **kwargs: Any) -> Any:
        if has_app_context():
            g.pop("_login_user", None)
            _db.session.expire_all()
        return super().open(*args, **kwargs)


@pytest.fixture
def client(app: Flask, db: Any) -> FlaskClient:
    app.test_client_class = FreshRequestClient
    return app.test_client()


@pytest.fixture
def factories(db: Any) -> Factories:
    return Factories()


@pytest.fixture
def create_user(factories: Factories) -> Callable[..., Any]:
    return factories.user


@pytest.fixture
def create_organisation(factories: Factories) -> Callable[..., Any]:
    return factories.organisation


@pytest.fixture
def create_course(factories: Factories) -> Callable[..., Any]:
    return factories.course


@pytest.fixture
def create_cohort(factories: Factories) -> Callable[..., Any]:
    return factories.cohort


@pytest.fixture
def enrol(factories: Factories) -> Callable[..., Any]:
    return factories.enrol


@pytest.fixture
def sign_in(client: FlaskClient) -> Callable[[Any], FlaskClient]:
    """Sign ``user`` in on the test client without going through the form."""

    def _sign_in(user: Any, on: FlaskClient | None = None) -> FlaskClient:
        target = on or client
        with target.session_transaction() as session:
            session.clear()
            session["_user_id"] = user.get_id()
            session["_fresh"] = True
        return target

    return _sign_in


@contextmanager
def count_queries() -> Iterator[list[str]]:
    """Collect the SQL statements run inside the block: ``with count_queries() as q:``."""
    statements: list[str] = []

    def before(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK TO")):
            statements.append(statement)

    engine = _db.engine
    event.listen(engine, "before_cursor_execute", before)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", before)


@pytest.fixture
def queries() -> Callable[[], Any]:
    return count_queries
