"""One-time sign-in codes: printed by an admin, used once, then a password or PIN is chosen."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from lms.accounts import services
from lms.accounts.models import OneTimeCode, User
from lms.accounts.services.codes import CODE_ALPHABET
from lms.db import utcnow
from lms.errors import InvalidInput
from lms.extensions import db
from tests.accounts.helpers import code_from, page_text, post_sign_in, saved, signed_in_user_id


@pytest.fixture
def admin(create_user):
    return create_user("Ada Admin", is_admin=True)


@pytest.fixture
def learner(create_user):
    return create_user("Kim", username="kim.r", email=None, password=None)


def test_code_is_friendly_and_unambiguous(admin, learner):
    code = services.issue_one_time_code(admin, learner)
    assert len(code) == 12 and code[4] == "-" and code[9] == "-"
    letters = code.replace("-", "")
    assert len(letters) == 10
    assert set(letters) <= set(CODE_ALPHABET)
    assert not set("0O1IL") & set(CODE_ALPHABET)
    assert code.expires_at > utcnow() + timedelta(hours=71)


def test_code_is_only_stored_as_a_hash(admin, learner):
    code = services.issue_one_time_code(admin, learner)
    row = db.session.scalars(select(OneTimeCode).where(OneTimeCode.user_id == learner.id)).one()
    plain = code.replace("-", "")
    assert row.code_hash == hashlib.sha256(plain.encode()).hexdigest()
    values = [str(getattr(row, column.key)) for column in OneTimeCode.__table__.columns]
    assert not any(plain in value or code in value for value in values)


def test_the_whole_journey(client, sign_in, admin, learner):
    sign_in(admin)
    sheet = client.post(f"/admin/people/{learner.id}/code")
    assert sheet.status_code == 200
    code = code_from(sheet)
    client.post("/sign-out")

    response = client.post("/sign-in/code", data={"username": "KIM.R", "code": code.lower()})
    assert response.status_code == 303
    assert response.headers["Location"] == "/welcome"
    assert signed_in_user_id(client) is not None

    # Nothing else until a password or PIN is chosen (support stays reachable).
    for path in ("/", "/account", "/courses"):
        blocked = client.get(path)
        assert blocked.status_code in (302, 303) and blocked.headers["Location"] == "/welcome"
    assert client.get("/support").status_code == 200

    weak = client.post("/welcome", data={"kind": "pin", "password": "123456", "confirm": "123456"})
    assert weak.status_code == 200
    assert "simple run" in page_text(weak)
    chosen = client.post(
        "/welcome", data={"kind": "pin", "password": "480613", "confirm": "480613"}
    )
    assert chosen.status_code == 303
    assert client.get("/account").status_code == 200  # still signed in, no longer held back
    client.post("/sign-out")

    assert post_sign_in(client, "kim.r", "480613").status_code == 303
    assert signed_in_user_id(client) == saved(User, learner.id).get_id()


def test_code_can_be_used_only_once(admin, learner):
    code = services.issue_one_time_code(admin, learner)
    assert services.redeem_one_time_code("kim.r", code).id == learner.id
    with pytest.raises(InvalidInput, match="already been used or has expired"):
        services.redeem_one_time_code("kim.r", code)


def test_expired_code_does_not_work(admin, learner):
    code = services.issue_one_time_code(admin, learner)
    db.session.execute(update(OneTimeCode).values(expires_at=utcnow() - timedelta(minutes=1)))
    with pytest.raises(InvalidInput, match="expired"):
        services.redeem_one_time_code("kim.r", code)


def test_a_new_code_stops_the_old_one_working(admin, learner):
    old = services.issue_one_time_code(admin, learner)
    new = services.issue_one_time_code(admin, learner)
    with pytest.raises(InvalidInput):
        services.redeem_one_time_code("kim.r", old)
    assert services.redeem_one_time_code("kim.r", new).id == learner.id


def test_code_belongs_to_its_person(admin, learner, create_user):
    create_user("Other", username="other.person", email=None)
    code = services.issue_one_time_code(admin, learner)
    with pytest.raises(InvalidInput, match="don't match"):
        services.redeem_one_time_code("other.person", code)
    with pytest.raises(InvalidInput, match="don't match"):
        services.redeem_one_time_code("nobody.here", code)


def test_wrong_code_on_the_page_gives_a_kind_message(client, admin, learner):
    services.issue_one_time_code(admin, learner)
    response = client.post("/sign-in/code", data={"username": "kim.r", "code": "AAAA-BBBB-CC"})
    assert response.status_code == 200
    assert "That email address or username and that code don't match" in page_text(response)
    assert signed_in_user_id(client) is None


def test_no_code_for_a_switched_off_account(admin, create_user):
    off = create_user(username="off.person", email=None, active=False)
    with pytest.raises(Exception, match="switched off"):
        services.issue_one_time_code(admin, off)
    assert db.session.scalar(select(OneTimeCode.id)) is None


def test_someone_with_only_an_email_address_signs_in_with_it_and_the_code(admin, create_user):
    person = create_user(email="e@example.org", password=None)
    code = services.issue_one_time_code(admin, person)
    with pytest.raises(InvalidInput, match="don't match"):
        services.redeem_one_time_code("someone.else@example.org", code)
    assert services.redeem_one_time_code(" E@Example.org ", code).id == person.id


def test_welcome_needs_a_code_sign_in(client, sign_in, create_user):
    sign_in(create_user())
    response = client.get("/welcome")
    assert response.status_code == 302
    assert response.headers["Location"] == "/account"


def test_welcome_checks_what_is_chosen(client, admin, learner):
    code = services.issue_one_time_code(admin, learner)
    client.post("/sign-in/code", data={"username": "kim.r", "code": code})
    cases = [
        ({"kind": "pin", "password": "48a613", "confirm": "48a613"}, "only contain the numbers"),
        ({"kind": "pin", "password": "4806", "confirm": "4806"}, "at least 6 numbers"),
        ({"kind": "password", "password": "short", "confirm": "short"}, "at least 10 characters"),
        ({"kind": "password", "password": "password123", "confirm": "password123"}, "at least"),
        ({"kind": "password", "password": "iloveyou12", "confirm": "iloveyou1"}, "don't match"),
        ({"kind": "password", "password": "kim.r", "confirm": "kim.r"}, "at least"),
    ]
    before = saved(User, learner.id).password_hash
    for data, message in cases:
        response = client.post("/welcome", data=data)
        assert response.status_code == 200
        assert message in page_text(response), data
    assert saved(User, learner.id).password_hash == before


def test_sign_out_is_allowed_before_choosing(client, admin, learner):
    code = services.issue_one_time_code(admin, learner)
    client.post("/sign-in/code", data={"username": "kim.r", "code": code})
    assert client.post("/sign-out").status_code == 303
    assert signed_in_user_id(client) is None
