"""The certificates' periodic jobs, run by the one scheduler process."""

from __future__ import annotations

from lms.plugins.types import Job


def finish_bulk_issues() -> None:
    from lms.certificates.services import run_unfinished_batches

    run_unfinished_batches()


def check_everyone_again() -> None:
    from lms.certificates.services import check_everyone

    check_everyone()


def certificate_jobs() -> list[Job]:
    return [
        # Bulk issues started in a request carry on here within a minute.
        Job("certificates-batches", finish_bulk_issues, {"trigger": "interval", "minutes": 1}),
        # Anything an event missed (a worker stopped mid-request) is issued overnight.
        Job("certificates-check", check_everyone_again, {"trigger": "cron", "hour": 3}),
    ]
