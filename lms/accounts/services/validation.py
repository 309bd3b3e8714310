"""Checks shared by the account services; each adds a message for a person to ``problems``."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from sqlalchemy import exists, select, true
from sqlalchemy.exc import IntegrityError

from lms.accounts.models import MEMBERSHIP_ROLES, User
from lms.errors import Conflict, InvalidInput
from lms.extensions import db


class Problems(dict[str, str]):
    """Messages for a person, by form field. ``conflicts`` are the fields whose value clashes
    with an existing record (a duplicate), reported as ``Conflict`` rather than bad input."""

    def __init__(self) -> None:
        super().__init__()
        self.conflicts: set[str] = set()

    def conflict(self, field: str, message: str) -> None:
        self[field] = message
        self.conflicts.add(field)


USERNAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]{2,59}$")
MAX_PASSWORD_LENGTH = 128
# A few of the most used passwords (and PINs), refused whatever the length rule says.
_COMMON = """password password1 password12 password123 passw0rd 123456 1234567 12345678 123456789
    1234567890 0123456789 111111 000000 123123 654321 121212 qwerty qwerty123 qwertyuiop
    abc123 letmein letmein123 welcome welcome1 welcome123 iloveyou football monkey dragon
    sunshine princess admin admin123 trustno1 baseball changeme"""
COMMON_PASSWORDS = frozenset(_COMMON.split())
_DIGIT_RUNS = ("01234567890", "09876543210")


def raise_if(problems: dict[str, str]) -> None:
    """Stop with every problem found, so the form can show them all at once."""
    if not problems:
        return
    conflicts: set[str] = getattr(problems, "conflicts", set())
    error = Conflict if conflicts and conflicts == set(problems) else InvalidInput
    raise error(" ".join(problems.values()), field_errors=dict(problems))


@contextmanager
def conflict_on_duplicate(message: str) -> Iterator[None]:
    """Turn a unique-constraint clash at flush (two admins adding the same thing at the same
    moment, after both passed the checks) into a ``Conflict`` with ``message``."""
    try:
        with db.session.begin_nested():
            yield
            db.session.flush()
    except IntegrityError as error:
        raise Conflict(message) from error


def clean(value: str | None) -> str:
    return (value or "").strip()


def text(
    problems: Problems,
    field: str,
    label: str,
    value: str | None,
    limit: int,
    *,
    required: bool = False,
) -> str | None:
    """``value`` stripped (``None`` if empty), checked for presence and length."""
    cleaned = clean(value)
    if required and not cleaned:
        problems[field] = f"Please enter {label}."
    elif len(cleaned) > limit:
        problems[field] = f"Please keep {label} to {limit} characters or fewer."
    return cleaned or None


def check_secret(
    user: User | None, secret: str, kind: str = "password", field: str = "password"
) -> dict[str, str]:
    """Problems with ``secret`` as a new password or PIN for ``user`` (empty when fine)."""
    config = current_app.config
    if kind == "pin":
        minimum = int(config["MIN_PIN_LENGTH"])
        if not (secret.isascii() and secret.isdigit()):
            return {field: "A PIN can only contain the numbers 0 to 9."}
        if len(secret) < minimum:
            return {field: f"Please choose a PIN of at least {minimum} numbers."}
        if len(set(secret)) == 1 or any(secret in run for run in _DIGIT_RUNS):
            return {field: "Please choose a PIN that isn't a simple run like 123456 or 111111."}
    elif kind == "password":
        minimum = int(config["MIN_PASSWORD_LENGTH"])
        if len(secret) < minimum:
            return {field: f"Please choose a password of at least {minimum} characters."}
    else:
        return {field: "Please choose either a password or a PIN."}
    if len(secret) > MAX_PASSWORD_LENGTH:
        return {field: f"Please keep it to {MAX_PASSWORD_LENGTH} characters or fewer."}
    if secret.lower() in COMMON_PASSWORDS:
        return {field: "That one is very common and easy to guess. Please choose another."}
    names = {n.lower() for n in (user.email, user.username) if n} if user else set()
    if secret.lower() in names:
        return {field: "Please choose something different from your email or username."}
    return {}


def email(problems: Problems, value: str | None) -> str | None:
    """A normalised, lower-case email address, or ``None`` if none was given."""
    cleaned = clean(value)
    if not cleaned:
        return None
    if len(cleaned) > 254:
        problems["email"] = "Please keep the email address to 254 characters or fewer."
        return None
    try:
        return validate_email(cleaned, check_deliverability=False).normalized.lower()
    except EmailNotValidError:
        problems["email"] = "Please enter an email address like name@example.org."
        return None


def username(problems: Problems, value: str | None) -> str | None:
    cleaned = clean(value).lower()
    if cleaned and not USERNAME_PATTERN.match(cleaned):
        problems["username"] = (
            "A username needs 3 to 60 characters: lower-case letters, numbers, dots, dashes "
            "or underscores, starting with a letter or number."
        )
        return None
    return cleaned or None


def person(
    problems: Problems,
    user: User | None,
    display_name: str | None,
    email_value: str | None,
    username_value: str | None,
) -> tuple[str, str | None, str | None]:
    """Checked name, email and username; one of the last two is required, both unique."""
    name = text(problems, "display_name", "a name", display_name, 120, required=True)
    email_ = email(problems, email_value)
    username_ = username(problems, username_value)
    if not email_ and not username_ and not {"email", "username"} & problems.keys():
        problems["email"] = "Please give an email address or a username (or both)."
    other = User.id != user.id if user is not None and user.id else true()
    if email_ and db.session.scalar(select(exists().where(User.email == email_, other))):
        problems.conflict("email", f"Someone already has the email address {email_}.")
    if username_ and db.session.scalar(select(exists().where(User.username == username_, other))):
        problems.conflict("username", f"The username {username_} is taken. Please choose another.")
    return name or "", email_, username_


def role(problems: Problems, value: str) -> None:
    if value not in MEMBERSHIP_ROLES:
        problems["role"] = "Please choose a role: member or manager."
