"""``flask --app wsgi lms plugins ...``: see what is loaded, switch plugins on per cohort."""

from __future__ import annotations

import json
from typing import Any

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from lms.errors import LMSError
from lms.extensions import db
from lms.plugins.manager import PluginHost

plugins = click.Group("plugins", help="See the loaded plugins; switch them on per cohort.")


def _host() -> PluginHost:
    host: PluginHost = current_app.extensions["lms_plugins"]
    return host


def parse_value(text: str) -> Any:
    """A command-line value as JSON when it parses (``5``, ``true``, ``["a"]``), else text."""
    try:
        return json.loads(text)
    except ValueError:
        return text


def _parse_assignments(pairs: tuple[str, ...]) -> dict[str, Any]:
    settings: dict[str, Any] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise click.BadParameter(f"“{pair}” is not key=value.", param_hint="--set")
        settings[key.strip()] = parse_value(value)
    return settings


def _cohort(cohort_id: int) -> Any:
    from lms.cohorts.models import Cohort

    cohort = db.session.get(Cohort, cohort_id)
    if cohort is None:
        raise click.ClickException(f"There is no cohort with id {cohort_id}.")
    return cohort


def _loaded(name: str) -> None:
    if name not in _host().plugins:
        loaded = ", ".join(sorted(_host().plugins)) or "none"
        raise click.ClickException(
            f"The plugin “{name}” is not loaded on this site (loaded: {loaded}). "
            "Add it to LMS_PLUGINS and restart."
        )


@plugins.command("list")
@with_appcontext
def list_plugins() -> None:
    """The loaded plugins, in load order, with the cohorts each is active for."""
    from lms.cohorts.models import Cohort, CohortPlugin

    host = _host()
    if not host.plugins:
        click.echo("No plugins are loaded. List their names in LMS_PLUGINS, e.g. '[\"feedback\"]'.")
        return
    rows = db.session.execute(
        select(CohortPlugin.plugin, Cohort.id, Cohort.name)
        .join(Cohort, Cohort.id == CohortPlugin.cohort_id)
        .where(CohortPlugin.active.is_(True))
        .order_by(Cohort.id)
    ).all()
    active: dict[str, list[str]] = {}
    for plugin_name, cohort_id, cohort_name in rows:
        active.setdefault(plugin_name, []).append(f"{cohort_id} ({cohort_name})")
    for plugin in host.plugins.values():
        click.echo(f"{plugin.name} {plugin.version}: {plugin.title}")
        click.echo(f"  requires: {', '.join(plugin.requires) or 'nothing'}")
        click.echo(f"  active for cohorts: {', '.join(active.get(plugin.name, [])) or 'none'}")


@plugins.command("activate")
@click.argument("name")
@click.option("--cohort", "cohort_id", type=int, required=True, help="The cohort's id.")
@click.option(
    "--set",
    "assignments",
    multiple=True,
    metavar="KEY=VALUE",
    help="A cohort setting (repeatable); the value is read as JSON when it parses.",
)
@with_appcontext
def activate(name: str, cohort_id: int, assignments: tuple[str, ...]) -> None:
    """Switch plugin NAME on for a cohort, optionally with cohort settings."""
    from lms.plugins.activation import set_cohort_plugin

    _loaded(name)
    settings = _parse_assignments(assignments)
    cohort = _cohort(cohort_id)
    try:
        row = set_cohort_plugin(None, cohort, name, active=True, settings=settings)
    except LMSError as error:
        raise click.ClickException(error.message) from error
    click.echo(f"{name} is now active for cohort {cohort.id} ({cohort.name}).")
    if row.settings:
        click.echo("  settings: " + json.dumps(row.settings, sort_keys=True))


@plugins.command("deactivate")
@click.argument("name")
@click.option("--cohort", "cohort_id", type=int, required=True, help="The cohort's id.")
@with_appcontext
def deactivate(name: str, cohort_id: int) -> None:
    """Switch plugin NAME off for a cohort (its settings are kept)."""
    from lms.plugins.activation import set_cohort_plugin

    _loaded(name)
    cohort = _cohort(cohort_id)
    try:
        set_cohort_plugin(None, cohort, name, active=False)
    except LMSError as error:
        raise click.ClickException(error.message) from error
    click.echo(f"{name} is now off for cohort {cohort.id} ({cohort.name}).")


@plugins.command("set")
@click.argument("name")
@click.argument("key")
@click.argument("value")
@with_appcontext
def set_setting(name: str, key: str, value: str) -> None:
    """Set a global setting KEY of plugin NAME; VALUE is read as JSON when it parses."""
    from lms.plugins.activation import set_plugin_setting

    _loaded(name)
    try:
        set_plugin_setting(None, name, key, parse_value(value))
    except LMSError as error:
        raise click.ClickException(error.message) from error
    click.echo(f"{name}.{key} = {json.dumps(parse_value(value))}")
