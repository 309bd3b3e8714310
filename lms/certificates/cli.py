"""``flask --app wsgi lms certificates ...``: catch up on issuing, finish bulk issues."""

from __future__ import annotations

import sys

import click
from flask.cli import with_appcontext
from sqlalchemy import exists, func, select

certificates = click.Group("certificates", help="Certificates: issuing and bulk issues.")


@certificates.command("check")
@with_appcontext
def check() -> None:
    """Look at everyone without a certificate again and issue what they have earned."""
    from lms.certificates.models import Certificate
    from lms.certificates.services import check_everyone
    from lms.certificates.services.eligibility import ISSUABLE_STATUSES
    from lms.cohorts.models import Enrolment
    from lms.extensions import db

    expected = (
        db.session.scalar(
            select(func.count(Enrolment.id)).where(
                Enrolment.status.in_(ISSUABLE_STATUSES),
                ~exists().where(Certificate.enrolment_id == Enrolment.id),
            )
        )
        or 0
    )
    with click.progressbar(
        length=max(expected, 1), label="Checking who has earned a certificate", file=sys.stderr
    ) as bar:
        result = check_everyone(progress=bar.update)
    click.echo(
        f"Looked at {result.looked_at} enrolments: {result.issued} certificates issued, "
        f"{result.waiting_for_name} waiting for the learner to confirm their name."
    )


@certificates.command("run-batches")
@with_appcontext
def run_batches() -> None:
    """Finish every bulk issue that has people still to do (safe to run at any time)."""
    from lms.certificates.models import CertificateBatchItem
    from lms.certificates.services import run_batch, unfinished_batches
    from lms.extensions import db

    batches = unfinished_batches()
    pending = (
        db.session.scalar(
            select(func.count(CertificateBatchItem.id)).where(
                CertificateBatchItem.state == "pending"
            )
        )
        or 0
    )
    done = 0
    with click.progressbar(
        length=max(pending, 1), label="Issuing certificates in bulk", file=sys.stderr
    ) as bar:
        for batch in batches:
            done += run_batch(batch, progress=bar.update)
    click.echo(f"{len(batches)} bulk issue(s): {done} people done.")
