"""Start-up stops with a clear message when a plugin is wrong; order follows ``requires``;
presentational hooks that raise are isolated in production and loud in tests."""

from __future__ import annotations

import logging
import re
import subprocess
import sys
from typing import Any

import pytest

from lms.plugins.manager import PluginError, PluginHost
from lms.plugins.slots import render_slot
from tests.plugins.conftest import PLUGIN_PATHS, ROOT, broken


def with_sample(*names: str) -> dict[str, Any]:
    """Config that loads the sample plugin and the named broken ones."""
    config = broken(*names)
    return {
        "PLUGINS": ["sample", *config["PLUGINS"]],
        "PLUGIN_PATHS": {**PLUGIN_PATHS, **config["PLUGIN_PATHS"]},
    }


def test_a_plugin_that_is_not_installed_stops_start_up(make_app):
    with pytest.raises(
        PluginError, match="Plugin “feedbak” is listed in PLUGINS but not installed"
    ):
        make_app(PLUGINS=["feedbak"])


@pytest.mark.parametrize("name", ["lms", "reports", "accounts", "audit", "static"])
def test_a_plugin_named_like_a_part_of_the_core_stops_start_up(make_app, name):
    # Its jobs (lms.<key>), blueprint, endpoints or tables would meet the core's.
    with pytest.raises(PluginError, match=f"Plugin “{name}” has a name the LMS keeps"):
        make_app(PLUGINS=[name], PLUGIN_PATHS={name: PLUGIN_PATHS["sample"]})


def test_a_plugin_that_cannot_be_imported_stops_start_up(make_app):
    with pytest.raises(PluginError) as error:
        make_app(
            PLUGINS=["oops"],
            PLUGIN_PATHS={"oops": "tests.plugins.broken.import_error:Unreachable"},
        )
    assert "Plugin “oops” could not be imported from tests.plugins.broken.import_error" in str(
        error.value
    )
    assert "No module named 'lms.no_such_module'" in str(error.value)


def test_a_class_that_is_not_a_plugin_stops_start_up(make_app):
    with pytest.raises(
        PluginError,
        match=re.escape(
            "Plugin “notaplugin”: tests.plugins.broken:NotAPlugin is not a subclass of "
            "lms.plugins.Plugin."
        ),
    ):
        make_app(**broken("NotAPlugin"))


def test_a_misspelt_hook_stops_start_up(make_app):
    with pytest.raises(PluginError) as error:
        make_app(**broken("HookTypo"))
    message = str(error.value)
    assert message.startswith("Plugin “hooktypo” implements a hook the LMS does not have")
    assert "lms_nav_itemz" in message
    assert "docs/plugins.md" in message


def test_a_hook_asking_for_an_unknown_argument_stops_start_up(make_app):
    with pytest.raises(PluginError) as error:
        make_app(**broken("WrongHookArgument"))
    assert "Plugin “wronghookargument” implements a hook with arguments" in str(error.value)
    assert "area" in str(error.value)


def test_a_hook_method_without_hookimpl_stops_start_up(make_app):
    with pytest.raises(PluginError, match=r"lms_nav_items\(\) without @hookimpl"):
        make_app(**broken("ForgotDecorator"))


def test_an_unknown_slot_stops_start_up(make_app):
    with pytest.raises(
        PluginError, match="Plugin “unknownslot” fills unknown template slot\\(s\\) sidebar_bottom"
    ):
        make_app(**broken("UnknownSlot"))


def test_a_blueprint_not_named_after_its_plugin_stops_start_up(make_app):
    with pytest.raises(
        PluginError,
        match=re.escape(
            "Plugin “misnamedblueprint” returned blueprint “other”; a plugin's blueprints "
            "must be named “misnamedblueprint” or “misnamedblueprint_...”."
        ),
    ):
        make_app(**broken("MisnamedBlueprint"))


def test_two_plugins_registering_the_same_key_stop_start_up(make_app):
    with pytest.raises(
        PluginError,
        match="Plugins “sample” and “duplicatesteptype” both register the step type “sample-poll”",
    ):
        make_app(**with_sample("DuplicateStepType"))


def test_a_plugin_registering_a_core_step_type_stops_start_up(make_app):
    with pytest.raises(PluginError, match="registers step type “text”, which the core already has"):
        make_app(**broken("CoreStepType"))


def test_plugins_load_after_the_plugins_they_require(host):
    # conftest lists needs_sample first; the loader puts sample first.
    assert list(host.plugins) == ["sample", "needs_sample"]
    assert host.plugins["needs_sample"].requires == ("sample",)


