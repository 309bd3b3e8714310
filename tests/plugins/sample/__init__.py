"""Sample plugin used by the framework's tests: it implements every hook the LMS offers.

It is a working example as much as a test double: each hook returns something small but
real, and each event hook records what it received in ``RECEIVED`` for the tests to read.
"""

from __future__ import annotations

from typing import Any

import click
from flask import Blueprint, current_app, has_app_context
from flask.cli import with_appcontext
from markupsafe import Markup
from sqlalchemy import func, select

from lms.extensions import db
from lms.plugins import (
    CertificateTemplate,
    CompletionContext,
    CompletionRule,
    Job,
    NavItem,
    Plugin,
    Report,
    SlotContent,
    StepType,
    Widget,
    hookimpl,
)
from tests.plugins.sample.models import SampleNote

#: Every event hook appends ``(hook name, the arguments it received)``.
RECEIVED: list[tuple[str, dict[str, Any]]] = []
#: Every run of the scheduled job appends what it could see of its context.
JOB_RUNS: list[dict[str, Any]] = []


def validate_poll(config: dict[str, Any]) -> list[str]:
    """A poll needs a question and at least two options."""
    problems = []
    if not str(config.get("question", "")).strip():
        problems.append("a sample-poll step needs a question")
    options = config.get("options")
    if not isinstance(options, list) or len(options) < 2:
        problems.append("a sample-poll step needs at least two options")
    return problems


def after_two(context: CompletionContext) -> bool:
    """Complete once any two of the module's steps (or the course's modules) are done."""
    return len(context.done_children) >= min(2, len(context.children))


def tidy_notes() -> None:
    """The scheduled job: note that it ran, with what it could see of the app."""
    count = db.session.scalar(select(func.count()).select_from(SampleNote))
    JOB_RUNS.append({"app_context": has_app_context(), "app": current_app.name, "notes": count})


def notes_report(cohort: Any, params: dict[str, Any]) -> list[tuple[Any, ...]]:
    """Rows of the sample report: every note, newest first."""
    notes = db.session.scalars(select(SampleNote).order_by(SampleNote.id.desc()))
    return [(note.user_id, note.body) for note in notes]


@click.command("hello")
@click.option("--name", default="friend", help="Who to greet.")
@with_appcontext
def hello_command(name: str) -> None:
    """Greet someone with the plugin's configured greeting."""
    plugin = current_app.extensions["lms_plugins"].plugins["sample"]
    click.echo(f"{plugin.settings()['greeting']}, {name}.")


class SamplePlugin(Plugin):
    """Sample plugin

    Implements every hook so the framework's tests can prove each one end to end.
    """

    version = "1.2"
    slots = ("dashboard_top", "course_outline")
    default_settings = {"greeting": "Hello"}
    cohort_settings_defaults = {"poll_size": 3, "show_widget": True}

    # -- setup ----------------------------------------------------------------------------

    @hookimpl
    def lms_blueprints(self) -> list[Blueprint]:
        from tests.plugins.sample.views import bp

        return [bp]

    @hookimpl
    def lms_cli_commands(self) -> list[click.Command]:
        return [hello_command]

    @hookimpl
    def lms_step_types(self) -> list[StepType]:
        return [StepType("sample-poll", "Poll", "sample/poll.html", validate=validate_poll)]

    @hookimpl
    def lms_completion_rules(self) -> list[CompletionRule]:
        return [
            CompletionRule(
                "sample-always-after-two",
                "Any two done",
                levels=frozenset({"module", "course"}),
                check=after_two,
            )
        ]

    @hookimpl
    def lms_scheduled_jobs(self) -> list[Job]:
        return [Job("tidy", tidy_notes, {"trigger": "interval", "minutes": 15})]

    @hookimpl
    def lms_certificate_templates(self) -> list[CertificateTemplate]:
        return [CertificateTemplate("sample-certificate", "Taking part", "sample/certificate.html")]

    @hookimpl
    def lms_reports(self) -> list[Report]:
        return [Report("sample-notes", "Sample notes", ("person", "note"), rows=notes_report)]

    # -- pages ----------------------------------------------------------------------------

    @hookimpl
    def lms_nav_items(self, user: Any) -> list[NavItem]:
        return [NavItem("sample", "Sample area", "sample.hello", order=60)]

    @hookimpl
    def lms_dashboard_widgets(self, user: Any) -> list[Widget]:
        return [
            Widget(
                "sample-welcome",
                "From the sample plugin",
                "sample/widget.html",
                {"name": user.display_name},
                order=50,
            )
        ]

    @hookimpl
    def lms_template_slot(self, name: str, context: dict[str, Any]) -> list[SlotContent]:
        if name == "dashboard_top":
            user = context["user"]
            return [
                SlotContent(
                    "sample-hello",
                    Markup("<p class='sample-slot'>Hello, {}.</p>").format(user.display_name),
                )
            ]
        # Plain strings are escaped by the core.
        return [SlotContent("sample-outline", "<b>not bold</b>")]

    # -- events ---------------------------------------------------------------------------

    @hookimpl
    def lms_user_created(self, user: Any) -> None:
        RECEIVED.append(("lms_user_created", {"user": user}))

    @hookimpl
    def lms_enrolled(self, enrolment: Any) -> None:
        RECEIVED.append(("lms_enrolled", {"enrolment": enrolment}))

    @hookimpl
    def lms_step_completed(self, user: Any, step: Any) -> None:
        RECEIVED.append(("lms_step_completed", {"user": user, "step": step}))

    @hookimpl
    def lms_module_completed(self, user: Any, module: Any) -> None:
        RECEIVED.append(("lms_module_completed", {"user": user, "module": module}))

    @hookimpl
    def lms_course_completed(self, user: Any, course: Any) -> None:
        RECEIVED.append(("lms_course_completed", {"user": user, "course": course}))

    @hookimpl
    def lms_certificate_issued(self, certificate: Any) -> None:
        RECEIVED.append(("lms_certificate_issued", {"certificate": certificate}))

    @hookimpl
    def lms_session_booked(self, booking: Any) -> None:
        RECEIVED.append(("lms_session_booked", {"booking": booking}))

    @hookimpl
    def lms_promoted_from_waitlist(self, booking: Any) -> None:
        RECEIVED.append(("lms_promoted_from_waitlist", {"booking": booking}))

    @hookimpl
    def lms_session_rescheduled(self, session: Any) -> None:
        RECEIVED.append(("lms_session_rescheduled", {"session": session}))

    @hookimpl
    def lms_session_cancelled(self, session: Any) -> None:
        RECEIVED.append(("lms_session_cancelled", {"session": session}))

    @hookimpl
    def lms_attendance_recorded(self, session: Any, attendances: Any) -> None:
        RECEIVED.append(
            ("lms_attendance_recorded", {"session": session, "attendances": attendances})
        )
