"""Organisations in the admin area: list, add, change, with clear messages."""

from __future__ import annotations

import pytest

from lms.accounts.models import Organisation
from lms.audit.models import AuditEvent
from lms.extensions import db
from tests.accounts.helpers import count, page_text, saved


@pytest.fixture
def admin_client(client, sign_in, create_user):
    return sign_in(create_user("Ada Admin", is_admin=True))


GOOD = {
    "name": "Leeds Women's Centre",
    "type": "womens_centre",
    "region": "Yorkshire and the Humber",
}


def test_add_an_organisation(admin_client):
    response = admin_client.post("/admin/organisations/new", data=GOOD)
    assert response.status_code == 303
    org = db.session.query(Organisation).filter_by(name=GOOD["name"]).one()
    assert (org.type, org.region, org.parent_id) == ("womens_centre", GOOD["region"], None)
    listing = page_text(admin_client.get("/admin/organisations"))
    assert "Leeds Women's Centre" in listing and "Women's centre" in listing
    audit = page_text(admin_client.get("/admin/audit"))
    assert "Created the organisation Leeds Women's Centre" in audit


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"name": ""}, "Please enter a name."),
        ({"name": "x" * 201}, "Please keep a name to 200 characters or fewer."),
        ({"name": "HMP EXISTING"}, "There is already an organisation called HMP EXISTING."),
        ({"type": ""}, "Please choose a type from the list."),
        ({"type": "castle"}, "Please choose a type from the list."),
        ({"region": "Atlantis"}, "Please choose a region from the list."),
    ],
)
def test_bad_input_is_explained_and_writes_nothing(
    admin_client, create_organisation, change, message
):
    create_organisation("HMP Existing")
    before = (count(Organisation), count(AuditEvent))
    response = admin_client.post("/admin/organisations/new", data={**GOOD, **change})
    assert response.status_code == 200
    assert message in page_text(response)
    assert (count(Organisation), count(AuditEvent)) == before


def test_parent_and_cycles(admin_client, create_organisation):
    prison = create_organisation("HMP Styal", type="prison", region="North West")
    wing = create_organisation(
        "House Block 1", type="prison", region="North West", parent_id=prison.id
    )
    form = admin_client.get(f"/admin/organisations/{prison.id}/edit").get_data(as_text=True)
    # A parent can't be chosen from itself or its own parts.
    assert f'<option value="{wing.id}"' not in form
    assert f'<option value="{prison.id}"' not in form
    data = {"name": "HMP Styal", "type": "prison", "region": "North West"}
    for parent in (wing.id, prison.id):
        response = admin_client.post(
            f"/admin/organisations/{prison.id}/edit", data={**data, "parent": parent}
        )
        assert response.status_code == 200
        assert "can't sit inside itself or one of its own parts" in page_text(response)
        db.session.expire_all()
        assert saved(Organisation, prison.id).parent_id is None


def test_edit_an_organisation(admin_client, create_organisation):
    trust = create_organisation("Leeds NHS Trust", type="nhs_trust", region="London")
    unit = create_organisation("Ward 5", type="nhs_trust", region="London")
    response = admin_client.post(
        f"/admin/organisations/{unit.id}/edit",
        data={
            "name": "Ward 5",
            "type": "nhs_trust",
            "region": "Yorkshire and the Humber",
            "parent": trust.id,
        },
    )
    assert response.status_code == 303
    db.session.expire_all()
    stored = saved(Organisation, unit.id)
    assert (stored.region, stored.parent_id) == ("Yorkshire and the Humber", trust.id)
    # Keeping its own name is not a duplicate; the parent can be taken away again.
    response = admin_client.post(
        f"/admin/organisations/{unit.id}/edit",
        data={"name": "Ward 5", "type": "nhs_trust", "region": "London", "parent": ""},
    )
    assert response.status_code == 303
    db.session.expire_all()
    assert saved(Organisation, unit.id).parent_id is None


def test_list_shows_members_and_parents_without_a_query_per_row(
    admin_client, create_organisation, create_user, queries
):
    def listing_queries() -> int:
        with queries() as statements:
            assert admin_client.get("/admin/organisations").status_code == 200
        return len(statements)

    parent = create_organisation("Parent Org")
    for n in range(2):
        create_user(organisation=create_organisation(f"Small {n}", parent_id=parent.id))
    few = listing_queries()
    for n in range(8):
        org = create_organisation(f"More {n}", parent_id=parent.id)
        create_user(organisation=org)
        create_user(organisation=org)
    assert listing_queries() == few
    text = page_text(admin_client.get("/admin/organisations"))
    assert "Parent Org" in text