def test_load_order_does_not_depend_on_the_order_listed():
    for listed in (["needs_sample", "sample"], ["sample", "needs_sample"]):
        host = PluginHost()
        host.load(listed, PLUGIN_PATHS)
        assert list(host.plugins) == ["sample", "needs_sample"]


def test_a_missing_requirement_stops_start_up(make_app):
    with pytest.raises(
        PluginError, match="Plugin “needsmissing” requires “feedback”, which is not in PLUGINS"
    ):
        make_app(**broken("NeedsMissing"))


def test_plugins_requiring_each_other_in_a_circle_stop_start_up():
    host = PluginHost()
    paths = {
        "chicken": "tests.plugins.broken:ChickenPlugin",
        "egg": "tests.plugins.broken:EggPlugin",
    }
    with pytest.raises(PluginError, match="in a circle: chicken → egg → chicken"):
        host.load(["chicken", "egg"], paths)


def test_a_plugin_table_without_the_prefix_stops_start_up(tmp_path):
    # In a subprocess: once imported, the unprefixed model would stay in this process's
    # metadata and upset the model/migration drift checks.
    script = (
        "from lms import create_app\n"
        "from lms.plugins.manager import PluginError\n"
        "try:\n"
        f"    create_app({{'TESTING': True, 'INSTANCE_PATH': {str(tmp_path)!r},\n"
        "        'PLUGINS': ['badprefix'],\n"
        "        'PLUGIN_PATHS': {'badprefix': 'tests.plugins.badprefix:BadPrefix'}})\n"
        "except PluginError as error:\n"
        "    print(error)\n"
        "else:\n"
        "    print('started')\n"
    )
    result = subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", script],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert (
        "Plugin “badprefix” maps the table “notes_without_prefix” (Unprefixed); a plugin's "
        "tables must be named “badprefix_...”." in result.stdout
    )


# -- fault isolation ----------------------------------------------------------------------


class Person:
    """Stands in for a User: the hooks here only read the display name."""

    display_name = "Ada"


@pytest.fixture
def faulty_app(make_app):
    return make_app(**with_sample("Faulty"))


def test_failing_presentational_hooks_reraise_under_testing(faulty_app):
    host = faulty_app.extensions["lms_plugins"]
    assert host.raise_errors
    with pytest.raises(RuntimeError, match="widget is broken"):
        host.collect_isolated("lms_dashboard_widgets", user=Person())
    with pytest.raises(RuntimeError, match="nav is broken"):
        host.collect_isolated("lms_nav_items", user=Person())
    with (
        faulty_app.app_context(),
        faulty_app.test_request_context(),
        pytest.raises(RuntimeError, match="slot is broken"),
    ):
        render_slot("dashboard_top", user=Person())


def test_failing_presentational_hooks_are_logged_and_left_out_in_production(faulty_app, caplog):
    host = faulty_app.extensions["lms_plugins"]
    host.raise_errors = False  # as in production, where TESTING is off

    from lms.extensions import db

    with (
        faulty_app.app_context(),
        faulty_app.test_request_context(),
        caplog.at_level(logging.ERROR, logger="lms.plugins"),
    ):
        widgets = host.collect_isolated("lms_dashboard_widgets", user=Person())
        nav = host.collect_isolated("lms_nav_items", user=Person())
        html = render_slot("dashboard_top", user=Person())
        db.session.remove()

    # The sample plugin's output is still there; the faulty plugin's is left out.
    assert [name for name, _ in widgets] == ["sample"]
    assert [name for name, _ in nav] == ["sample"]
    assert "Hello, Ada." in html
    failures = [record.getMessage() for record in caplog.records]
    assert failures == [
        "Plugin faulty failed in lms_dashboard_widgets; its output is left out",
        "Plugin faulty failed in lms_nav_items; its output is left out",
        "Plugin faulty failed in lms_template_slot; its output is left out",
    ]
    assert all(record.exc_info for record in caplog.records)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"columns": ()}, "has no columns"),
        ({"scopes": frozenset({"everywhere"})}, "has scopes ['everywhere']"),
        ({"permission": "see_everything"}, "unknown permission “see_everything”"),
    ],
)
def test_a_report_that_cannot_be_shown_stops_start_up(app, changes, message):
    from lms.plugins.manager import PluginError, _check_report
    from lms.plugins.types import Report

    report = Report("notes", "Notes", ("person",), rows=lambda scope, params: [])
    _check_report("sample", report)  # a good one passes
    bad = Report(**{**report.__dict__, **changes})
    with pytest.raises(PluginError, match=message.replace("[", r"\[").replace("]", r"\]")):
        _check_report("sample", bad)
