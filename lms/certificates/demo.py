"""Demo certificates: the learner who finished the foundations course has one, issued
the way any certificate is, once she confirmed the name to print."""

from __future__ import annotations

import click

from lms.accounts.models import User
from lms.certificates import services as certificates


def seed_certificates(people: dict[str, User]) -> None:
    """``people`` are the demo accounts by sign-in name (see lms/demo.py)."""
    maria = people["learner2@example.org"]
    for certificate in certificates.confirm_name(maria, "display"):
        click.echo(
            f"Demo certificate {certificate.number} for {certificate.issued_name}: "
            f"check it at /verify/{certificate.code}"
        )
