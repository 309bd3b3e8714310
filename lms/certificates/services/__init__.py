"""Every change to certificates. Split by what changes; import everything from here.

Write services start a write transaction, validate (bad input raises an ``LMSError`` and
writes nothing), audit and commit with ``lms.events.commit``.
"""

from lms.certificates.services.bulk import (
    process_item,
    run_batch,
    run_unfinished_batches,
    start_for_cohort,
    start_for_session,
    unfinished_batches,
)
from lms.certificates.services.changes import reissue, revoke
from lms.certificates.services.eligibility import (
    CPD_SENTENCE,
    certificate_details,
    is_eligible,
    waiting,
)
from lms.certificates.services.issuing import (
    CheckResult,
    check_everyone,
    confirm_name,
    confirmed_name,
    issue_due,
    issue_for,
    name_choices,
    new_code,
    normalise_code,
    printable_problem,
)

__all__ = [
    "CPD_SENTENCE",
    "CheckResult",
    "certificate_details",
    "check_everyone",
    "confirm_name",
    "confirmed_name",
    "is_eligible",
    "issue_due",
    "issue_for",
    "name_choices",
    "new_code",
    "normalise_code",
    "printable_problem",
    "process_item",
    "reissue",
    "revoke",
    "run_batch",
    "run_unfinished_batches",
    "start_for_cohort",
    "start_for_session",
    "unfinished_batches",
    "waiting",
]
