"""``flask --app wsgi lms plugins ...``: list, activate, deactivate, set."""

from __future__ import annotations

import pytest

from lms.plugins.cli import parse_value


@pytest.fixture
def lms(app, db):
    """Run ``flask lms ...`` against the test app; returns the click result."""
    runner = app.test_cli_runner()
    return lambda *args: runner.invoke(args=["lms", *args])


def test_list_shows_loaded_plugins_in_load_order(lms, create_cohort):
    cohort = create_cohort(name="Autumn")
    lms("plugins", "activate", "sample", "--cohort", str(cohort.id))

    result = lms("plugins", "list")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "sample 1.2: Sample plugin"
    assert lines[1] == "  requires: nothing"
    assert f"{cohort.id} (Autumn)" in lines[2]
    assert lines[3] == "needs_sample 0.1: Needs sample"
    assert lines[4] == "  requires: sample"


def test_activate_with_settings_and_deactivate(lms, host, create_cohort):
    cohort = create_cohort(name="Winter")
    result = lms(
        "plugins",
        "activate",
        "sample",
        "--cohort",
        str(cohort.id),
        "--set",
        "poll_size=7",
        "--set",
        "show_widget=false",
    )
    assert result.exit_code == 0, result.output
    assert f"sample is now active for cohort {cohort.id} (Winter)." in result.output
    sample = host.plugins["sample"]
    assert sample.is_active_for(cohort)
    assert sample.cohort_settings(cohort) == {"poll_size": 7, "show_widget": False}

    result = lms("plugins", "deactivate", "sample", "--cohort", str(cohort.id))
    assert result.exit_code == 0, result.output
    assert f"sample is now off for cohort {cohort.id} (Winter)." in result.output
    assert not sample.is_active_for(cohort)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("activate", "sample", "--cohort", "999999"), "There is no cohort with id 999999."),
        (("activate", "feedback", "--cohort", "1"), "The plugin “feedback” is not loaded"),
        (("deactivate", "feedback", "--cohort", "1"), "Add it to LMS_PLUGINS and restart."),
        (("set", "sample", "colour", "blue"), "“sample” has no setting called “colour”."),
        (("set", "feedback", "greeting", "Hi"), "The plugin “feedback” is not loaded"),
    ],
)
def test_mistakes_get_a_clear_message_and_exit_1(lms, args, message):
    result = lms("plugins", *args)
    assert result.exit_code == 1
    assert message in result.output


def test_unknown_cohort_setting_exits_1(lms, host, create_cohort):
    cohort = create_cohort()
    result = lms("plugins", "activate", "sample", "--cohort", str(cohort.id), "--set", "size=1")
    assert result.exit_code == 1
    assert "“sample” has no cohort setting called size." in result.output
    assert not host.plugins["sample"].is_active_for(cohort)


def test_a_set_option_without_equals_is_refused(lms, create_cohort):
    cohort = create_cohort()
    result = lms("plugins", "activate", "sample", "--cohort", str(cohort.id), "--set", "size")
    assert result.exit_code == 2  # click's usage error
    assert "“size” is not key=value." in result.output


def test_set_stores_a_global_setting(lms, host):
    result = lms("plugins", "set", "sample", "greeting", "Good evening")
    assert result.exit_code == 0, result.output
    assert result.output == 'sample.greeting = "Good evening"\n'
    assert host.plugins["sample"].settings() == {"greeting": "Good evening"}


def test_values_are_read_as_json_when_they_parse():
    assert parse_value("5") == 5
    assert parse_value("true") is True
    assert parse_value('["a", "b"]') == ["a", "b"]
    assert parse_value("null") is None
    assert parse_value("plain words") == "plain words"
    assert parse_value("") == ""


def test_list_without_plugins(make_app):
    app = make_app()
    with app.app_context():
        result = app.test_cli_runner().invoke(args=["lms", "plugins", "list"])
    assert result.exit_code == 0
    assert "No plugins are loaded." in result.output
