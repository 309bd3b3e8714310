"""The certificate designs a course can choose: the core's two and those plugins add."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app

from lms.errors import InvalidInput
from lms.plugins.types import CertificateTemplate

#: The core's designs, by the key course files use (``certificate_template: <key>``).
CORE_DESIGNS = {
    "completion": CertificateTemplate(
        "completion", "Certificate of completion", "certificates/pdf/completion.html", 1
    ),
    "attendance": CertificateTemplate(
        "attendance", "Certificate of attendance", "certificates/pdf/attendance.html", 1
    ),
}


@dataclass(frozen=True)
class Design:
    """A design as the core uses it: which template, which version, and which kind of
    certificate it makes (attendance certificates come from the register, every other
    design from completing the course)."""

    key: str
    title: str
    template: str
    version: int
    kind: str
    plugin: str | None = None


def design(key: str) -> Design:
    """The design ``key`` names; an unknown key is a problem with the course's file."""
    if key in CORE_DESIGNS:
        found = CORE_DESIGNS[key]
        return Design(found.key, found.title, found.template, found.version, key)
    registry = current_app.extensions["lms_plugins"].registries.certificate_templates
    if key not in registry:
        raise InvalidInput(
            f"The certificate design “{key}” is not available (is its plugin loaded?). "
            "An admin can choose another in the course's file."
        )
    plugin, template = registry[key]
    return Design(
        template.key, template.title, template.template, template.version, "completion", plugin
    )


def kind_of(key: str) -> str:
    """``attendance`` for the attendance design, ``completion`` for every other one."""
    return "attendance" if key == "attendance" else "completion"
