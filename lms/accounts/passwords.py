"""Password and PIN hashing with argon2id."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from flask import current_app, has_app_context


def _hasher() -> PasswordHasher:
    if has_app_context() and current_app.config.get("ARGON2_TIME_COST"):
        return PasswordHasher(
            time_cost=int(current_app.config["ARGON2_TIME_COST"]),
            memory_cost=int(current_app.config.get("ARGON2_MEMORY_KIB", 65536)),
        )
    return PasswordHasher()


def hash_password(secret: str) -> str:
    return _hasher().hash(secret)


def verify_password(stored_hash: str | None, secret: str) -> bool:
    """True if ``secret`` matches; a missing or broken hash never matches."""
    if not stored_hash:
        _hasher().hash("timing-equaliser")  # same work whether or not the account exists
        return False
    try:
        return _hasher().verify(stored_hash, secret)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    return _hasher().check_needs_rehash(stored_hash)
