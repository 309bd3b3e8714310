"""A tiny plugin for the catalogue tests: a ``poll`` step type, completion rules for each
level and a certificate template."""

from __future__ import annotations

from typing import Any

from lms.plugins import CertificateTemplate, CompletionRule, Plugin, StepType, hookimpl


def validate_poll(config: dict[str, Any]) -> list[str]:
    problems = []
    options = config.get("options")
    if not isinstance(options, list) or len(options) < 2:
        problems.append("options must be a list of at least 2 choices")
    unknown = sorted(set(config) - {"options", "anonymous"})
    problems.extend(f'unknown key "{key}"' for key in unknown)
    return problems


class PollPlugin(Plugin):
    """Polls"""

    @hookimpl
    def lms_step_types(self) -> list[StepType]:
        return [
            StepType(
                key="poll",
                title="Poll",
                template="poll/step.html",
                complete_when="viewed",
                validate=validate_poll,
            )
        ]

    @hookimpl
    def lms_completion_rules(self) -> list[CompletionRule]:
        return [
            CompletionRule(
                key="voted", title="Voted", levels=frozenset({"step"}), check=lambda ctx: True
            ),
            CompletionRule(
                key="most",
                title="Most of them",
                levels=frozenset({"module", "course"}),
                check=lambda ctx: len(ctx.done_children) * 2 > len(ctx.children),
            ),
        ]

    @hookimpl
    def lms_certificate_templates(self) -> list[CertificateTemplate]:
        return [
            CertificateTemplate(
                key="poll-certificate", title="Poll certificate", template="poll/certificate.html"
            )
        ]
