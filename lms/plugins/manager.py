"""Loading plugins: discovery, dependency order, validation and the registries they fill."""

from __future__ import annotations

import importlib
import logging
import pkgutil
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cache
from importlib.metadata import entry_points
from typing import Any

import pluggy
from flask import Blueprint

from lms.plugins import spec
from lms.plugins.base import Plugin
from lms.plugins.types import (
    CertificateTemplate,
    CompletionRule,
    Job,
    Report,
    StepType,
)

log = logging.getLogger("lms.plugins")

CORE_STEP_TYPES = ("text", "video", "download", "reflection", "quiz")


class PluginError(RuntimeError):
    """A plugin cannot be loaded; start-up stops with this message."""


@dataclass
class Registries:
    """What plugins registered at start-up, keyed by their unique keys."""

    step_types: dict[str, tuple[str, StepType]] = field(default_factory=dict)
    completion_rules: dict[str, tuple[str, CompletionRule]] = field(default_factory=dict)
    certificate_templates: dict[str, tuple[str, CertificateTemplate]] = field(default_factory=dict)
    reports: dict[str, tuple[str, Report]] = field(default_factory=dict)
    blueprints: list[tuple[str, Blueprint]] = field(default_factory=list)


class PluginHost:
    """Holds the pluggy manager and the loaded plugins of one app."""

    def __init__(self, raise_errors: bool = False) -> None:
        self.pm = pluggy.PluginManager("lms")
        self.pm.add_hookspecs(spec)
        self.plugins: dict[str, Plugin] = {}
        self.registries = Registries()
        #: In tests a failing slot or widget re-raises instead of rendering nothing.
        self.raise_errors = raise_errors

    # -- loading --------------------------------------------------------------------------

    def load(self, names: Iterable[str], paths: dict[str, str] | None = None) -> None:
        """Load the named plugins (and their requirements' order); stop on any problem."""
        for name in dict.fromkeys(names):
            if name in reserved_names():
                raise PluginError(
                    f"Plugin “{name}” has a name the LMS keeps for its own parts (their "
                    "addresses, jobs and tables start with it). Please list the plugin "
                    "under another name in PLUGINS and in its entry point."
                )
        classes = {name: _resolve(name, paths or {}) for name in dict.fromkeys(names)}
        for name in _dependency_order(classes):
            plugin = classes[name](name)
            _check_undecorated_hooks(plugin)
            self.plugins[name] = plugin
            try:
                self.pm.register(plugin, name=name)
            except pluggy.PluginValidationError as error:
                raise PluginError(
                    f"Plugin “{name}” implements a hook with arguments the LMS does not pass: "
                    f"{error}. Check the signature against docs/plugins.md."
                ) from error
        try:
            self.pm.check_pending()
        except pluggy.PluginValidationError as error:
            raise PluginError(
                f"Plugin “{self.pm.get_name(error.plugin)}” implements a hook the LMS does not "
                f"have: {error}. Check the spelling against docs/plugins.md."
            ) from error
        for plugin in self.plugins.values():
            _check_slots(plugin)
        self._collect()
        for plugin in self.plugins.values():
            _check_table_prefixes(plugin)

    def _collect(self) -> None:
        reg = self.registries
        for plugin_name, items in self.collect("lms_step_types"):
            for item in items:
                if item.key in CORE_STEP_TYPES:
                    raise PluginError(
                        f"Plugin “{plugin_name}” registers step type “{item.key}”, "
                        "which the core already has."
                    )
                _register(reg.step_types, "step type", plugin_name, item)
        for plugin_name, rules in self.collect("lms_completion_rules"):
            for rule in rules:
                if rule.key in (
                    "all",
                    "any",
                    "viewed",
                    "marked_done",
                    "quiz_passed",
                    "reflection_submitted",
                ):
                    raise PluginError(
                        f"Plugin “{plugin_name}” registers completion rule “{rule.key}”, "
                        "which the core already has."
                    )
                _register(reg.completion_rules, "completion rule", plugin_name, rule)
        for plugin_name, templates in self.collect("lms_certificate_templates"):
            for template in templates:
                _register(reg.certificate_templates, "certificate template", plugin_name, template)
        for plugin_name, reports in self.collect("lms_reports"):
            for report in reports:
                _check_report(plugin_name, report)
                _register(reg.reports, "report", plugin_name, report)
        for plugin_name, blueprints in self.collect("lms_blueprints"):
            for bp in blueprints:
                if bp.name != plugin_name and not bp.name.startswith(plugin_name + "_"):
                    raise PluginError(
                        f"Plugin “{plugin_name}” returned blueprint “{bp.name}”; a plugin's "
                        f"blueprints must be named “{plugin_name}” or “{plugin_name}_...”."
                    )
                reg.blueprints.append((plugin_name, bp))

    # -- calling hooks --------------------------------------------------------------------

    def collect(self, hook_name: str, **kwargs: Any) -> list[tuple[str, list[Any]]]:
        """Call a collector hook on each plugin separately: ``[(plugin name, items), ...]``,
        in load order (a plugin after the plugins it requires)."""
        hook = getattr(self.pm.hook, hook_name)
        results = []
        for impl in hook.get_hookimpls():
            items = _call(impl, kwargs)
            results.append((impl.plugin_name, list(items or [])))
        return results

    def collect_isolated(
        self, hook_name: str, only: Callable[[Plugin], bool] | None = None, **kwargs: Any
    ) -> list[tuple[str, Any]]:
        """Like ``collect`` for presentational hooks: a plugin that raises is logged with its
        name and skipped (re-raised when ``raise_errors`` is set, as under testing)."""
        hook = getattr(self.pm.hook, hook_name)
        results: list[tuple[str, Any]] = []
        for impl in hook.get_hookimpls():
            plugin = self.plugins.get(impl.plugin_name)
            if only is not None and plugin is not None and not only(plugin):
                continue
            try:
                items = list(_call(impl, kwargs) or [])
            except Exception:
                if self.raise_errors:
                    raise
                log.exception(
                    "Plugin %s failed in %s; its output is left out", impl.plugin_name, hook_name
                )
                continue
            results.extend((impl.plugin_name, item) for item in items)
        results.sort(key=lambda pair: (getattr(pair[1], "order", 100), pair[1].key))
        return results

    def fire(self, hook_name: str, **kwargs: Any) -> None:
        """Run an event hook on every plugin in load order; one plugin's failure does not stop
        the others."""
        hook = getattr(self.pm.hook, hook_name)
        for impl in hook.get_hookimpls():
            try:
                _call(impl, kwargs)
            except Exception:
                if self.raise_errors:
                    raise
                log.exception("Plugin %s failed handling %s", impl.plugin_name, hook_name)

    def jobs(self) -> list[tuple[str, Job]]:
        found: dict[str, tuple[str, Job]] = {}
        for plugin_name, jobs in self.collect("lms_scheduled_jobs"):
            for job in jobs:
                _register(found, "job", plugin_name, job)
        return [(f"{plugin}.{job.key}", job) for plugin, job in found.values()]


