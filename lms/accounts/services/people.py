"""People: signing in, passwords and PINs, accounts, admin access, switching off."""

from __future__ import annotations

from sqlalchemy import or_, select

from lms import events
from lms.accounts.models import Membership, Organisation, User
from lms.accounts.passwords import hash_password, needs_rehash, verify_password
from lms.accounts.services import validation as check
from lms.accounts.services.codes import IssuedCode, issue_code
from lms.audit.services import record
from lms.db import begin_write, set_write_intent, utcnow
from lms.errors import InvalidInput, NotAllowed
from lms.extensions import db

DUPLICATE_PERSON = "Someone already has that email address or username."

# -- signing in and secrets ---------------------------------------------------------------


def find_by_sign_in_name(name: str) -> User | None:
    """The person with this email or username (emails and usernames are stored lower-case)."""
    name = check.clean(name).lower()
    if not name:
        return None
    return db.session.scalar(select(User).where(or_(User.email == name, User.username == name)))


def authenticate(name: str, password: str) -> User | None:
    """The active person whose email or username and password match, else ``None``.

    On success records the sign-in time and upgrades an outdated hash.
    """
    user = find_by_sign_in_name(name)
    stored = user.password_hash if user is not None and user.active else None
    # The hash check takes a deliberate fraction of a second: hold no database lock for it.
    db.session.commit()
    set_write_intent(False)
    if user is None or not verify_password(stored, password or ""):
        return None
    begin_write()
    user.last_sign_in_at = utcnow()
    if user.password_hash and needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    events.commit()
    return user


def end_sessions(user: User) -> None:
    """Sign ``user`` out everywhere: every session and remember-me cookie stops working."""
    begin_write()
    user.session_version += 1
    events.commit()


def set_password(user: User, secret: str, *, kind: str = "password") -> None:
    """Give ``user`` a new password or PIN. Their other signed-in sessions end."""
    begin_write()
    check.raise_if(check.check_secret(user, secret or "", kind))
    user.password_hash = hash_password(secret)
    user.session_version += 1
    events.commit()


def change_password(user: User, current: str, secret: str, *, kind: str = "password") -> None:
    """Like ``set_password``, for someone who first proves they know the current one."""
    begin_write()
    if not verify_password(user.password_hash, current or ""):
        raise InvalidInput(
            "That isn't your current password. Please try again.",
            field_errors={"current_password": "That isn't your current password."},
        )
    check.raise_if(check.check_secret(user, secret or "", kind, field="new_password"))
    user.password_hash = hash_password(secret)
    user.session_version += 1
    events.commit()


# -- accounts -----------------------------------------------------------------------------


def add_user(
    actor: User | None,
    *,
    display_name: str,
    email: str | None = None,
    username: str | None = None,
    password: str | None = None,
    organisation: Organisation | None = None,
    role: str = "member",
    is_admin: bool = False,
    service_number: str | None = None,
) -> User:
    """Add a new person to the caller's write transaction, without committing.

    For services that create accounts as one part of a bigger change (bulk enrolment makes
    hundreds in one transaction). The caller has called ``begin_write()`` and commits with
    ``lms.events.commit()``; the audit entry ("user.created", by ``actor``) and the
    ``lms_user_created`` event go with that commit, or with its rollback. Validates like
    ``create_user``: bad input raises ``InvalidInput`` and adds nothing, a taken email or
    username raises ``Conflict``. Everyone else should call ``create_user``.
    """
    problems = check.Problems()
    name, email_, username_ = check.person(problems, None, display_name, email, username)
    check.role(problems, role)
    number = check.text(problems, "service_number", "the service number", service_number, 40)
    if password:
        probe = User(email=email_, username=username_)
        problems.update(check.check_secret(probe, password))
    check.raise_if(problems)
    user = User(
        display_name=name,
        email=email_,
        username=username_,
        is_admin=bool(is_admin),
        password_hash=hash_password(password) if password else None,
    )
    with check.conflict_on_duplicate(DUPLICATE_PERSON):
        db.session.add(user)
    where = ""
    if organisation is not None:
        db.session.add(
            Membership(user=user, organisation_id=organisation.id, role=role, service_number=number)
        )
        where = f" in {organisation.name}"
    record(
        actor,
        "user.created",
        user,
        f"Created the account of {name} ({user.sign_in_name}){where}",
        admin=bool(is_admin),
    )
    events.after_commit("lms_user_created", user=user)
    return user


