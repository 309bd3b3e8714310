"""The register of rules: ``@rule(action)`` adds one, ``can(user, action, obj)`` asks it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import abort

from lms.accounts.models import User

Rule = Callable[[User, Any], bool]
_RULES: dict[str, Rule] = {}


def rule(*actions: str) -> Callable[[Rule], Rule]:
    def register(fn: Rule) -> Rule:
        for action in actions:
            if action in _RULES:
                raise ValueError(f"Permission {action!r} is defined twice")
            _RULES[action] = fn
        return fn

    return register


def can(user: Any, action: str, obj: Any = None) -> bool:
    """True if ``user`` (possibly anonymous) may do ``action`` to ``obj``.

    Admins may do everything except act as a learner on someone else's behalf.
    """
    if action not in _RULES:
        raise KeyError(f"Unknown permission {action!r}")
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return _RULES[action](user, obj)


def require(allowed: bool) -> None:
    """Stop the request with 403 unless ``allowed``."""
    if not allowed:
        abort(403)


def actions() -> list[str]:
    return sorted(_RULES)
