"""People in the admin area: find, add, change, memberships, access, codes."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from lms.accounts import services
from lms.accounts.models import Membership, OneTimeCode, User
from lms.audit.models import AuditEvent
from lms.extensions import db
from tests.accounts.helpers import code_from, count, page_text, saved


@pytest.fixture
def admin(create_user):
    return create_user("Ada Admin", email="ada@example.org", is_admin=True)


@pytest.fixture
def admin_client(client, sign_in, admin):
    return sign_in(admin)


def rows() -> tuple[int, int, int, int]:
    return count(User), count(Membership), count(OneTimeCode), count(AuditEvent)


def test_add_a_person_with_email(admin_client, create_organisation):
    org = create_organisation("Leeds Women's Centre")
    response = admin_client.post(
        "/admin/people/new",
        data={
            "display_name": "Sam Jones",
            "email": "Sam@Example.org",
            "organisation": org.id,
            "role": "manager",
            "service_number": "",
        },
    )
    assert response.status_code == 303
    user = db.session.scalars(select(User).where(User.email == "sam@example.org")).one()
    assert user.memberships[0].role == "manager"
    assert response.headers["Location"] == f"/admin/people/{user.id}"
    page = page_text(admin_client.get(response.headers["Location"]))
    assert "Sam Jones's account has been created." in page
    assert "Leeds Women's Centre" in page


def test_add_a_person_without_email_shows_a_printable_code_once(admin_client, create_organisation):
    org = create_organisation("HMP Styal", type="prison")
    response = admin_client.post(
        "/admin/people/new",
        data={
            "display_name": "Kim",
            "username": "Kim.R",
            "no_email": "y",
            "organisation": org.id,
            "role": "member",
            "service_number": "A1234BC",
        },
    )
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    text = page_text(response)
    code = code_from(response)
    assert 'class="code-sheet"' in text
    assert "kim.r" in text and "Kim" in text
    assert "http://lms.test/sign-in/code" in text
    assert "Use it before" in text and "What to do" in text
    user = db.session.scalars(select(User).where(User.username == "kim.r")).one()
    assert user.password_hash is None and user.memberships[0].service_number == "A1234BC"
    # Looking at the person again never shows the code.
    again = page_text(admin_client.get(f"/admin/people/{user.id}"))
    assert code not in again
    assert "hasn't been used yet" in again


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "Please enter a name."),
        ({"display_name": "x" * 121, "email": "a@example.org"}, "120 characters or fewer"),
        ({"display_name": "Sam"}, "Please give an email address or a username (or both)."),
        ({"display_name": "Sam", "email": "sam@"}, "Please enter an email address like"),
        ({"display_name": "Sam", "username": "no spaces please"}, "A username needs 3 to 60"),
        ({"display_name": "Sam", "email": "ADA@example.org"}, "Someone already has the email"),
        ({"display_name": "Sam", "username": "taken.name"}, "The username taken.name is taken."),
        ({"display_name": "Sam", "no_email": "y"}, "Please give them a username"),
        (
            {"display_name": "Sam", "no_email": "y", "username": "sam", "email": "s@example.org"},
            "Please clear one of them.",
        ),
        (
            {
                "display_name": "Sam",
                "no_email": "y",
                "username": "sam",
                "password": "long enough pw",
            },
            "leave the first password empty",
        ),
        ({"display_name": "Sam", "email": "s@example.org", "role": "boss"}, "member or manager"),
        (
            {"display_name": "Sam", "email": "s@example.org", "password": "letmein"},
            "at least 10 characters",
        ),
    ],
)
def test_bad_input_is_explained_and_writes_nothing(admin_client, create_user, data, message):
    create_user(username="taken.name", email=None)
    before = rows()
    response = admin_client.post("/admin/people/new", data={"role": "member", **data})
    assert response.status_code == 200
    assert message in page_text(response)
    assert rows() == before


def test_search_and_pages(admin_client, create_user):
    for n in range(30):
        create_user(f"Learner {n:02d}", email=f"learner{n:02d}@example.org")
    create_user("Someone Else", username="kim.search", email=None)
    first = page_text(admin_client.get("/admin/people"))
    assert "Page 1 of 2" in first
    second = page_text(admin_client.get("/admin/people?page=2"))
    assert "Page 2 of 2" in second
    found = page_text(admin_client.get("/admin/people?q=KIM.S"))
    assert "Someone Else" in found and "Learner 01" not in found
    found = page_text(admin_client.get("/admin/people?q=learner07@"))
    assert "Learner 07" in found and "Learner 08" not in found
    assert "Nobody matches" in page_text(admin_client.get("/admin/people?q=%25_"))


def test_people_list_does_not_query_per_row(
    admin_client, create_user, create_organisation, queries
):
    org = create_organisation()

    def listing_queries() -> int:
        with queries() as statements:
            assert admin_client.get("/admin/people").status_code == 200
        return len(statements)

    create_user(organisation=org)
    few = listing_queries()
    for _ in range(10):
        create_user(organisation=create_organisation())
    assert listing_queries() == few


def test_change_details(admin_client, create_user):
    person = create_user("Sam", email="sam@example.org")
    response = admin_client.post(
        f"/admin/people/{person.id}/details",
        data={"display_name": "Sam J", "email": "", "username": "sam.j"},
    )
    assert response.status_code == 303
    db.session.expire_all()
    stored = saved(User, person.id)
    assert (stored.display_name, stored.email, stored.username) == ("Sam J", None, "sam.j")
    response = admin_client.post(
        f"/admin/people/{person.id}/details", data={"display_name": "", "email": "", "username": ""}
    )
    assert response.status_code == 200
    assert "Please enter a name." in page_text(response)
    db.session.expire_all()
    assert saved(User, person.id).display_name == "Sam J"


def test_memberships(admin_client, create_user, create_organisation):
    person = create_user("Sam")
    org = create_organisation("HMP Styal")
    url = f"/admin/people/{person.id}/memberships"
    assert (
        admin_client.post(url, data={"organisation": org.id, "role": "manager"}).status_code == 303
    )
    membership = db.session.scalars(select(Membership).where(Membership.user_id == person.id)).one()
    assert membership.role == "manager"
    again = admin_client.post(url, data={"organisation": org.id, "role": "member"})
    assert again.status_code == 200
    assert "Sam is already in HMP Styal." in page_text(again)
    nothing = admin_client.post(url, data={"organisation": "", "role": "member"})
    assert "Please choose an organisation." in page_text(nothing)
    assert count(Membership) == 1
    remove = admin_client.post(f"{url}/{membership.id}/remove")
    assert remove.status_code == 303
    assert count(Membership) == 0
    assert "Removed Sam from HMP Styal" in page_text(admin_client.get("/admin/audit"))


def test_admin_access(admin_client, admin, create_user):
    person = create_user("Sam")
    admin_client.post(f"/admin/people/{person.id}/admin", data={"admin": "yes"})
    assert saved(User, person.id).is_admin
    admin_client.post(f"/admin/people/{person.id}/admin", data={"admin": "no"})
    assert not saved(User, person.id).is_admin
    response = admin_client.post(
        f"/admin/people/{admin.id}/admin", data={"admin": "no"}, follow_redirects=True
    )
    assert "You can't remove your own admin access." in page_text(response)
    assert saved(User, admin.id).is_admin


def test_switch_off_and_on(admin_client, admin, create_user, sign_in, new_client):
    person = create_user("Sam")
    their_browser = sign_in(person, on=new_client())
    assert their_browser.get("/account").status_code == 200
    admin_client.post(f"/admin/people/{person.id}/deactivate")
    assert not saved(User, person.id).active
    assert their_browser.get("/account").status_code == 302
    admin_client.post(f"/admin/people/{person.id}/reactivate")
    assert saved(User, person.id).active
    response = admin_client.post(f"/admin/people/{admin.id}/deactivate", follow_redirects=True)
    assert "You can't switch off your own account." in page_text(response)
    assert saved(User, admin.id).active


def test_issue_code_from_the_person_page(admin_client, admin, create_user):
    person = create_user("Kim", username="kim.r", email=None)
    page = page_text(admin_client.get(f"/admin/people/{person.id}"))
    assert "Create a one-time sign-in code" in page
    response = admin_client.post(f"/admin/people/{person.id}/code")
    assert response.status_code == 200
    code_from(response)
    assert count(OneTimeCode) == 1
    # Nobody creates a code for themselves; someone with only an email gets one for it.
    assert admin_client.post(f"/admin/people/{admin.id}/code").status_code == 403
    no_username = create_user("Lee", email="lee@example.org")
    response = admin_client.post(f"/admin/people/{no_username.id}/code")
    sheet = page_text(response)
    assert '<dt>Your email address</dt><dd class="code">lee@example.org</dd>' in sheet
    redeemed = services.redeem_one_time_code("LEE@example.org", code_from(response))
    assert redeemed.id == no_username.id
    assert count(OneTimeCode) == 2
