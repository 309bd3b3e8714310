"""The main navigation: core links by role, then links plugins add."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from flask import current_app, url_for
from flask_login import current_user

from lms.accounts.permissions import can, holds_certificates

log = logging.getLogger("lms.plugins")


@dataclass(frozen=True)
class Link:
    key: str
    label: str
    url: str
    order: int


def nav_items() -> list[Link]:
    if not current_user.is_authenticated:
        return []
    links = [
        Link("dashboard", "My learning", url_for("home.dashboard"), 10),
        Link("courses", "Courses", url_for("catalogue.index"), 20),
        Link("reflections", "My reflections", url_for("progress.my_reflections"), 30),
    ]
    facilitates = can(current_user, "facilitate")
    manages = can(current_user, "view_organisations")
    if can(current_user, "view_people_certificates"):
        links.append(Link("certificates", "Certificates", url_for("certificates.people"), 35))
    elif holds_certificates(current_user):
        links.append(Link("certificates", "Certificates", url_for("certificates.mine"), 35))
    if facilitates:
        links.append(Link("facilitate", "My cohorts", url_for("cohorts.index"), 40))
    if manages:
        links.append(Link("organisations", "My organisation", url_for("reports.index"), 50))
    if facilitates or manages:  # what "view_reports" allows, without asking again
        links.append(Link("reports", "Reports", url_for("reports.reports"), 60))
    if can(current_user, "administer"):
        links.append(Link("admin", "Admin", url_for("admin.index"), 90))
    host = current_app.extensions["lms_plugins"]
    for plugin, item in host.collect_isolated("lms_nav_items", user=current_user):
        try:
            url = url_for(item.endpoint, **item.url_kwargs)
        except Exception:
            if host.raise_errors:
                raise
            log.exception("Plugin %s offered a nav item with a broken link", plugin)
            continue
        links.append(Link(item.key, item.label, url, item.order))
    return sorted(links, key=lambda link: link.order)
