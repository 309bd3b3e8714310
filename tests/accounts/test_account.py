"""Your own account page: how you're named, and changing your password or PIN."""

from __future__ import annotations

import pytest

from lms.accounts import services
from lms.accounts.models import User
from lms.accounts.passwords import verify_password
from lms.errors import InvalidInput
from tests.accounts.helpers import PASSWORD, page_text, saved, signed_in_user_id


def test_account_page_explains_who_sees_what(client, sign_in, create_user):
    sign_in(create_user())
    text = page_text(client.get("/account"))
    assert "Your manager sees your course completion, never your reflections." in text
    assert "only printed on certificates if you choose" in text.lower()


def test_anonymous_is_sent_to_sign_in(client):
    response = client.get("/account")
    assert response.status_code == 302
    assert "/sign-in" in response.headers["Location"]


def test_profile_is_saved(client, sign_in, create_user):
    user = create_user("Sam")
    sign_in(user)
    response = client.post(
        "/account", data={"display_name": "Sam J", "pronouns": "they/them", "legal_name": ""}
    )
    assert response.status_code == 303
    stored = saved(User, user.id)
    assert (stored.display_name, stored.pronouns, stored.legal_name) == ("Sam J", "they/them", None)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"display_name": "  "}, "Please enter your name."),
        ({"display_name": "x" * 121}, "Please keep your name to 120 characters"),
        ({"display_name": "Sam", "pronouns": "x" * 41}, "Please keep your pronouns to 40"),
        ({"display_name": "Sam", "legal_name": "x" * 201}, "name for certificates to 200"),
    ],
)
def test_bad_profile_changes_nothing(client, sign_in, create_user, data, message):
    user = create_user("Sam")
    sign_in(user)
    response = client.post("/account", data=data)
    assert response.status_code == 200
    assert message in page_text(response)
    assert saved(User, user.id).display_name == "Sam"


def test_change_password_keeps_this_session_and_ends_others(
    client, new_client, sign_in, create_user
):
    user = create_user()
    other_device = sign_in(user, on=new_client())
    sign_in(user)
    response = client.post(
        "/account/password",
        data={
            "current_password": PASSWORD,
            "kind": "password",
            "new_password": "a brand new passphrase",
            "confirm": "a brand new passphrase",
        },
    )
    assert response.status_code == 303
    stored = saved(User, user.id)
    assert verify_password(stored.password_hash, "a brand new passphrase")
    assert signed_in_user_id(client) == stored.get_id()
    assert client.get("/account").status_code == 200
    assert other_device.get("/account").status_code == 302


def test_change_password_needs_the_current_one(client, sign_in, create_user):
    user = create_user()
    sign_in(user)
    response = client.post(
        "/account/password",
        data={
            "current_password": "wrong",
            "kind": "password",
            "new_password": "a brand new passphrase",
            "confirm": "a brand new passphrase",
        },
    )
    assert response.status_code == 200
    assert "That isn't your current password." in page_text(response)
    assert verify_password(saved(User, user.id).password_hash, PASSWORD)


@pytest.mark.parametrize(
    ("secret", "kind", "message"),
    [
        ("short", "password", "at least 10 characters"),
        ("x" * 129, "password", "128 characters or fewer"),
        ("qwertyuiop", "password", "very common"),
        ("sam@example.org", "password", "different from your email or username"),
        ("12a456", "pin", "only contain the numbers"),
        ("111111", "pin", "simple run"),
        ("987654", "pin", "simple run"),
        ("secret", "riddle", "either a password or a PIN"),
    ],
)
def test_password_rules(create_user, secret, kind, message):
    user = create_user(email="sam@example.org")
    with pytest.raises(InvalidInput, match=message):
        services.set_password(user, secret, kind=kind)
    assert verify_password(user.password_hash, PASSWORD)


def test_common_list_is_a_useful_size():
    assert len(services.COMMON_PASSWORDS) >= 30


def test_setting_a_password_ends_other_sessions(create_user):
    user = create_user()
    version = user.session_version
    services.set_password(user, "a good long passphrase")
    assert user.session_version == version + 1
