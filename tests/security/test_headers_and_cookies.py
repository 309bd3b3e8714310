"""Security headers on normal and error pages, cookie flags in production, and the
production check of the secret key."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from lms import ROOT, create_app
from lms.accounts.models import User
from lms.accounts.passwords import hash_password
from lms.config import DEV_SECRET_KEY
from lms.extensions import db
from tests.conftest import World
from tests.security.helpers import (
    PASSWORD,
    cookie_problems,
    csp_directives,
    html_problems,
    removes_host_cookie,
    security_header_problems,
    set_cookies,
)

HTTPS = "https://lms.test"


def _pages(app: Flask, world: World, browser: Any) -> dict[str, Any]:
    learner = browser(world.learner)
    anonymous = browser(None)
    for _ in range(int(app.config["SIGN_IN_LIMIT_PER_ACCOUNT"].split()[0]) + 1):
        too_many = anonymous.post("/sign-in", data={"name": "sam@example.org", "password": "x"})
    return {
        "support (anonymous)": anonymous.get("/support"),
        "sign-in page": anonymous.get("/sign-in"),
        "dashboard": learner.get("/"),
        "step": learner.get(f"/courses/{world.course.slug}/steps/{world.reflection_step.key}"),
        "stylesheet": learner.get("/static/css/app.css"),
        "404": learner.get("/no-such-page"),
        "403": learner.get("/admin"),
        "405": learner.get("/sign-out"),
        "400 (reflection problem)": learner.post(
            f"/courses/{world.course.slug}/steps/{world.reflection_step.key}/reflection",
            data={"body": ""},
        ),
        "429": too_many,
        "redirect": anonymous.get("/account"),
    }


def test_security_headers_on_normal_and_error_pages(app: Flask, world: World, browser: Any) -> None:
    pages = _pages(app, world, browser)
    assert pages["429"].status_code == 429
    assert pages["404"].status_code == 404
    problems = []
    for name, response in pages.items():
        problems += [f"{name}: {p}" for p in security_header_problems(response)]
        csp = csp_directives(response.headers.get("Content-Security-Policy", ""))
        if "'unsafe-inline'" in csp.get("script-src", ["'unsafe-inline'"]):
            problems.append(f"{name}: script-src missing or allows inline script")
        if csp.get("frame-ancestors") not in (["'none'"], ["'self'"]):
            problems.append(f"{name}: frame-ancestors {csp.get('frame-ancestors')}")
        if response.headers.get("X-Frame-Options", "").upper() not in ("DENY", "SAMEORIGIN"):
            problems.append(f"{name}: no X-Frame-Options")
        if response.mimetype == "text/html":
            problems += [f"{name}: {p}" for p in html_problems(response.get_data(as_text=True))]
    assert not problems, "\n".join(problems)


@pytest.fixture
def production(make_app: Callable[..., Flask]) -> Flask:
    app = make_app(
        ENV_NAME="production", SECRET_KEY="x" * 40, PUBLIC_BASE_URL="https://lms.example.org"
    )
    with app.app_context():
        db.session.add(
            User(
                display_name="Sam Secure",
                email="sam@example.org",
                password_hash=hash_password(PASSWORD),
            )
        )
        db.session.commit()
    return app


def _sign_in(app: Flask, remember: bool) -> tuple[Any, Any]:
    client = app.test_client()
    data = {"name": "sam@example.org", "password": PASSWORD}
    if remember:
        data["remember"] = "y"
    response = client.post("/sign-in", data=data, base_url=HTTPS)
    assert response.status_code == 303
    return client, response


def test_production_session_cookie_is_secure_httponly_lax_and_host_prefixed(
    production: Flask,
) -> None:
    _client, response = _sign_in(production, remember=False)
    cookies = set_cookies(response)
    session_name = production.config["SESSION_COOKIE_NAME"]
    assert session_name in cookies, cookies
    assert cookie_problems(session_name, cookies[session_name]) == []


def test_production_remember_cookie_is_secure_httponly_lax_and_host_prefixed(
    production: Flask,
) -> None:
    client, response = _sign_in(production, remember=True)
    cookies = set_cookies(response)
    name = production.config.get("REMEMBER_COOKIE_NAME", "remember_token")
    assert name in cookies, cookies
    assert cookie_problems(name, cookies[name]) == []
    # Signing out removes it with a Set-Cookie a browser accepts for a __Host- cookie
    # (Secure, Path=/, no Domain): otherwise the cookie would outlive the sign-out.
    assert removes_host_cookie(client.post("/sign-out", base_url=HTTPS), name)
    # So does signing in again without "keep me signed in" (a shared computer).
    _client, again = _sign_in(production, remember=False)
    assert removes_host_cookie(again, name)


def test_production_sends_hsts_over_https(production: Flask) -> None:
    response = production.test_client().get("/support", base_url=HTTPS)
    assert "max-age=" in response.headers.get("Strict-Transport-Security", "")
    assert security_header_problems(response) == []


def test_production_refuses_the_development_secret_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("LMS_SECRET_KEY", raising=False)
    monkeypatch.delenv("LMS_ENV_NAME", raising=False)
    if not (ROOT / "instance" / "config.py").exists():
        with pytest.raises(RuntimeError, match="LMS_SECRET_KEY"):
            create_app({"ENV_NAME": "production"})
    for key in (DEV_SECRET_KEY, "", "short"):
        with pytest.raises(RuntimeError, match="set LMS_SECRET_KEY to a long random value"):
            create_app(
                {"ENV_NAME": "production", "SECRET_KEY": key, "INSTANCE_PATH": str(tmp_path)}
            )
