"""Who may do what: the single ``can(user, action, obj)`` every route goes through.

Rules register themselves with ``@rule`` when their module is imported, so every rules
module is imported here; the facts they ask (enrolled? facilitates? manages?) are in
``facts``. Import everything from here.
"""

from lms.accounts.permissions import (  # noqa: F401 - the rules register on import
    accounts,
    certificates,
    cohorts,
    learning,
    live,
    reports,
)
from lms.accounts.permissions.facts import (
    BOOKING_STATUSES,
    TAKING_PART,
    Roles,
    facilitates,
    facilitates_course,
    holds_certificates,
    hosts,
    is_enrolled,
    is_facilitator,
    is_manager,
    load_signed_in,
    managed_ids,
    manages,
    manages_person,
    members_of,
    open_for_booking,
    takes_part,
)
from lms.accounts.permissions.registry import Rule, actions, can, require, rule

__all__ = [
    "BOOKING_STATUSES",
    "TAKING_PART",
    "Roles",
    "Rule",
    "actions",
    "can",
    "facilitates",
    "facilitates_course",
    "holds_certificates",
    "hosts",
    "is_enrolled",
    "is_facilitator",
    "is_manager",
    "load_signed_in",
    "managed_ids",
    "manages",
    "manages_person",
    "members_of",
    "open_for_booking",
    "require",
    "rule",
    "takes_part",
]
