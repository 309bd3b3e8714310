"""Sign-in attempts are limited per account name and per address, and the limits expire."""

from __future__ import annotations

import time

from lms.accounts.views import TOO_MANY_SIGN_INS
from tests.accounts.helpers import page_text

WRONG = {"password": "not the password"}


def attempt(client, name: str, path: str = "/sign-in", ip: str = "10.0.0.1"):
    field = "name" if path == "/sign-in" else "username"
    data = {field: name, **(WRONG if path == "/sign-in" else {"code": "AAAA-BBBB-CC"})}
    return client.post(path, data=data, environ_base={"REMOTE_ADDR": ip})


def test_too_many_attempts_on_one_account_get_a_kind_429(make_app):
    client = make_app(SIGN_IN_LIMIT_PER_ACCOUNT="2 per minute").test_client()
    assert attempt(client, "sam@example.org").status_code == 200
    assert attempt(client, "SAM@example.org").status_code == 200
    response = attempt(client, "sam@example.org", ip="10.0.0.2")
    assert response.status_code == 429
    assert TOO_MANY_SIGN_INS in page_text(response)
    # Another account, even from the same address, can still try.
    assert attempt(client, "alex@example.org").status_code == 200
    # The one-time code form counts towards the same account name.
    assert attempt(client, "sam@example.org", path="/sign-in/code").status_code == 429


def test_too_many_attempts_from_one_address(make_app):
    client = make_app(SIGN_IN_LIMIT_PER_IP="3 per minute").test_client()
    for n in range(3):
        assert attempt(client, f"person{n}@example.org").status_code == 200
    response = attempt(client, "someone.new@example.org")
    assert response.status_code == 429
    assert TOO_MANY_SIGN_INS in page_text(response)
    assert attempt(client, "someone.new@example.org", ip="10.9.9.9").status_code == 200


def test_the_limit_expires(make_app):
    client = make_app(SIGN_IN_LIMIT_PER_ACCOUNT="2 per 1 second").test_client()
    attempt(client, "sam@example.org")
    attempt(client, "sam@example.org")
    assert attempt(client, "sam@example.org").status_code == 429
    time.sleep(1.2)
    assert attempt(client, "sam@example.org").status_code == 200


def test_reading_the_pages_is_never_limited(make_app):
    client = make_app(SIGN_IN_LIMIT_PER_IP="1 per minute").test_client()
    for _ in range(3):
        assert client.get("/sign-in").status_code == 200
        assert client.get("/sign-in/code").status_code == 200


def test_successful_sign_ins_do_not_use_up_the_limit(make_app):
    from lms.accounts.models import User
    from lms.accounts.passwords import hash_password
    from lms.extensions import db

    app = make_app(SIGN_IN_LIMIT_PER_IP="2 per minute")
    with app.app_context():
        db.session.add(
            User(
                display_name="Sam",
                email="sam@example.org",
                password_hash=hash_password("a long passphrase"),
            )
        )
        db.session.commit()
    client = app.test_client()
    for _ in range(4):
        response = client.post(
            "/sign-in", data={"name": "sam@example.org", "password": "a long passphrase"}
        )
        assert response.status_code == 303
        client.post("/sign-out")
