"""Rules for the site itself, people and organisations."""

from __future__ import annotations

from typing import Any

from lms.accounts.models import Organisation, User
from lms.accounts.permissions.facts import is_manager, manages
from lms.accounts.permissions.registry import rule


@rule("use_site")
def _signed_in(user: User, _obj: Any) -> bool:
    return True


@rule("administer")
def _admin(user: User, _obj: Any) -> bool:
    return user.is_admin


@rule("book_places")
def _book_places(user: User, organisation: Organisation) -> bool:
    return user.is_admin or manages(user, organisation)


@rule("view_organisations")
def _view_organisations(user: User, _obj: Any) -> bool:
    return user.is_admin or is_manager(user)


@rule("view_organisation")
def _view_organisation(user: User, organisation: Organisation) -> bool:
    return user.is_admin or manages(user, organisation)


@rule("manage_organisations", "manage_users", "view_audit", "manage_plugins")
def _admin_only(user: User, _obj: Any) -> bool:
    return user.is_admin


@rule("issue_sign_in_code")
def _issue_code(user: User, subject: User) -> bool:
    return user.is_admin and subject.id != user.id
