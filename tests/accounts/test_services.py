"""The account services: checks that write nothing on bad input, audit, events."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from lms.accounts import services
from lms.accounts.models import Membership, User
from lms.accounts.passwords import verify_password
from lms.audit.models import AuditEvent
from lms.errors import Conflict, InvalidInput, NotAllowed
from tests.accounts.helpers import count


@pytest.fixture
def admin(create_user):
    return create_user("Ada Admin", is_admin=True)


@pytest.fixture
def fired(app, monkeypatch):
    """The plugin events fired during the test, as (hook name, arguments)."""
    calls: list[tuple[str, dict]] = []
    host = app.extensions["lms_plugins"]
    monkeypatch.setattr(host, "fire", lambda name, **kwargs: calls.append((name, kwargs)))
    return calls


def test_create_user_normalises_audits_and_fires_after_commit(admin, create_organisation, fired):
    org = create_organisation("HMP Example", type="prison")
    user = services.create_user(
        admin,
        display_name="  Sam Jones ",
        email="Sam.Jones@Example.ORG",
        username="Sam.J",
        password="a good long passphrase",
        organisation=org,
        role="manager",
        service_number="A1234BC",
    )
    assert (user.display_name, user.email, user.username) == (
        "Sam Jones",
        "sam.jones@example.org",
        "sam.j",
    )
    assert verify_password(user.password_hash, "a good long passphrase")
    membership = user.memberships[0]
    assert (membership.organisation_id, membership.role, membership.service_number) == (
        org.id,
        "manager",
        "A1234BC",
    )
    event = db_event("user.created")
    assert event.actor_id == admin.id and event.subject_id == user.id
    assert "Sam Jones" in event.summary and "HMP Example" in event.summary
    assert fired == [("lms_user_created", {"user": user})]


def db_event(action: str) -> AuditEvent:
    from lms.extensions import db

    event = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id.desc())
    ).first()
    assert event is not None
    return event


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"display_name": ""}, "display_name", "Please enter a name."),
        ({"display_name": "x" * 121}, "display_name", "120 characters or fewer"),
        ({"email": None, "username": None}, "email", "an email address or a username"),
        ({"email": "not-an-email"}, "email", "like name@example.org"),
        ({"email": "x" * 250 + "@example.org"}, "email", "254 characters"),
        ({"username": "ab"}, "username", "3 to 60 characters"),
        ({"username": "-starts-with-dash"}, "username", "3 to 60 characters"),
        ({"username": "has space"}, "username", "3 to 60 characters"),
        ({"role": "owner"}, "role", "member or manager"),
        ({"service_number": "9" * 41}, "service_number", "40 characters"),
        ({"password": "short"}, "password", "at least 10 characters"),
    ],
)
def test_bad_input_writes_nothing(admin, fired, fields, field, message):
    values = {"display_name": "Sam", "email": "sam@example.org", "username": None, **fields}
    users, audits = count(User), count(AuditEvent)
    with pytest.raises(InvalidInput) as caught:
        services.create_user(admin, **values)
    assert message in caught.value.field_errors[field]
    assert message in caught.value.message
    assert (count(User), count(AuditEvent)) == (users, audits)
    assert fired == []


def test_duplicates_get_a_clear_message(admin, create_user):
    create_user(email="sam@example.org", username="sam")
    with pytest.raises(Conflict) as caught:
        services.create_user(admin, display_name="Sam", email="SAM@example.org", username="Sam")
    assert caught.value.field_errors == {
        "email": "Someone already has the email address sam@example.org.",
        "username": "The username sam is taken. Please choose another.",
    }


def test_create_user_with_code_is_one_change(admin):
    users = count(User)
    with pytest.raises(InvalidInput, match="username"):
        services.create_user_with_code(admin, display_name="Kim", username="")
    assert count(User) == users
    user, code = services.create_user_with_code(admin, display_name="Kim", username="kim.r")
    assert user.password_hash is None and user.email is None
    assert services.redeem_one_time_code("kim.r", code).id == user.id


def test_update_user(admin, create_user):
    user = create_user("Sam", email="sam@example.org")
    other = create_user(email="taken@example.org")
    services.update_user(admin, user, display_name="Sam J", email="", username="sam.j")
    assert (user.display_name, user.email, user.username) == ("Sam J", None, "sam.j")
    assert db_event("user.updated").subject_id == user.id
    with pytest.raises(Conflict, match="already has"):
        services.update_user(admin, user, display_name="Sam", email=other.email, username=None)
    # Keeping your own email is not a duplicate.
    services.update_user(admin, other, display_name="Other", email=other.email, username=None)


def test_admin_cannot_remove_their_own_admin_access(admin, create_user):
    with pytest.raises(NotAllowed):
        services.set_admin(admin, admin, False)
    assert admin.is_admin
    person = create_user()
    services.set_admin(admin, person, True)
    assert person.is_admin and db_event("user.admin_changed").subject_id == person.id
    services.set_admin(admin, person, False)
    assert not person.is_admin


def test_deactivate_and_reactivate_end_sessions(admin, create_user):
    person = create_user()
    version = person.session_version
    services.deactivate_user(admin, person)
    assert not person.active and person.session_version == version + 1
    assert services.authenticate(person.email, "correct horse battery") is None
    services.reactivate_user(admin, person)
    assert person.active and person.session_version == version + 2
    with pytest.raises(NotAllowed):
        services.deactivate_user(admin, admin)
    actions = {e.action for e in db_audit_for(person)}
    assert {"user.deactivated", "user.reactivated"} <= actions


def db_audit_for(user: User) -> list[AuditEvent]:
    from lms.extensions import db

    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.subject_id == user.id)))


def test_memberships(admin, create_user, create_organisation):
    person = create_user("Sam")
    org = create_organisation("Leeds Women's Centre")
    membership = services.add_membership(admin, person, org, "member", service_number="S1")
    assert membership.organisation_id == org.id
    with pytest.raises(Conflict, match="already in"):
        services.add_membership(admin, person, org, "manager")
    with pytest.raises(InvalidInput, match="member or manager"):
        services.add_membership(admin, person, create_organisation(), "boss")
    services.remove_membership(admin, membership)
    assert count(Membership) == 0
    assert [e.action for e in db_audit_for(person)][-2:] == [
        "membership.added",
        "membership.removed",
    ]


def test_organisations(admin, create_organisation):
    prison = services.create_organisation(
        admin, name="HMP Styal", type="prison", region="North West"
    )
    wing = services.create_organisation(
        admin, name="Styal House Block 1", type="prison", region="North West", parent=prison
    )
    assert wing.full_name == "HMP Styal: Styal House Block 1"
    assert db_event("organisation.created").subject_id == wing.id
    with pytest.raises(Conflict, match="already an organisation"):
        services.create_organisation(admin, name="hmp styal", type="prison", region="North West")
    with pytest.raises(InvalidInput, match="inside itself"):
        services.update_organisation(
            admin, prison, name="HMP Styal", type="prison", region="North West", parent=wing
        )
    with pytest.raises(InvalidInput, match="inside itself"):
        services.update_organisation(
            admin, prison, name="HMP Styal", type="prison", region="North West", parent=prison
        )
    assert prison.parent_id is None
    services.update_organisation(
        admin, prison, name="HMP & YOI Styal", type="prison", region="North West"
    )
    assert "(was HMP Styal)" in db_event("organisation.updated").summary


def test_duplicate_and_bad_input_together_is_bad_input(admin, create_user):
    create_user(email="sam@example.org")
    with pytest.raises(InvalidInput) as caught:
        services.create_user(admin, display_name="", email="sam@example.org")
    assert not isinstance(caught.value, Conflict)
    assert set(caught.value.field_errors) == {"display_name", "email"}


def test_a_clash_found_only_by_the_database_is_a_conflict(admin, create_user):
    from lms.accounts.services.validation import conflict_on_duplicate
    from lms.extensions import db

    create_user(email="sam@example.org")
    users = count(User)
    with pytest.raises(Conflict, match="already"), conflict_on_duplicate("Sam is already here."):
        db.session.add(User(display_name="Twin", email="sam@example.org"))
    assert count(User) == users  # the session is still usable, and nothing was added


def test_add_user_joins_the_callers_transaction(admin, fired):
    from lms import events
    from lms.db import begin_write
    from lms.extensions import db

    users, audits = count(User), count(AuditEvent)
    begin_write()
    caller = db.session.begin_nested()  # the caller's change, which it then undoes
    user = services.add_user(admin, display_name="Lee", username="lee.w")
    assert user.id is not None and fired == []  # nothing fires before the caller commits
    caller.rollback()
    assert (count(User), count(AuditEvent)) == (users, audits)

    begin_write()
    user = services.add_user(admin, display_name="Lee", email="Lee@Example.org")
    assert fired == []
    events.commit()
    assert (count(User), count(AuditEvent)) == (users + 1, audits + 1)
    assert db_event("user.created").subject_id == user.id
    assert fired == [("lms_user_created", {"user": user})]


def test_add_user_checks_like_create_user(admin):
    from lms.db import begin_write

    begin_write()
    with pytest.raises(InvalidInput, match="an email address or a username"):
        services.add_user(admin, display_name="Lee")
