"""Guessing passwords: cut off per account and per address with a kind 429, never a lock-out
that outlives the window, and not evaded by a made-up X-Forwarded-For header."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask

from lms.accounts.models import User
from lms.accounts.passwords import hash_password
from lms.accounts.views import TOO_MANY_SIGN_INS
from lms.extensions import db
from tests.security.helpers import PASSWORD, security_header_problems

WINDOW = 2  # seconds
PER_ACCOUNT = 3
PER_IP = 5
IP = "203.0.113.7"


@pytest.fixture
def limited(make_app: Callable[..., Flask]) -> Flask:
    app = make_app(
        SIGN_IN_LIMIT_PER_ACCOUNT=f"{PER_ACCOUNT} per {WINDOW} seconds",
        SIGN_IN_LIMIT_PER_IP=f"{PER_IP} per {WINDOW} seconds",
    )
    with app.app_context():
        for name in ("owner", "neighbour", "third"):
            db.session.add(
                User(
                    display_name=name.title(),
                    email=f"{name}@example.org",
                    password_hash=hash_password(PASSWORD),
                )
            )
        db.session.commit()
    return app


WRONG = "wrong password"


def _try(client: Any, name: str, password: str = WRONG, ip: str = IP, **kw: Any) -> Any:
    return client.post(
        "/sign-in",
        data={"name": name, "password": password},
        environ_base={"REMOTE_ADDR": ip},
        **kw,
    )


def _text(response: Any) -> str:
    return response.get_data(as_text=True).replace("&#39;", "'")


def test_wrong_passwords_for_one_account_are_cut_off_kindly(limited: Flask) -> None:
    client = limited.test_client()
    for _ in range(PER_ACCOUNT):
        assert _try(client, "owner@example.org").status_code == 200
    blocked = _try(client, "owner@example.org")
    assert blocked.status_code == 429
    assert TOO_MANY_SIGN_INS in _text(blocked)
    assert security_header_problems(blocked) == []
    # Even the right password waits: the guesser can't tell a hit from a miss.
    assert _try(client, "owner@example.org", PASSWORD).status_code == 429
    # Changing the case or padding of the name is the same account.
    assert _try(client, "  OWNER@example.org ", ip="198.51.100.1").status_code == 429
    # The one-time code form counts towards the same name.
    code = client.post(
        "/sign-in/code",
        data={"username": "owner@example.org", "code": "AAAA-BBBB-CC"},
        environ_base={"REMOTE_ADDR": "198.51.100.2"},
    )
    assert code.status_code == 429


def test_another_account_from_the_same_address_is_not_blocked_until_the_address_limit(
    limited: Flask,
) -> None:
    client = limited.test_client()
    for _ in range(PER_ACCOUNT):
        _try(client, "owner@example.org")
    assert _try(client, "owner@example.org").status_code == 429
    # The per-account block doesn't stop the neighbour on the same address...
    statuses = [_try(client, "neighbour@example.org").status_code for _ in range(PER_IP)]
    # ...until the address has used up its own limit.
    assert statuses[0] == 200
    assert 429 in statuses
    blocked = _try(client, "third@example.org")
    assert blocked.status_code == 429
    assert TOO_MANY_SIGN_INS in _text(blocked)
    # Another address is not affected by this one's limit.
    assert _try(client, "third@example.org", ip="198.51.100.9").status_code == 200


def test_a_made_up_forwarded_for_header_does_not_reset_the_address_limit(
    limited: Flask,
) -> None:
    client = limited.test_client()
    for n in range(PER_IP):
        _try(client, f"person{n}@example.org", headers={"X-Forwarded-For": f"10.0.0.{n}"})
    response = _try(client, "new@example.org", headers={"X-Forwarded-For": "10.0.0.99"})
    assert response.status_code == 429


def test_the_owner_can_sign_in_again_after_the_window(limited: Flask) -> None:
    client = limited.test_client()
    for _ in range(PER_ACCOUNT + 2):
        _try(client, "owner@example.org")
    assert _try(client, "owner@example.org", PASSWORD).status_code == 429
    time.sleep(WINDOW + 0.2)
    response = _try(client, "owner@example.org", PASSWORD)
    assert response.status_code == 303
    with client.session_transaction() as session:
        assert session.get("_user_id")
