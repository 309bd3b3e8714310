"""Every admin page: sign in first, and only for admins."""

from __future__ import annotations

import pytest

GETS = [
    "/admin",
    "/admin/organisations",
    "/admin/organisations/new",
    "/admin/people",
    "/admin/people/new",
    "/admin/audit",
    "/admin/plugins",
]


@pytest.fixture
def world(create_user, create_organisation):
    org = create_organisation()
    person = create_user(username="some.one", organisation=org)
    return {"org": org, "person": person, "membership": person.memberships[0]}


def urls(world) -> list[tuple[str, str]]:
    person, org, membership = world["person"], world["org"], world["membership"]
    base = f"/admin/people/{person.id}"
    return [("GET", url) for url in GETS] + [
        ("GET", f"/admin/organisations/{org.id}/edit"),
        ("POST", f"/admin/organisations/{org.id}/edit"),
        ("POST", "/admin/organisations/new"),
        ("POST", "/admin/people/new"),
        ("GET", base),
        ("POST", f"{base}/details"),
        ("POST", f"{base}/memberships"),
        ("POST", f"{base}/memberships/{membership.id}/remove"),
        ("POST", f"{base}/admin"),
        ("POST", f"{base}/deactivate"),
        ("POST", f"{base}/reactivate"),
        ("POST", f"{base}/code"),
    ]


def test_anonymous_is_asked_to_sign_in(client, world):
    for method, url in urls(world):
        response = client.open(url, method=method)
        assert response.status_code == 302, url
        assert "/sign-in?next=" in response.headers["Location"], url


def test_people_who_are_not_admins_are_refused(client, sign_in, create_user, world):
    manager = create_user(organisation=world["org"], role="manager")
    sign_in(manager)
    for method, url in urls(world):
        assert client.open(url, method=method).status_code == 403, url
    assert world["person"].active and world["person"].memberships


def test_admins_see_every_page(client, sign_in, create_user, world):
    sign_in(create_user(is_admin=True))
    for url in [
        *GETS,
        f"/admin/people/{world['person'].id}",
        f"/admin/organisations/{world['org'].id}/edit",
    ]:
        assert client.get(url).status_code == 200, url


def test_unknown_records_are_not_found(client, sign_in, create_user):
    sign_in(create_user(is_admin=True))
    assert client.get("/admin/people/999999").status_code == 404
    assert client.get("/admin/organisations/999999/edit").status_code == 404
    assert client.post("/admin/people/999999/code").status_code == 404


def test_admin_link_in_the_menu_only_for_admins(client, sign_in, create_user):
    sign_in(create_user())
    assert 'href="/admin"' not in client.get("/account").get_data(as_text=True)
    sign_in(create_user(is_admin=True))
    assert 'href="/admin"' in client.get("/account").get_data(as_text=True)
