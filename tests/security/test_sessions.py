"""Sessions (ASVS 7.3, 7.4): what ends a session, and what doesn't yet.

The everyday behaviour (cleared at sign-in, idle timeout, remember-me) is tested in
``tests/accounts``; these are the attacker's view: a copied cookie, a session that never
goes idle, an account switched off while signed in.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from flask import Flask

from lms.accounts import services as accounts
from lms.db import utcnow
from tests.conftest import World
from tests.security.helpers import PASSWORD


def _sign_in(client: Any, user: Any, **extra: Any) -> Any:
    response = client.post("/sign-in", data={"name": user.email, "password": PASSWORD, **extra})
    assert response.status_code == 303
    return response


def _cookie(client: Any, name: str) -> str | None:
    cookie = client.get_cookie(name, domain=client.application.config["SERVER_NAME"])
    return cookie.value if cookie is not None else None


def _signed_in(client: Any) -> bool:
    return client.get("/account").status_code == 200


def test_a_copied_session_cookie_stops_working_at_sign_out(
    app: Flask, world: World, browser: Any
) -> None:
    victim = browser(None)
    _sign_in(victim, world.learner)
    stolen = _cookie(victim, app.config["SESSION_COOKIE_NAME"])
    assert stolen
    victim.post("/sign-out")
    assert not _signed_in(victim)
    attacker = browser(None)
    attacker.set_cookie(app.config["SESSION_COOKIE_NAME"], stolen, domain="lms.test")
    assert not _signed_in(attacker)


def test_a_copied_remember_cookie_stops_working_at_sign_out(
    app: Flask, world: World, browser: Any
) -> None:
    name = app.config.get("REMEMBER_COOKIE_NAME", "remember_token")
    victim = browser(None)
    _sign_in(victim, world.learner, remember="y")
    stolen = _cookie(victim, name)
    assert stolen
    victim.post("/sign-out")
    attacker = browser(None)
    attacker.set_cookie(name, stolen, domain="lms.test")
    assert not _signed_in(attacker)


def test_switching_an_account_off_ends_its_sessions_and_remember_cookie(
    app: Flask, world: World, browser: Any
) -> None:
    session, remembered = browser(None), browser(None)
    _sign_in(session, world.learner)
    _sign_in(remembered, world.learner, remember="y")
    cookie = _cookie(remembered, app.config.get("REMEMBER_COOKIE_NAME", "remember_token"))
    accounts.deactivate_user(world.admin, world.learner)
    assert not _signed_in(session)
    assert not _signed_in(remembered)
    replay = browser(None)
    replay.set_cookie(
        app.config.get("REMEMBER_COOKIE_NAME", "remember_token"), cookie or "", domain="lms.test"
    )
    assert not _signed_in(replay)
    # Switched back on, the old cookies stay dead: sign in again.
    accounts.reactivate_user(world.admin, world.learner)
    assert not _signed_in(session) and not _signed_in(replay)


def test_idle_timeout_with_a_moving_clock(
    app: Flask, world: World, browser: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = [utcnow()]
    monkeypatch.setattr("lms.web.utcnow", lambda: clock[0])
    client = browser(None)
    _sign_in(client, world.learner)
    clock[0] += timedelta(minutes=app.config["IDLE_TIMEOUT_MINUTES"] - 1)
    assert _signed_in(client)
    clock[0] += timedelta(minutes=app.config["IDLE_TIMEOUT_MINUTES"] + 1)
    response = client.get("/account")
    assert response.status_code == 302 and "/sign-in" in response.headers["Location"]
    assert not _signed_in(client)


def test_an_active_session_still_ends_after_the_absolute_lifetime(
    app: Flask, world: World, browser: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = [utcnow()]
    monkeypatch.setattr("lms.web.utcnow", lambda: clock[0])
    monkeypatch.setattr("lms.accounts.views.utcnow", lambda: clock[0])
    client = browser(None)
    _sign_in(client, world.learner)
    lifetime = app.config["PERMANENT_SESSION_LIFETIME"]
    while clock[0] < utcnow() + lifetime + timedelta(hours=1):
        clock[0] += timedelta(minutes=20)
        if not _signed_in(client):
            return
    pytest.fail(f"still signed in after {lifetime} of activity")
