"""The admin command line: ``flask --app wsgi lms ...``."""

from __future__ import annotations

import click
from flask.cli import AppGroup

lms_cli = AppGroup("lms", help="Run and look after the LMS.")


def _add_area_commands() -> None:
    from lms.accounts.cli import users
    from lms.catalogue.cli import courses
    from lms.certificates.cli import certificates
    from lms.cohorts.cli import cohorts
    from lms.demo import demo
    from lms.plugins.cli import plugins
    from lms.progress.cli import completion
    from lms.scheduler import scheduler
    from lms.setup import init

    for command in (
        users,
        courses,
        cohorts,
        completion,
        certificates,
        plugins,
        demo,
        init,
        scheduler,
    ):
        lms_cli.add_command(command)


_add_area_commands()

__all__ = ["click", "lms_cli"]
