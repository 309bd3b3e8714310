"""``flask --app wsgi lms cohorts ...``: looking after cohorts from the command line."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from lms.cohorts.services.retention import forget_old_uploads

cohorts = click.Group("cohorts", help="Cohorts and bulk enrolment.")


@cohorts.command("forget-uploads")
@with_appcontext
def forget_uploads() -> None:
    """Delete the people in old bulk enrolment files (the scheduler does this nightly)."""
    try:
        done = forget_old_uploads()
    except ValueError as error:
        raise click.ClickException(str(error)) from None
    click.echo(
        f"Deleted the people in {done.applied} applied file(s) and "
        f"{done.previews} unapplied preview(s)."
    )
