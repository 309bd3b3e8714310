"""Small plugins that are wrong in one way each, for the loader's failure tests.

They live in one package with no models, so the table-prefix check has nothing to find.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint

from lms.plugins import NavItem, Plugin, SlotContent, StepType, Widget, hookimpl


class HookTypo(Plugin):
    """Misspells a hook name."""

    @hookimpl
    def lms_nav_itemz(self, user: Any) -> list[NavItem]:
        return []


class WrongHookArgument(Plugin):
    """Asks for an argument the hook does not have."""

    @hookimpl
    def lms_nav_items(self, user: Any, area: str) -> list[NavItem]:
        return []


class ForgotDecorator(Plugin):
    """Names a method like a hook but forgets @hookimpl."""

    def lms_nav_items(self, user: Any) -> list[NavItem]:
        return []


class UnknownSlot(Plugin):
    """Declares a slot no core template has."""

    slots = ("dashboard_top", "sidebar_bottom")


class MisnamedBlueprint(Plugin):
    """Returns a blueprint not named after itself."""

    @hookimpl
    def lms_blueprints(self) -> list[Blueprint]:
        return [Blueprint("other", __name__)]


class DuplicateStepType(Plugin):
    """Registers the sample plugin's step type again."""

    @hookimpl
    def lms_step_types(self) -> list[StepType]:
        return [StepType("sample-poll", "Another poll", "dupe/poll.html")]


class CoreStepType(Plugin):
    """Registers a step type the core already has."""

    @hookimpl
    def lms_step_types(self) -> list[StepType]:
        return [StepType("text", "Text again", "core/text.html")]


class NotAPlugin:
    """Does not subclass lms.plugins.Plugin."""


class NeedsMissing(Plugin):
    """Requires a plugin nobody listed."""

    requires = ("feedback",)


class ChickenPlugin(Plugin):
    """Requires egg, which requires chicken."""

    requires = ("egg",)


class EggPlugin(Plugin):
    """Requires chicken."""

    requires = ("chicken",)


class Faulty(Plugin):
    """Raises in every presentational hook, to test fault isolation."""

    slots = ("dashboard_top",)

    @hookimpl
    def lms_nav_items(self, user: Any) -> list[NavItem]:
        raise RuntimeError("nav is broken")

    @hookimpl
    def lms_dashboard_widgets(self, user: Any) -> list[Widget]:
        raise RuntimeError("widget is broken")

    @hookimpl
    def lms_template_slot(self, name: str, context: dict[str, Any]) -> list[SlotContent]:
        raise RuntimeError("slot is broken")
