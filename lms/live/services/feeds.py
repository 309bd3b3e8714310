"""Private calendar feeds: one secret address per person, revocable and renewable.

Only a SHA-256 hash of the token is stored, so the address can be shown once, when it is
made; someone who loses it renews it (and the old address stops working).
"""

from __future__ import annotations

import hashlib
import secrets

from sqlalchemy import select

from lms.accounts.models import User
from lms.db import begin_write, utcnow
from lms.events import commit
from lms.extensions import db
from lms.live.models import CalendarFeed


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def feed_of(user: User) -> CalendarFeed | None:
    return db.session.scalar(select(CalendarFeed).where(CalendarFeed.user_id == user.id))


def create_feed(user: User) -> str:
    """Make (or renew) ``user``'s private calendar address; returns its token, shown once.
    An earlier token stops working."""
    token = secrets.token_urlsafe(32)
    begin_write()
    feed = feed_of(user)
    if feed is None:
        feed = CalendarFeed(user_id=user.id)
        db.session.add(feed)
    feed.token_hash = hash_token(token)
    feed.created_at = utcnow()
    feed.revoked_at = None
    commit()
    return token


def revoke_feed(user: User) -> bool:
    """Stop ``user``'s calendar address working. True if there was one to stop."""
    begin_write()
    feed = feed_of(user)
    if feed is None or feed.revoked_at is not None:
        commit()
        return False
    feed.revoked_at = utcnow()
    commit()
    return True


def feed_for_token(token: str) -> CalendarFeed | None:
    """The active feed a token opens, or None (unknown, revoked, or its person inactive)."""
    if not token or len(token) > 200:
        return None
    feed = db.session.scalar(
        select(CalendarFeed).where(CalendarFeed.token_hash == hash_token(token))
    )
    if feed is None or feed.revoked_at is not None or not feed.user.active:
        return None
    return feed
