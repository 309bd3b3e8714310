"""The plugin framework: pluggy hookspecs, the Plugin base class and the loader."""

from lms.plugins.base import Plugin
from lms.plugins.spec import hookimpl
from lms.plugins.types import (
    CertificateTemplate,
    CompletionContext,
    CompletionRule,
    Job,
    NavItem,
    Report,
    SlotContent,
    StepType,
    Widget,
)

__all__ = [
    "CertificateTemplate",
    "CompletionContext",
    "CompletionRule",
    "Job",
    "NavItem",
    "Plugin",
    "Report",
    "SlotContent",
    "StepType",
    "Widget",
    "hookimpl",
]
