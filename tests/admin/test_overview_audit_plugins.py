"""The admin overview, the audit log and the loaded plugins."""

from __future__ import annotations

import pytest

from lms.accounts import services
from tests.accounts.helpers import page_text


@pytest.fixture
def admin(create_user):
    return create_user("Ada Admin", is_admin=True)


@pytest.fixture
def admin_client(client, sign_in, admin):
    return sign_in(admin)


def test_overview_has_counts_and_links(admin_client, create_user, create_organisation):
    create_organisation()
    create_user(active=False)
    text = page_text(admin_client.get("/admin"))
    for link in ("/admin/people", "/admin/organisations", "/admin/audit", "/admin/plugins"):
        assert f'href="{link}"' in text
    assert "1 organisation." in text and "1 switched off" in text


def test_audit_log_newest_first_and_filtered(admin_client, admin, create_user):
    services.create_organisation(admin, name="First Org", type="other", region="London")
    person = services.create_user(admin, display_name="Sam", email="sam@example.org")
    services.set_admin(admin, person, True)
    text = page_text(admin_client.get("/admin/audit"))
    assert text.index("Gave admin access to Sam") < text.index("Created the account of Sam")
    assert text.index("Created the account of Sam") < text.index("Created the organisation First")
    assert "Ada Admin" in text
    only = page_text(admin_client.get("/admin/audit?action=organisation.created"))
    assert "Created the organisation First Org" in only and "Gave admin access" not in only


def test_audit_log_pages(admin_client, admin):
    for n in range(30):
        services.create_organisation(admin, name=f"Org {n:02d}", type="other", region="London")
    first = page_text(admin_client.get("/admin/audit"))
    assert "Page 1 of 2" in first and "Org 29" in first and "Org 00" not in first
    assert "Org 00" in page_text(admin_client.get("/admin/audit?page=2"))


def test_command_line_changes_are_shown_as_such(admin_client):
    services.create_user(None, display_name="From CLI", username="from.cli")
    assert "The system or command line" in page_text(admin_client.get("/admin/audit"))


def test_plugins_page_without_plugins(admin_client):
    assert "No plugins are loaded." in page_text(admin_client.get("/admin/plugins"))


def test_plugins_page_lists_loaded_plugins(make_app):
    from lms.accounts.models import User
    from lms.extensions import db

    app = make_app(
        PLUGINS=["needs_sample", "sample"],
        PLUGIN_PATHS={
            "sample": "tests.plugins.sample:SamplePlugin",
            "needs_sample": "tests.plugins.needs_sample:NeedsSamplePlugin",
        },
    )
    with app.app_context():
        admin = User(display_name="Ada", email="ada@example.org", is_admin=True)
        db.session.add(admin)
        db.session.commit()
        identity = admin.get_id()
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = identity
    text = page_text(client.get("/admin/plugins"))
    host = app.extensions["lms_plugins"]
    for plugin in host.plugins.values():
        assert plugin.title in text and plugin.version in text
    assert "sample" in text
