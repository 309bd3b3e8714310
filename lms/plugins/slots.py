"""Named places in core templates where plugins may add HTML: ``{{ slot("name", ...) }}``."""

from __future__ import annotations

from typing import Any

from flask import current_app
from markupsafe import Markup, escape

#: Every slot a core template offers, with what its context holds.
SLOTS: dict[str, str] = {
    "dashboard_top": "above the learner's courses; context: user",
    "course_outline": "below a course outline; context: user, course",
    "step_page": "below a step's content; context: user, step",
    "cohort_page": "on a facilitator's cohort page; context: user, cohort",
    "account_page": "on the learner's account page; context: user",
    "admin_user": "on the admin page of one person; context: user, subject",
}


def render_slot(name: str, **context: Any) -> Markup:
    """Join the HTML plugins put into slot ``name``; an unknown name is a programming error."""
    if name not in SLOTS:
        raise KeyError(f"Unknown template slot “{name}”. Known slots: {', '.join(sorted(SLOTS))}")
    host = current_app.extensions["lms_plugins"]
    parts = host.collect_isolated(
        "lms_template_slot", only=lambda plugin: name in plugin.slots, name=name, context=context
    )
    return Markup("").join(
        Markup('<div class="slot slot-{}">{}</div>').format(name, escape(item.html))
        for _plugin, item in parts
    )