def _call(impl: Any, kwargs: dict[str, Any]) -> Any:
    """Call one hook implementation with the arguments it asks for, as pluggy itself does
    (an implementation may leave out arguments it does not use)."""
    return impl.function(*(kwargs[name] for name in impl.argnames))


def _register(registry: dict[str, Any], kind: str, plugin_name: str, item: Any) -> None:
    if not item.key:
        raise PluginError(f"Plugin “{plugin_name}” registered a {kind} without a key.")
    if item.key in registry:
        other = registry[item.key][0]
        raise PluginError(
            f"Plugins “{other}” and “{plugin_name}” both register the {kind} “{item.key}”."
        )
    registry[item.key] = (plugin_name, item)


def _check_report(plugin_name: str, report: Report) -> None:
    from lms.accounts.permissions import actions
    from lms.plugins.types import REPORT_SCOPES

    problem = None
    if not report.columns:
        problem = "has no columns"
    elif not report.scopes or not set(report.scopes) <= REPORT_SCOPES:
        problem = f"has scopes {sorted(report.scopes)}; choose from {sorted(REPORT_SCOPES)}"
    elif report.permission not in actions():
        problem = f"asks for the unknown permission “{report.permission}”"
    if problem:
        raise PluginError(
            f"Plugin “{plugin_name}” registers the report “{report.key}”, which {problem}."
        )


