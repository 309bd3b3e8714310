"""Completion rules: ``all``, ``any`` and ``attendance`` for modules and courses, and the
rules plugins register for steps, modules and courses."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import current_app

from lms.catalogue import structure
from lms.catalogue.models import Step
from lms.plugins.types import CompletionContext


def rule_met(
    rule: Mapping[str, Any],
    done: int,
    total: int,
    level: str,
    target: Any,
    user_id: int,
    done_ids: set[int],
    child_ids: list[int],
) -> bool:
    """Does ``done`` of ``total`` children satisfy ``rule`` (``all``, ``any``, ``attendance``
    or a plugin's)? ``attendance`` looks at live sessions, not children (lms.live.queries)."""
    name = rule.get("rule", "all")
    if name == "all":
        return total > 0 and done >= total
    if name == "any":
        return done >= min(int(rule.get("n", 1)), total) and total > 0
    if name == "attendance":
        from lms.live.queries import attendance_met

        course = target if level == "course" else target.course
        return attendance_met(user_id, course, int(rule.get("percent", 100)))
    plugin_rule = _plugin_rule(name)
    params = {k: structure.thaw(v) for k, v in rule.items() if k != "rule"}
    return plugin_rule.check(
        CompletionContext(
            user_id=user_id,
            level=level,
            target=target,
            params=params,
            done_children=frozenset(done_ids),
            children=tuple(child_ids),
        )
    )


def _plugin_rule(name: str) -> Any:
    registry = current_app.extensions["lms_plugins"].registries.completion_rules
    if name not in registry:
        raise LookupError(f"Completion rule “{name}” is not registered (is its plugin loaded?)")
    return registry[name][1]


def plugin_step_rule_met(rule: str, step: Step, user_id: int) -> bool:
    return bool(
        _plugin_rule(rule).check(
            CompletionContext(user_id=user_id, level="step", target=step, params={})
        )
    )
