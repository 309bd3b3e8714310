"""lms.testing.postgres: the throwaway cluster starts, serves, and leaves nothing behind."""

from __future__ import annotations

import os
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from lms.testing import postgres


def test_missing_binaries_are_a_clear_error(monkeypatch, tmp_path):
    monkeypatch.setattr(postgres, "_candidate_dirs", lambda: [tmp_path])
    with pytest.raises(postgres.PostgresNotFound, match="initdb, pg_ctl and postgres"):
        postgres.TemporaryPostgres()
    assert postgres.available() is False


@pytest.mark.skipif(not postgres.available(), reason="PostgreSQL server binaries not installed")
def test_a_throwaway_cluster_serves_then_leaves_nothing_behind():
    cluster = postgres.TemporaryPostgres()
    with cluster as url:
        parsed = make_url(url)
        assert parsed.drivername == "postgresql+psycopg"
        assert (parsed.host, parsed.username, parsed.database) == (
            "127.0.0.1",
            "postgres",
            "lms_test",
        )
        directory = cluster.directory
        assert directory is not None and (directory / "data" / "PG_VERSION").exists()
        engine = create_engine(url, poolclass=NullPool)
        try:
            with engine.connect() as conn:
                assert conn.execute(text("SELECT current_database()")).scalar() == "lms_test"
                assert conn.execute(text("SHOW fsync")).scalar() == "off"
                scratch = postgres.create_database(url)
                postgres.drop_database(scratch, admin_url=url)
        finally:
            engine.dispose()
    assert not Path(directory).exists()
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(host="127.0.0.1", port=parsed.port, user="postgres", connect_timeout=2)
    cluster.stop()  # a second stop is harmless


@pytest.mark.skipif(
    not os.environ.get("LMS_TEST_DATABASE_URL", "").startswith("postgresql"),
    reason="needs LMS_TEST_DATABASE_URL=postgresql+psycopg://...",
)
def test_the_server_is_postgresql_15_or_later():
    engine = create_engine(os.environ["LMS_TEST_DATABASE_URL"], poolclass=NullPool)
    try:
        with engine.connect() as conn:
            version = conn.dialect.server_version_info
            assert version is not None and version >= (15,)
    finally:
        engine.dispose()