@cache
def reserved_names() -> frozenset[str]:
    """Names no plugin may have: ``lms`` (the core's jobs are ``lms.<key>``), ``static``
    and every part of the core (``lms.<name>``), whose blueprints, endpoints and tables a
    plugin's would otherwise meet (a plugin's are named after the plugin)."""
    import lms

    return frozenset({"lms", "static", *(part.name for part in pkgutil.iter_modules(lms.__path__))})


def _resolve(name: str, paths: dict[str, str]) -> type[Plugin]:
    target = paths.get(name)
    if target is None:
        matches = [ep for ep in entry_points(group="lms.plugins") if ep.name == name]
        if not matches:
            raise PluginError(
                f"Plugin “{name}” is listed in PLUGINS but not installed "
                "(no 'lms.plugins' entry point of that name)."
            )
        target = matches[0].value
    module_name, _, attr = target.partition(":")
    try:
        obj: Any = importlib.import_module(module_name)
        for part in attr.split(".") if attr else ():
            obj = getattr(obj, part)
    except Exception as error:
        raise PluginError(
            f"Plugin “{name}” could not be imported from {target}: {error}"
        ) from error
    if not (isinstance(obj, type) and issubclass(obj, Plugin)):
        raise PluginError(f"Plugin “{name}”: {target} is not a subclass of lms.plugins.Plugin.")
    return obj


def _dependency_order(classes: dict[str, type[Plugin]]) -> list[str]:
    order: list[str] = []
    visiting: set[str] = set()

    def visit(name: str, chain: tuple[str, ...]) -> None:
        if name in order:
            return
        if name in visiting:
            raise PluginError("Plugins require each other in a circle: " + " → ".join(chain))
        visiting.add(name)
        for required in classes[name].requires:
            if required not in classes:
                raise PluginError(
                    f"Plugin “{name}” requires “{required}”, which is not in PLUGINS."
                )
            visit(required, (*chain, required))
        visiting.discard(name)
        order.append(name)

    for name in classes:
        visit(name, (name,))
    return order


def _check_slots(plugin: Plugin) -> None:
    from lms.plugins.slots import SLOTS

    unknown = sorted(set(plugin.slots) - set(SLOTS))
    if unknown:
        raise PluginError(
            f"Plugin “{plugin.name}” fills unknown template slot(s) {', '.join(unknown)}. "
            f"Known slots: {', '.join(sorted(SLOTS))}."
        )


def _check_undecorated_hooks(plugin: Plugin) -> None:
    """A method named like a hook but missing ``@hookimpl`` would silently never run."""
    for attr in dir(type(plugin)):
        value = getattr(type(plugin), attr, None)
        if attr.startswith("lms_") and callable(value) and not hasattr(value, "lms_impl"):
            raise PluginError(
                f"Plugin “{plugin.name}” has a method {attr}() without @hookimpl, so it would "
                "never be called. Decorate it with lms.plugins.hookimpl (or rename it)."
            )


def _check_table_prefixes(plugin: Plugin) -> None:
    """Every table mapped by a class inside the plugin's package carries its prefix."""
    from lms.extensions import Base

    package = plugin.package
    for mapper in Base.registry.mappers:
        module = mapper.class_.__module__
        if module != package and not module.startswith(package + "."):
            continue
        if mapper.single:
            continue  # single-table inheritance maps no table of its own
        table = getattr(mapper.local_table, "name", "")
        if not table.startswith(plugin.table_prefix):
            raise PluginError(
                f"Plugin “{plugin.name}” maps the table “{table}” ({mapper.class_.__name__}); "
                f"a plugin's tables must be named “{plugin.table_prefix}...”."
            )
