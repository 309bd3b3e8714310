"""The class every plugin subclasses: metadata, settings and per-cohort activation."""

from __future__ import annotations

import inspect
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from sqlalchemy import select

from lms.extensions import db

if TYPE_CHECKING:
    from lms.cohorts.models import Cohort


class Plugin:
    """Base class of a plugin. The first line of a subclass's docstring is its title.

    Hook implementations are methods decorated with ``lms.plugins.hookimpl``.
    """

    #: Set by the loader from the entry-point name; also the table prefix and URL prefix.
    name: str = ""
    #: The plugin's version, shown in the admin area.
    version: ClassVar[str] = "0.1"
    #: Names of plugins that must be loaded first.
    requires: ClassVar[tuple[str, ...]] = ()
    #: Template slots this plugin fills (checked against the core's slot list at start-up).
    slots: ClassVar[tuple[str, ...]] = ()
    #: Global settings and their defaults; stored values must use these keys.
    default_settings: ClassVar[dict[str, Any]] = {}
    #: Per-cohort settings and their defaults, for cohorts that switch the plugin on.
    cohort_settings_defaults: ClassVar[dict[str, Any]] = {}

    def __init__(self, name: str) -> None:
        self.name = name
        self.logger = logging.getLogger(f"lms.plugins.{name}")

    @property
    def title(self) -> str:
        doc = inspect.getdoc(type(self)) or self.name
        return doc.splitlines()[0].rstrip(".")

    @property
    def package(self) -> str:
        """The Python package the plugin lives in (its models must live inside it)."""
        module = type(self).__module__
        if Path(inspect.getfile(type(self))).name == "__init__.py":
            return module
        return module.rsplit(".", 1)[0]

    @property
    def root(self) -> Path:
        return Path(inspect.getfile(type(self))).parent

    @property
    def migrations_dir(self) -> Path | None:
        path = self.root / "migrations"
        return path if path.is_dir() else None

    @property
    def table_prefix(self) -> str:
        return f"{self.name}_"

    # -- settings -------------------------------------------------------------------------

    def settings(self) -> dict[str, Any]:
        """Global settings: declared defaults overlaid with stored values."""
        from lms.cohorts.models import PluginSetting

        values = dict(self.default_settings)
        rows = db.session.scalars(select(PluginSetting).where(PluginSetting.plugin == self.name))
        values.update({row.key: row.value for row in rows if row.key in self.default_settings})
        return values

    def is_active_for(self, cohort: Cohort) -> bool:
        from lms.plugins.activation import activation_for

        row = activation_for(cohort, self.name)
        return bool(row and row.active)

    def cohort_settings(self, cohort: Cohort) -> dict[str, Any]:
        from lms.plugins.activation import activation_for

        values = dict(self.cohort_settings_defaults)
        row = activation_for(cohort, self.name)
        if row:
            values.update({k: v for k, v in row.settings.items() if k in values})
        return values
