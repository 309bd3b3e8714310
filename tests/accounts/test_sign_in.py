"""Signing in and out: email or username, one message for any mistake, safe sessions."""

from __future__ import annotations

from datetime import timedelta

import pytest

from lms.accounts.models import User
from lms.accounts.passwords import hash_password
from lms.accounts.views import SIGN_IN_PROBLEM, local_path
from lms.db import utcnow
from lms.extensions import db
from tests.accounts.helpers import (
    PASSWORD,
    page_text,
    post_sign_in,
    remember_cookie,
    saved,
    signed_in_user_id,
)


def test_sign_in_by_email_ignores_case(client, create_user):
    user = create_user(email="sam@example.org")
    response = post_sign_in(client, "  SAM@Example.ORG ")
    assert response.status_code == 303
    assert response.headers["Location"] == "/"
    assert signed_in_user_id(client) == user.get_id()
    assert saved(User, user.id).last_sign_in_at is not None


def test_sign_in_by_username_ignores_case(client, create_user):
    user = create_user(username="sam.jones", email=None)
    response = post_sign_in(client, "Sam.Jones")
    assert response.status_code == 303
    assert signed_in_user_id(client) == user.get_id()


@pytest.mark.parametrize(
    ("name", "password"),
    [
        ("sam@example.org", "not the password"),
        ("nobody@example.org", PASSWORD),
        ("sam@example.org", ""),
    ],
)
def test_any_mistake_gives_one_message_that_reveals_nothing(client, create_user, name, password):
    create_user(email="sam@example.org")
    response = post_sign_in(client, name, password)
    assert response.status_code == 200
    text = page_text(response)
    if password:
        assert SIGN_IN_PROBLEM in text
    assert signed_in_user_id(client) is None


def test_switched_off_account_cannot_sign_in(client, create_user):
    create_user(email="off@example.org", active=False)
    response = post_sign_in(client, "off@example.org")
    assert SIGN_IN_PROBLEM in page_text(response)
    assert signed_in_user_id(client) is None


def test_account_without_password_cannot_sign_in(client, create_user):
    create_user(username="nopass", email=None, password=None)
    response = post_sign_in(client, "nopass", "")
    assert signed_in_user_id(client) is None
    response = post_sign_in(client, "nopass", "anything at all")
    assert SIGN_IN_PROBLEM in page_text(response)


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/account", "/account"),
        ("/courses?page=2", "/courses?page=2"),
        ("https://evil.example/", "/"),
        ("//evil.example/", "/"),
        ("/\\evil.example", "/"),
        ("javascript:alert(1)", "/"),
        ("account", "/"),
    ],
)
def test_next_is_followed_only_to_a_local_path(client, create_user, target, expected):
    create_user(email="sam@example.org")
    response = post_sign_in(client, "sam@example.org", next=target)
    assert response.status_code == 303
    assert response.headers["Location"] == expected


def test_local_path_refuses_control_characters():
    assert local_path("/ok") == "/ok"
    assert local_path("/\r\nSet-Cookie: x") is None
    assert local_path(None) is None


def test_sign_in_page_keeps_next_in_the_form(client):
    response = client.get("/sign-in?next=/account")
    assert 'value="/account"' in response.get_data(as_text=True)


def test_session_is_cleared_at_sign_in(client, create_user):
    create_user(email="sam@example.org")
    with client.session_transaction() as session:
        session["left_over"] = "from someone else"
    post_sign_in(client, "sam@example.org")
    with client.session_transaction() as session:
        assert "left_over" not in session


def test_not_remembered_unless_chosen(client, create_user):
    create_user(email="sam@example.org")
    post_sign_in(client, "sam@example.org")
    assert remember_cookie(client) is None
    with client.session_transaction() as session:
        assert not session.get("remember_me")


def test_remembered_when_chosen(client, create_user):
    create_user(email="sam@example.org")
    post_sign_in(client, "sam@example.org", remember="y")
    assert remember_cookie(client) is not None
    with client.session_transaction() as session:
        assert session["remember_me"] is True


def test_someone_elses_remember_cookie_is_removed_at_sign_in(client, create_user):
    create_user(email="first@example.org")
    create_user(email="second@example.org")
    post_sign_in(client, "first@example.org", remember="y")
    assert remember_cookie(client) is not None
    client.post("/sign-out")
    post_sign_in(client, "second@example.org")
    assert remember_cookie(client) is None


def test_idle_session_is_signed_out(client, create_user, app):
    create_user(email="sam@example.org")
    post_sign_in(client, "sam@example.org")
    minutes = app.config["IDLE_TIMEOUT_MINUTES"] + 5
    with client.session_transaction() as session:
        session["seen"] = (utcnow() - timedelta(minutes=minutes)).isoformat()
    response = client.get("/account")
    assert response.status_code == 302
    assert "/sign-in" in response.headers["Location"]
    assert signed_in_user_id(client) is None


def test_active_session_carries_on(client, create_user):
    create_user(email="sam@example.org")
    post_sign_in(client, "sam@example.org")
    with client.session_transaction() as session:
        session["seen"] = (utcnow() - timedelta(minutes=5)).isoformat()
    assert client.get("/account").status_code == 200


def test_remembered_session_is_not_signed_out_when_idle(client, create_user, app):
    create_user(email="sam@example.org")
    post_sign_in(client, "sam@example.org", remember="y")
    with client.session_transaction() as session:
        session["seen"] = (utcnow() - timedelta(hours=5)).isoformat()
    assert client.get("/account").status_code == 200


def test_sign_out_is_post_only_and_clears_the_session(client, create_user):
    create_user(email="sam@example.org")
    post_sign_in(client, "sam@example.org", remember="y")
    assert client.get("/sign-out").status_code == 405
    assert signed_in_user_id(client) is not None
    response = client.post("/sign-out")
    assert response.status_code == 303
    assert response.headers["Location"] == "/sign-in"
    assert signed_in_user_id(client) is None
    assert remember_cookie(client) is None
    with client.session_transaction() as session:
        assert set(session) <= {"_flashes"}
    page = page_text(client.get("/sign-in"))
    assert "You've signed out. If this is a shared computer, you can close the browser now." in page
    assert client.get("/account").status_code == 302


def test_outdated_hash_is_upgraded_at_sign_in(client, create_user, monkeypatch):
    user = create_user(email="sam@example.org")
    old_hash = user.password_hash
    monkeypatch.setattr("lms.accounts.services.people.needs_rehash", lambda _hash: True)
    post_sign_in(client, "sam@example.org")
    new_hash = saved(User, user.id).password_hash
    assert new_hash and new_hash != old_hash and new_hash.startswith("$argon2")


def test_signed_in_person_visiting_sign_in_goes_on(client, create_user, sign_in):
    sign_in(create_user())
    response = client.get("/sign-in?next=/account")
    assert response.status_code == 302
    assert response.headers["Location"] == "/account"


def test_sign_in_without_csrf_token_is_refused(make_app):
    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        db.session.add(
            User(display_name="Sam", email="sam@example.org", password_hash=hash_password(PASSWORD))
        )
        db.session.commit()
    client = app.test_client()
    response = client.post("/sign-in", data={"name": "sam@example.org", "password": PASSWORD})
    assert response.status_code == 400
    assert signed_in_user_id(client) is None
    page = client.get("/sign-in").get_data(as_text=True)
    assert 'name="csrf_token"' in page
