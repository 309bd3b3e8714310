"""The second level of on/off: a loaded plugin switched on per cohort, with its settings;
and a plugin's global settings."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from lms.audit.models import AuditEvent
from lms.errors import InvalidInput
from lms.plugins.activation import set_cohort_plugin, set_plugin_setting


def _audit(db, action):
    return db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
    ).all()


def test_a_loaded_plugin_is_off_for_a_cohort_until_switched_on(host, db, create_cohort):
    cohort = create_cohort()
    sample = host.plugins["sample"]
    assert not sample.is_active_for(cohort)
    assert sample.cohort_settings(cohort) == {"poll_size": 3, "show_widget": True}


def test_switching_on_and_off_per_cohort_is_audited(host, db, create_cohort, create_user):
    admin = create_user(is_admin=True)
    cohort, other = create_cohort(name="Spring"), create_cohort()
    sample = host.plugins["sample"]

    set_cohort_plugin(admin, cohort, "sample", active=True, settings={"poll_size": 5})
    assert sample.is_active_for(cohort)
    assert not sample.is_active_for(other)
    assert sample.cohort_settings(cohort) == {"poll_size": 5, "show_widget": True}

    set_cohort_plugin(admin, cohort, "sample", active=False)
    assert not sample.is_active_for(cohort)
    # Settings survive switching off and on again.
    set_cohort_plugin(admin, cohort, "sample", active=True, settings={"show_widget": False})
    assert sample.cohort_settings(cohort) == {"poll_size": 5, "show_widget": False}

    on = [e for e in _audit(db, "plugin.cohort_on") if e.subject_id == cohort.id]
    off = [e for e in _audit(db, "plugin.cohort_off") if e.subject_id == cohort.id]
    assert [(e.actor_id, e.subject_type, e.detail) for e in on] == [
        (admin.id, "Cohort", {"plugin": "sample", "settings": {"poll_size": 5}}),
        (admin.id, "Cohort", {"plugin": "sample", "settings": {"show_widget": False}}),
    ]
    assert [e.summary for e in off] == ["sample switched off for Spring"]


def test_unknown_cohort_settings_are_refused_with_a_clear_message(host, db, create_cohort):
    cohort = create_cohort()
    with pytest.raises(InvalidInput, match="“sample” has no cohort setting called colour"):
        set_cohort_plugin(None, cohort, "sample", active=True, settings={"colour": "blue"})
    assert not host.plugins["sample"].is_active_for(cohort)


def test_a_plugin_that_is_not_loaded_cannot_be_switched_on(db, create_cohort):
    with pytest.raises(InvalidInput, match="The plugin “feedback” is not loaded on this site"):
        set_cohort_plugin(None, create_cohort(), "feedback", active=True)


def test_a_plugin_without_cohort_settings_takes_none(host, db, create_cohort):
    cohort = create_cohort()
    set_cohort_plugin(None, cohort, "needs_sample", active=True)
    assert host.plugins["needs_sample"].is_active_for(cohort)
    assert host.plugins["needs_sample"].cohort_settings(cohort) == {}
    with pytest.raises(InvalidInput, match="no cohort setting called poll_size"):
        set_cohort_plugin(None, cohort, "needs_sample", active=True, settings={"poll_size": 1})


def test_global_settings_use_declared_keys_and_defaults(host, db):
    sample = host.plugins["sample"]
    assert sample.settings() == {"greeting": "Hello"}

    set_plugin_setting(None, "sample", "greeting", "Good morning")
    assert sample.settings() == {"greeting": "Good morning"}
    set_plugin_setting(None, "sample", "greeting", "Hi")  # a second write updates the row
    assert sample.settings() == {"greeting": "Hi"}
    assert [e.detail for e in _audit(db, "plugin.setting")][-2:] == [
        {"plugin": "sample", "key": "greeting"},
        {"plugin": "sample", "key": "greeting"},
    ]

    with pytest.raises(InvalidInput, match="“sample” has no setting called “colour”"):
        set_plugin_setting(None, "sample", "colour", "blue")
    with pytest.raises(InvalidInput, match="The plugin “feedback” is not loaded"):
        set_plugin_setting(None, "feedback", "greeting", "Hi")


def test_a_global_setting_reaches_the_plugin_page(app, db, client):
    from tests.plugins.conftest import get_page

    set_plugin_setting(None, "sample", "greeting", "Welcome")
    response = get_page(client, "/p/sample/hello?name=Sam")
    assert "Welcome, Sam." in response.text
