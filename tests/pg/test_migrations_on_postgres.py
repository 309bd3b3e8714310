"""Models and migrations agree on PostgreSQL too: ``flask db upgrade heads`` on an empty
database, then ``flask db check`` finds nothing to do (tests/test_meta.py does it on SQLite).

Runs only when ``LMS_TEST_DATABASE_URL`` is a PostgreSQL URL (tests/pg/test_suite_on_postgres
sets one up); each check gets an empty database of its own.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect
from sqlalchemy.pool import NullPool

from lms.testing import postgres
from lms.testing.fixtures import on_postgres
from tests.plugins.conftest import flask_env, run_flask
from tests.test_meta import every_plugin

pytestmark = pytest.mark.skipif(
    not on_postgres(), reason="needs LMS_TEST_DATABASE_URL=postgresql+psycopg://..."
)


@pytest.fixture
def empty_database() -> Iterator[str]:
    server = os.environ["LMS_TEST_DATABASE_URL"]
    url = postgres.create_database(server, prefix="lms_meta_")
    try:
        yield url
    finally:
        postgres.drop_database(url, admin_url=server)


def test_core_models_match_core_migrations_on_postgres(tmp_path, empty_database):
    _upgrade_then_check(tmp_path, empty_database, plugins=[])


def test_models_match_migrations_with_every_plugin_on_postgres(tmp_path, empty_database):
    names, _paths = every_plugin()
    _upgrade_then_check(tmp_path, empty_database, plugins=names)


def _upgrade_then_check(tmp_path: Path, url: str, plugins: list[str]) -> None:
    env = flask_env(tmp_path / "instance", plugins, LMS_SQLALCHEMY_DATABASE_URI=url)
    upgrade = run_flask(env, "db", "upgrade", "heads")
    assert upgrade.returncode == 0, upgrade.stdout + upgrade.stderr
    check = run_flask(env, "db", "check")
    assert check.returncode == 0, check.stdout + check.stderr
    assert "No new upgrade operations detected" in check.stdout + check.stderr

    engine = create_engine(url, poolclass=NullPool)
    try:
        tables = set(inspect(engine).get_table_names())
    finally:
        engine.dispose()
    assert {"alembic_version", "users", "courses", "step_progress"} <= tables
    if "sample" in plugins:
        assert "sample_0001" in upgrade.stderr
        assert "sample_notes" in tables
    else:
        assert not any(name.startswith("sample_") for name in tables)
    fallback = list((tmp_path / "instance").glob("*.sqlite3"))
    assert fallback == [], "the app used SQLite instead of the PostgreSQL URL"
