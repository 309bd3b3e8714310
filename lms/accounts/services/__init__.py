"""Every change to people, organisations, memberships, passwords and one-time codes.

Each write service starts a write transaction, validates (bad input writes nothing),
writes, records the audit entry for admin actions and commits with ``lms.events.commit``,
which fires queued plugin events after the commit. ``actor`` is ``None`` when a change
comes from the command line. Split by entity; import everything from here.
"""

from lms.accounts.services.codes import (
    IssuedCode,
    hash_code,
    issue_one_time_code,
    redeem_one_time_code,
)
from lms.accounts.services.organisations import (
    add_membership,
    create_organisation,
    remove_membership,
    update_organisation,
)
from lms.accounts.services.people import (
    add_user,
    authenticate,
    change_password,
    create_user,
    create_user_with_code,
    deactivate_user,
    end_sessions,
    find_by_sign_in_name,
    reactivate_user,
    set_admin,
    set_password,
    update_profile,
    update_user,
)
from lms.accounts.services.validation import COMMON_PASSWORDS, check_secret

__all__ = [
    "COMMON_PASSWORDS",
    "IssuedCode",
    "add_membership",
    "add_user",
    "authenticate",
    "change_password",
    "check_secret",
    "create_organisation",
    "create_user",
    "create_user_with_code",
    "deactivate_user",
    "end_sessions",
    "find_by_sign_in_name",
    "hash_code",
    "issue_one_time_code",
    "reactivate_user",
    "redeem_one_time_code",
    "remove_membership",
    "set_admin",
    "set_password",
    "update_organisation",
    "update_profile",
    "update_user",
]
