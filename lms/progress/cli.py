"""``flask lms completion ...``: re-run the completion engine."""

from __future__ import annotations

import sys

import click
from flask.cli import with_appcontext

from lms.db import begin_write
from lms.events import commit
from lms.progress.completion import recompute_everything

completion = click.Group("completion", help="The completion engine.")


@completion.command("recompute")
@with_appcontext
def recompute() -> None:
    """Re-derive step, module and course completion for everyone (only ever adds)."""
    from sqlalchemy import func, select

    from lms.catalogue.models import Step
    from lms.extensions import db
    from lms.progress.models import StepProgress

    expected = (
        db.session.scalar(
            select(func.count()).select_from(
                select(StepProgress.user_id, Step.course_id)
                .join(Step, Step.id == StepProgress.step_id)
                .distinct()
                .subquery()
            )
        )
        or 0
    )
    begin_write()
    with click.progressbar(
        length=max(expected, 1), label="Recomputing completion", file=sys.stderr
    ) as bar:
        totals = recompute_everything(progress=lambda _user, _course: bar.update(1))
    commit()
    click.echo(
        f"Checked {totals['pairs']} learner-course pairs: {totals['steps']} steps, "
        f"{totals['modules']} modules and {totals['courses']} courses newly complete."
    )