def create_user(
    actor: User | None,
    *,
    display_name: str,
    email: str | None = None,
    username: str | None = None,
    password: str | None = None,
    organisation: Organisation | None = None,
    role: str = "member",
    is_admin: bool = False,
    service_number: str | None = None,
) -> User:
    """A new person who signs in by email or username; a member of ``organisation`` if given."""
    begin_write()
    user = add_user(
        actor,
        display_name=display_name,
        email=email,
        username=username,
        password=password,
        organisation=organisation,
        role=role,
        is_admin=is_admin,
        service_number=service_number,
    )
    events.commit()
    return user


def create_user_with_code(
    actor: User | None,
    *,
    display_name: str,
    username: str | None,
    organisation: Organisation | None = None,
    role: str = "member",
    service_number: str | None = None,
) -> tuple[User, IssuedCode]:
    """A new person without email, and the one-time code they will first sign in with."""
    begin_write()
    if not check.clean(username):
        raise InvalidInput(
            "Please give them a username: they type it with their one-time code.",
            field_errors={"username": "Please give them a username to type with their code."},
        )
    user = add_user(
        actor,
        display_name=display_name,
        email=None,
        username=username,
        password=None,
        organisation=organisation,
        role=role,
        is_admin=False,
        service_number=service_number,
    )
    code = issue_code(actor, user)
    events.commit()
    return user, code


def update_user(
    actor: User | None, user: User, *, display_name: str, email: str | None, username: str | None
) -> None:
    """An admin corrects someone's name, email or username."""
    begin_write()
    problems = check.Problems()
    name, email_, username_ = check.person(problems, user, display_name, email, username)
    check.raise_if(problems)
    with check.conflict_on_duplicate(DUPLICATE_PERSON):
        user.display_name, user.email, user.username = name, email_, username_
    record(actor, "user.updated", user, f"Updated the details of {name} ({user.sign_in_name})")
    events.commit()


def update_profile(
    user: User, *, display_name: str, pronouns: str | None, legal_name: str | None
) -> None:
    """Someone changes how they are named on the site and on certificates."""
    begin_write()
    problems = check.Problems()
    name = check.text(problems, "display_name", "your name", display_name, 120, required=True)
    pronouns_ = check.text(problems, "pronouns", "your pronouns", pronouns, 40)
    legal = check.text(problems, "legal_name", "the name for certificates", legal_name, 200)
    check.raise_if(problems)
    user.display_name, user.pronouns, user.legal_name = name or "", pronouns_, legal
    events.commit()


def set_admin(actor: User | None, user: User, value: bool) -> None:
    begin_write()
    if actor is not None and actor.id == user.id and not value:
        raise NotAllowed("You can't remove your own admin access. Please ask another admin.")
    if user.is_admin == value:
        return
    user.is_admin = value
    what = "Gave admin access to" if value else "Removed admin access from"
    record(actor, "user.admin_changed", user, f"{what} {user.display_name}", admin=value)
    events.commit()


def deactivate_user(actor: User | None, user: User) -> None:
    """Switch an account off: it can't sign in and its sessions end. Its data stays."""
    begin_write()
    if actor is not None and actor.id == user.id:
        raise NotAllowed("You can't switch off your own account. Please ask another admin.")
    if not user.active:
        return
    user.active = False
    user.session_version += 1
    record(actor, "user.deactivated", user, f"Switched off the account of {user.display_name}")
    events.commit()


def reactivate_user(actor: User | None, user: User) -> None:
    begin_write()
    if user.active:
        return
    user.active = True
    user.session_version += 1
    record(actor, "user.reactivated", user, f"Switched the account of {user.display_name} on")
    events.commit()
