"""One-time sign-in codes: the first way in for people the site has no other way to reach.

The site sends no email, so an admin or a cohort's facilitator hands the code over on paper
(with the person's email address or username), and the person then chooses a password or
PIN. A code works once, until it expires or a newer one replaces it.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import exists, or_, select, update

from lms import events
from lms.accounts.models import OneTimeCode, User
from lms.accounts.services.validation import clean
from lms.audit.services import record
from lms.db import begin_write, utcnow
from lms.errors import Conflict, InvalidInput, NotAllowed
from lms.extensions import db

# Unambiguous when read aloud or from paper: no 0/O, 1/I/L.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 10
CODE_PROBLEM = (
    "That email address or username and that code don't match. Check them, or ask the "
    "person who gave you the code for a new one."
)


class IssuedCode(str):
    """A one-time code as the person types it (``K7QM-4XWP-RT``), with when it expires."""

    expires_at: datetime

    def __new__(cls, code: str, expires_at: datetime) -> IssuedCode:
        issued = super().__new__(cls, code)
        issued.expires_at = expires_at
        return issued


def normalise_code(code: str) -> str:
    """The code without spaces or dashes, in capitals: what people type varies."""
    return re.sub(r"[\s-]", "", code or "").upper()


def hash_code(code: str) -> str:
    return hashlib.sha256(normalise_code(code).encode()).hexdigest()


def issue_code(actor: User | None, user: User) -> IssuedCode:
    """Add a new code for ``user`` to the current transaction; older unused ones stop working."""
    if actor is not None and actor.id == user.id:
        raise NotAllowed("You can't create a sign-in code for yourself.")
    if not user.active:
        raise Conflict("This account is switched off. Please switch it back on first.")
    if not user.sign_in_name:
        raise InvalidInput(
            f"Please give {user.display_name} an email address or a username first: they "
            "type it with the code."
        )
    now = utcnow()
    db.session.execute(
        update(OneTimeCode)
        .where(
            OneTimeCode.user_id == user.id,
            OneTimeCode.used_at.is_(None),
            OneTimeCode.expires_at > now,
        )
        .values(expires_at=now)
    )
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    expires_at = now + timedelta(hours=int(current_app.config["ONE_TIME_CODE_HOURS"]))
    db.session.add(
        OneTimeCode(
            user_id=user.id,
            code_hash=hash_code(raw),
            created_at=now,
            expires_at=expires_at,
            created_by_id=actor.id if actor is not None else None,
        )
    )
    record(
        actor, "user.code_issued", user, f"Created a one-time sign-in code for {user.display_name}"
    )
    return IssuedCode(f"{raw[:4]}-{raw[4:8]}-{raw[8:]}", expires_at)


def issue_one_time_code(actor: User | None, user: User) -> IssuedCode:
    """A new code for ``user``, returned once in plain text and stored only as a hash."""
    begin_write()
    code = issue_code(actor, user)
    events.commit()
    return code


def redeem_one_time_code(sign_in_name: str, code: str) -> User:
    """The person (by email address or username) a valid, unused code belongs to. The code
    is used up by one UPDATE, so two people racing with the same code cannot both get in."""
    begin_write()
    name = clean(sign_in_name).lower()
    user = (
        db.session.scalar(select(User).where(or_(User.email == name, User.username == name)))
        if name
        else None
    )
    if user is None or not user.active or not normalise_code(code):
        raise InvalidInput(CODE_PROBLEM)
    now, digest = utcnow(), hash_code(code)
    result = db.session.execute(
        update(OneTimeCode)
        .where(
            OneTimeCode.user_id == user.id,
            OneTimeCode.code_hash == digest,
            OneTimeCode.used_at.is_(None),
            OneTimeCode.expires_at > now,
        )
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    if getattr(result, "rowcount", 0) != 1:
        known = exists().where(OneTimeCode.user_id == user.id, OneTimeCode.code_hash == digest)
        if db.session.scalar(select(known)):
            raise InvalidInput(
                "That code no longer works: it has already been used or has expired, or a "
                "newer code replaced it. Please ask the person who "
                "gave it to you for a new one."
            )
        raise InvalidInput(CODE_PROBLEM)
    user.last_sign_in_at = now
    record(user, "user.code_redeemed", user, f"{user.display_name} signed in with a one-time code")
    events.commit()
    return user
