"""Small helpers shared by the accounts and admin tests."""

from __future__ import annotations

import re
from typing import Any, TypeVar

from flask import g, has_app_context
from flask.testing import FlaskClient
from sqlalchemy import func, select

from lms.extensions import db

PASSWORD = "correct horse battery"
T = TypeVar("T")
CODE_PATTERN = re.compile(r"\b([A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{2})\b")


def count(model: Any) -> int:
    return db.session.scalar(select(func.count()).select_from(model)) or 0


def post_sign_in(client: FlaskClient, name: str, password: str = PASSWORD, **extra: Any) -> Any:
    return client.post("/sign-in", data={"name": name, "password": password, **extra})


def signed_in_user_id(client: FlaskClient) -> str | None:
    with client.session_transaction() as session:
        return session.get("_user_id")


def page_text(response: Any) -> str:
    """The response body with HTML entities for apostrophes and quotes turned back."""
    return (
        response.get_data(as_text=True)
        .replace("&#39;", "'")
        .replace("&#34;", '"')
        .replace("&quot;", '"')
        .replace("&amp;", "&")
    )


def code_from(response: Any) -> str:
    match = CODE_PATTERN.search(page_text(response))
    assert match, "no one-time code on the page"
    return match.group(1)


def remember_cookie(client: FlaskClient) -> Any:
    """The "keep me signed in" cookie, if the browser has one."""
    domain = client.application.config.get("SERVER_NAME") or "localhost"
    return client.get_cookie("remember_token", domain=domain)


class FreshRequestClient(FlaskClient):
    """A test client whose requests don't reuse the person an earlier request signed in.

    The ``db`` fixture keeps an app context open, and Flask reuses it for requests, so
    Flask-Login's per-request cache (``g._login_user``) would leak from one client's request
    into the next client's. Real requests each get their own app context.
    """

    def open(self, *args: Any, **kwargs: Any) -> Any:
        if has_app_context():
            g.pop("_login_user", None)
        return super().open(*args, **kwargs)


def saved(model: type[T], ident: Any) -> T:
    """The row as stored now (re-read from the database), which must exist."""
    db.session.expire_all()
    obj = db.session.get(model, ident)
    assert obj is not None
    return obj
