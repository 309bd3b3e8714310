"""The app factory: where configuration comes from, and how the database is set up."""

from __future__ import annotations

import pytest
from sqlalchemy import inspect, text

from lms import create_app
from lms.config import DEV_SECRET_KEY
from lms.extensions import db
from lms.testing.fixtures import sqlite_only


def test_config_layers_defaults_instance_file_environment_overrides(tmp_path, monkeypatch):
    instance = tmp_path / "instance"
    instance.mkdir()
    (instance / "config.py").write_text(
        "SITE_NAME = 'From the instance file'\nIDLE_TIMEOUT_MINUTES = 5\nMIN_PIN_LENGTH = 8\n"
    )
    monkeypatch.setenv("LMS_IDLE_TIMEOUT_MINUTES", "15")
    monkeypatch.setenv("LMS_PLUGINS", "[]")
    app = create_app(
        {
            "INSTANCE_PATH": str(instance),
            "MIN_PIN_LENGTH": 9,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.db'}",
        }
    )
    assert app.config["SITE_NAME"] == "From the instance file"  # instance file over defaults
    assert app.config["IDLE_TIMEOUT_MINUTES"] == 15  # environment over the instance file
    assert app.config["MIN_PIN_LENGTH"] == 9  # explicit overrides win
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True  # defaults stay


def test_default_database_is_sqlite_in_the_instance_folder(tmp_path):
    app = create_app({"INSTANCE_PATH": str(tmp_path / "inst")})
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'inst' / 'lms.sqlite3'}"


@pytest.mark.parametrize("key", [DEV_SECRET_KEY, "", "too-short"])
def test_production_refuses_a_weak_secret_key(tmp_path, key):
    with pytest.raises(RuntimeError, match="LMS_SECRET_KEY"):
        create_app({"ENV_NAME": "production", "SECRET_KEY": key, "INSTANCE_PATH": str(tmp_path)})


PRODUCTION = {
    "ENV_NAME": "production",
    "SECRET_KEY": "k" * 40,
    "PUBLIC_BASE_URL": "https://learning.example.org",
}


@pytest.mark.parametrize("base", [None, "", "learning.example.org"])
def test_production_refuses_to_take_its_address_from_requests(tmp_path, base):
    settings = {**PRODUCTION, "PUBLIC_BASE_URL": base, "INSTANCE_PATH": str(tmp_path)}
    with pytest.raises(RuntimeError, match="LMS_PUBLIC_BASE_URL"):
        create_app(settings)


def test_production_sends_cookies_only_over_https(tmp_path):
    app = create_app({**PRODUCTION, "INSTANCE_PATH": str(tmp_path)})
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["REMEMBER_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_NAME"].startswith("__Host-")


def test_behind_proxies_the_client_address_is_the_forwarded_one(tmp_path):
    app = create_app({"PROXY_COUNT": 1, "INSTANCE_PATH": str(tmp_path)})

    @app.get("/whoami-test")
    def whoami() -> str:
        from flask import request

        return f"{request.remote_addr} {request.scheme}"

    client = app.test_client()
    headers = {"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https"}
    assert client.get("/whoami-test", headers=headers).text == "203.0.113.7 https"
    direct = create_app({"INSTANCE_PATH": str(tmp_path / "direct")})
    direct.add_url_rule("/whoami-test", view_func=whoami)
    answer = direct.test_client().get("/whoami-test", headers=headers).text
    assert answer == "127.0.0.1 http"  # without PROXY_COUNT the header is not believed


def test_nothing_migrates_at_start_up(tmp_path):
    app = create_app(
        {
            "INSTANCE_PATH": str(tmp_path),
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'empty.db'}",
        }
    )
    with app.app_context():
        assert inspect(db.engine).get_table_names() == []


@sqlite_only
def test_sqlite_connections_are_set_up_for_two_workers(app):
    with app.app_context(), db.engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA synchronous")).scalar() == 1  # NORMAL
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() == 5000


@sqlite_only
def test_begin_immediate_on_a_fresh_connection(make_app):
    from sqlalchemy import event

    from lms.db import begin_write, set_write_intent

    app = make_app()
    seen: list[str] = []
    with app.app_context():
        event.listen(
            db.engine,
            "before_cursor_execute",
            lambda _c, _cur, statement, *_a: seen.append(statement),
        )
        db.session.execute(text("SELECT 1"))
        begin_write()
        db.session.execute(text("SELECT 1"))
        db.session.commit()
        set_write_intent(False)
    assert seen.count("BEGIN") == 1 and seen.count("BEGIN IMMEDIATE") == 1


def test_a_served_app_keeps_what_start_up_made_out_of_the_collector(tmp_path):
    import gc

    from lms import serving_app

    assert gc.get_freeze_count() == 0
    try:
        app = serving_app({"INSTANCE_PATH": str(tmp_path), "TESTING": True})
        assert gc.get_freeze_count() > 0
        assert app.test_client().get("/sign-in").status_code == 200
    finally:
        gc.unfreeze()
