"""``flask lms users ...``: create, code and list, with clear errors."""

from __future__ import annotations

import re

from sqlalchemy import select

from lms.accounts.models import User


def run(app, *args: str, input: str | None = None):
    return app.test_cli_runner().invoke(args=["lms", "users", *args], input=input)


def test_create_with_email_and_organisation(app, db, create_organisation):
    create_organisation("HMP Example", type="prison")
    result = run(
        app,
        "create",
        "--display-name",
        "Sam Jones",
        "--email",
        "Sam@Example.org",
        "--organisation",
        "hmp example",
        "--role",
        "manager",
        "--admin",
        "--password-prompt",
        input="a good long passphrase\na good long passphrase\n",
    )
    assert result.exit_code == 0, result.output
    assert "Created Sam Jones (sign in as sam@example.org" in result.output
    user = db.session.scalars(select(User).where(User.email == "sam@example.org")).one()
    assert user.is_admin and user.memberships[0].role == "manager"


def test_create_problems_exit_non_zero(app, db, create_user):
    create_user(email="taken@example.org")
    result = run(app, "create", "--display-name", "Sam", "--email", "taken@example.org")
    assert result.exit_code != 0
    assert "Someone already has the email address taken@example.org." in result.output
    result = run(app, "create", "--display-name", "Sam")
    assert result.exit_code != 0
    assert "an email address or a username" in result.output
    result = run(
        app, "create", "--display-name", "Sam", "--username", "sam", "--organisation", "Nope"
    )
    assert result.exit_code != 0
    assert "There is no organisation called 'Nope'." in result.output


def test_code_prints_the_code_and_expiry(app, db, create_user):
    create_user("Kim", username="kim.r", email=None, password=None)
    result = run(app, "code", "Kim.R")
    assert result.exit_code == 0, result.output
    assert re.search(r"[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{2}", result.output)
    assert "It works once, until" in result.output
    assert "One-time code for Kim (kim.r):" in result.output
    missing = run(app, "code", "nobody")
    assert missing.exit_code != 0
    assert "There is nobody who signs in as 'nobody'." in missing.output


def test_code_finds_people_by_their_email_address_too(app, db, create_user):
    create_user("Lee", email="lee@example.org", password=None)
    result = run(app, "code", " LEE@example.org ")
    assert result.exit_code == 0, result.output
    assert "One-time code for Lee (lee@example.org):" in result.output


def test_list(app, db, create_user):
    create_user("Ada Admin", email="ada@example.org", is_admin=True)
    create_user("Off Person", username="off.person", email=None, active=False)
    result = run(app, "list")
    assert result.exit_code == 0
    assert re.search(r"Ada Admin\s+ada@example.org\s+\[admin\]", result.output)
    assert re.search(r"Off Person\s+off.person\s+\[off\]", result.output)
