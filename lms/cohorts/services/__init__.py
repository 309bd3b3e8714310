"""Every change to cohorts and enrolments. Split by entity; import everything from here.

Each write service starts a write transaction, validates (bad input writes nothing), writes
with its audit entry and commits with ``lms.events.commit``, which then fires plugin events.
"""

from lms.cohorts.services.booking import Booking, book_places, bookable_problem
from lms.cohorts.services.bulk import BulkResult, IssuedSheetCode, apply_upload, preview_upload
from lms.cohorts.services.bulk_rows import ACTIONS, check_rows
from lms.cohorts.services.codes import issue_cohort_codes, waiting_for_codes
from lms.cohorts.services.cohorts import (
    COMMON_TIMEZONES,
    create_cohort,
    update_cohort,
    valid_timezone,
)
from lms.cohorts.services.enrolments import (
    defer,
    enrol,
    enrol_person,
    enrolment_for,
    enrolment_on,
    join_cohort,
    later_cohort_problem,
    reenrol,
    start_course,
    withdraw,
)
from lms.cohorts.services.places import places_left, places_taken
from lms.cohorts.services.retention import (
    Forgotten,
    forget_old_uploads,
    forget_upload,
    kept_days,
)

__all__ = [
    "ACTIONS",
    "COMMON_TIMEZONES",
    "Booking",
    "BulkResult",
    "Forgotten",
    "IssuedSheetCode",
    "apply_upload",
    "book_places",
    "bookable_problem",
    "check_rows",
    "create_cohort",
    "defer",
    "enrol",
    "enrol_person",
    "enrolment_for",
    "enrolment_on",
    "forget_old_uploads",
    "forget_upload",
    "issue_cohort_codes",
    "join_cohort",
    "kept_days",
    "later_cohort_problem",
    "places_left",
    "places_taken",
    "preview_upload",
    "reenrol",
    "start_course",
    "update_cohort",
    "valid_timezone",
    "waiting_for_codes",
    "withdraw",
]
