"""Switching a loaded plugin on or off for one cohort, with that cohort's settings."""

from __future__ import annotations

from typing import Any

from flask import current_app
from sqlalchemy import select

from lms.accounts.models import User
from lms.audit import services as audit
from lms.cohorts.models import Cohort, CohortPlugin, PluginSetting
from lms.db import begin_write
from lms.errors import InvalidInput
from lms.extensions import db
from lms.plugins.manager import PluginHost


def activation_for(cohort: Cohort, plugin: str) -> CohortPlugin | None:
    return db.session.scalar(
        select(CohortPlugin).where(
            CohortPlugin.cohort_id == cohort.id, CohortPlugin.plugin == plugin
        )
    )


def _host() -> PluginHost:
    host: PluginHost = current_app.extensions["lms_plugins"]
    return host


def set_cohort_plugin(
    actor: User | None,
    cohort: Cohort,
    plugin: str,
    *,
    active: bool,
    settings: dict[str, Any] | None = None,
) -> CohortPlugin:
    """Switch ``plugin`` on or off for ``cohort``; unknown settings keys are refused."""
    loaded = _host().plugins.get(plugin)
    if loaded is None:
        raise InvalidInput(f"The plugin “{plugin}” is not loaded on this site.")
    settings = settings or {}
    unknown = sorted(set(settings) - set(loaded.cohort_settings_defaults))
    if unknown:
        raise InvalidInput(f"“{plugin}” has no cohort setting called {', '.join(unknown)}.")
    begin_write()
    row = activation_for(cohort, plugin)
    if row is None:
        row = CohortPlugin(cohort_id=cohort.id, plugin=plugin, settings={})
        db.session.add(row)
    row.active = active
    row.settings = {**row.settings, **settings}
    audit.record(
        actor,
        "plugin.cohort_" + ("on" if active else "off"),
        cohort,
        f"{plugin} switched {'on' if active else 'off'} for {cohort.name}",
        plugin=plugin,
        settings=settings,
    )
    db.session.commit()
    return row


def set_plugin_setting(actor: User | None, plugin: str, key: str, value: Any) -> None:
    """Store a global setting of a loaded plugin; only declared keys are accepted."""
    loaded = _host().plugins.get(plugin)
    if loaded is None:
        raise InvalidInput(f"The plugin “{plugin}” is not loaded on this site.")
    if key not in loaded.default_settings:
        raise InvalidInput(f"“{plugin}” has no setting called “{key}”.")
    begin_write()
    row = db.session.scalar(
        select(PluginSetting).where(PluginSetting.plugin == plugin, PluginSetting.key == key)
    )
    if row is None:
        db.session.add(PluginSetting(plugin=plugin, key=key, value=value))
    else:
        row.value = value
    audit.record(actor, "plugin.setting", None, f"{plugin}.{key} changed", plugin=plugin, key=key)
    db.session.commit()
