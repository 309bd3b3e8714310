"""Configuration: defaults -> instance/config.py -> LMS_* environment -> test overrides."""

from __future__ import annotations

import os
from datetime import timedelta
from typing import Any

from flask import Flask

DEV_SECRET_KEY = "dev-only-secret-key-change-me"  # noqa: S105 - refused in production


class Defaults:
    """Settings every install starts from. Override in instance/config.py or LMS_<NAME>."""

    ENV_NAME = "development"  # "production" turns on the strict checks below
    SECRET_KEY = DEV_SECRET_KEY
    SQLALCHEMY_DATABASE_URI: str | None = None  # default: SQLite in the instance folder
    SQLALCHEMY_ENGINE_OPTIONS: dict[str, Any] = {}
    SQLITE_BUSY_TIMEOUT_MS = 5000

    # Plugins loaded at start-up, by entry-point name, in any order (dependencies sort them).
    PLUGINS: list[str] = []
    # Extra plugins by import path ("package.module:attribute"), mainly for development.
    PLUGIN_PATHS: dict[str, str] = {}

    COURSES_DIR: str | None = None  # default: the project's courses/ folder

    # Sessions: a shared computer is the default, so no remember-me unless chosen.
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE: bool | None = None  # None: secure everywhere except development
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_DURATION = timedelta(days=14)
    IDLE_TIMEOUT_MINUTES = 30
    PERMANENT_SESSION_LIFETIME = timedelta(hours=12)

    # Sign-in limits (Flask-Limiter syntax). Per IP and per account name.
    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_HEADERS_ENABLED = True
    # How many reverse proxies (nginx, a load balancer) stand in front of the app and set
    # X-Forwarded-For/-Proto. 0: none, the client's address is the connection's. Behind a
    # proxy, set it, or every visitor shares the proxy's address in the per-IP limits.
    PROXY_COUNT = 0
    SIGN_IN_LIMIT_PER_IP = "30 per 5 minutes"
    SIGN_IN_LIMIT_PER_ACCOUNT = "5 per minute;20 per hour"

    ONE_TIME_CODE_HOURS = 72
    MIN_PASSWORD_LENGTH = 10
    MIN_PIN_LENGTH = 6

    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session
    MAX_CONTENT_LENGTH = 8 * 1024 * 1024
    # Certificates (docs/certificates.md)
    CERTIFICATE_PAGE_SIZE = "A4"  # or "Letter"; always landscape
    CERTIFICATE_ISSUER: str | None = None  # printed and shown on verification; default SITE_NAME
    # The site's public address, e.g. "https://learning.example.org": printed on certificates
    # as the verification address. Required in production; elsewhere, without it, the
    # address of the request is used.
    PUBLIC_BASE_URL: str | None = None
    VERIFY_LIMIT_PER_IP = "30 per minute;300 per day"
    # How long a bulk issue works inside the request that starts it; the scheduler (or
    # `flask lms certificates run-batches`) does the rest.
    CERTIFICATE_BATCH_SECONDS = 5

    SUPPORT_CONTACT = "your facilitator or your organisation's wellbeing team"
    SITE_NAME = "Learning"


def load_config(app: Flask, overrides: dict[str, Any] | None) -> None:
    """Fill ``app.config`` in order; later sources win."""
    app.config.from_object(Defaults)
    app.config.from_pyfile("config.py", silent=True)
    app.config.from_prefixed_env("LMS")
    if overrides:
        app.config.from_mapping(overrides)

    if not app.config["SQLALCHEMY_DATABASE_URI"]:
        path = os.path.join(app.instance_path, "lms.sqlite3")
        app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{path}"
    production = app.config["ENV_NAME"] == "production"
    if app.config["SESSION_COOKIE_SECURE"] is None:
        app.config["SESSION_COOKIE_SECURE"] = production or not (app.debug or app.testing)
        if app.config["ENV_NAME"] == "development":
            app.config["SESSION_COOKIE_SECURE"] = False
    app.config["REMEMBER_COOKIE_SECURE"] = app.config["SESSION_COOKIE_SECURE"]
    if app.config["SESSION_COOKIE_SECURE"]:
        app.config.setdefault("SESSION_COOKIE_NAME", "__Host-session")
        if app.config["SESSION_COOKIE_NAME"] == "session":
            app.config["SESSION_COOKIE_NAME"] = "__Host-session"
        # "Keep me signed in" likewise: sent only over HTTPS, to this host, for the whole site.
        app.config.setdefault("REMEMBER_COOKIE_NAME", "__Host-remember")
    check_production(app.config)


def check_production(config: Any) -> None:
    """Refuse to run a production install with settings that are only safe on a laptop."""
    if config["ENV_NAME"] != "production":
        return
    if config["SECRET_KEY"] in (DEV_SECRET_KEY, "", None) or len(str(config["SECRET_KEY"])) < 32:
        raise RuntimeError(
            "Refusing to start: set LMS_SECRET_KEY to a long random value "
            "(python -c 'import secrets; print(secrets.token_hex(32))')."
        )
    base = str(config.get("PUBLIC_BASE_URL") or "")
    if not base.startswith(("https://", "http://")):
        # Certificates print it; taken from requests, it would be whatever Host a client sent.
        raise RuntimeError(
            "Refusing to start: set LMS_PUBLIC_BASE_URL to the site's public address "
            "(e.g. https://learning.example.org); certificates print it for verification."
        )
