"""The session cookie and the CSRF token: signed as Flask and Flask-WTF sign them, without
zlib for small payloads (``lms.app.CompactSerializer``), and still read when compressed."""

from __future__ import annotations

import re
import zlib
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask, flash, render_template_string, session
from flask.sessions import SecureCookieSessionInterface
from flask_wtf.csrf import validate_csrf

from lms.app import COMPRESS_OVER, csrf_token
from lms.db import set_write_intent
from lms.extensions import db
from lms.testing.factories import Factories

TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


@pytest.fixture
def csrf_app(make_app: Callable[..., Flask]) -> Iterator[tuple[Flask, str]]:
    """An app with CSRF protection on, and the identity of a learner (``get_id()``). No app
    context is held open: each request has its own, and so its own ``g``, as when served."""
    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        learner = Factories().user(email="ada@example.org", display_name="Ada")
        db.session.commit()
        identity = learner.get_id()
        db.session.remove()
    set_write_intent(False)
    yield app, identity


@pytest.fixture
def compressions(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The sizes of the payloads zlib is asked to compress."""
    sizes: list[int] = []
    real = zlib.compress

    def counting(data: bytes, *args: Any, **kwargs: Any) -> bytes:
        sizes.append(len(data))
        return real(data, *args, **kwargs)

    monkeypatch.setattr(zlib, "compress", counting)
    return sizes


def _signed_in(app: Flask, identity: str) -> Any:
    client = app.test_client()
    with client.session_transaction() as s:
        s["_user_id"] = identity
        s["_fresh"] = True
    return client


def _cookie(client: Any, app: Flask) -> str:
    cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"], domain="lms.test")
    assert cookie is not None
    return str(cookie.value)


def test_a_page_and_its_form_sent_back_compress_nothing(
    csrf_app: tuple[Flask, str], compressions: list[int]
) -> None:
    app, learner = csrf_app
    client = _signed_in(app, learner)
    client.get("/")  # the session's first token (Flask-WTF makes its random part)
    compressions.clear()
    page = client.get("/")
    assert page.status_code == 200
    token = TOKEN.search(page.get_data(as_text=True))  # the sign-out form's
    assert token is not None
    sent = client.post("/sign-out", data={"csrf_token": token.group(1)})
    assert sent.status_code == 303  # accepted: the token is one Flask-WTF checks
    assert "Set-Cookie" in sent.headers  # the session was written (its message) ...
    assert compressions == []  # ... and neither it nor the page's token was compressed
    assert not _cookie(client, app).startswith(".")
    assert "signed out. If this is a shared computer" in client.get("/sign-in").get_data(
        as_text=True
    )


def test_the_token_is_flask_wtfs_and_one_per_request(csrf_app: tuple[Flask, str]) -> None:
    app, _learner = csrf_app
    with app.test_request_context("/"):
        session["csrf_token"] = "f" * 40
        token = csrf_token()
        assert csrf_token() == token
        assert not token.startswith(".")
        validate_csrf(token)  # raises if Flask-WTF would refuse it
        from flask_wtf.csrf import generate_csrf

        assert generate_csrf() == token  # forms on the same page carry the same token


def test_a_large_session_is_compressed_and_read_back(
    csrf_app: tuple[Flask, str], compressions: list[int]
) -> None:
    app, learner = csrf_app
    long_message = "A long message, " * (COMPRESS_OVER // 8)

    @app.get("/_test/flash-long")
    def _flash_long() -> str:
        flash(long_message, "info")
        return "ok"

    client = _signed_in(app, learner)
    client.get("/_test/flash-long")
    assert compressions and max(compressions) > COMPRESS_OVER
    assert _cookie(client, app).startswith(".")  # itsdangerous' mark of a compressed payload
    assert long_message in client.get("/account").get_data(as_text=True)


def test_a_cookie_signed_with_compression_still_signs_in(csrf_app: tuple[Flask, str]) -> None:
    app, learner = csrf_app
    with app.test_request_context("/"):
        plain = SecureCookieSessionInterface().get_signing_serializer(app)
        assert plain is not None
        value = plain.dumps({"_user_id": learner, "_fresh": True, "note": "x" * 400})
    assert value.startswith(".")  # Flask's own serializer compressed it
    client = app.test_client()
    client.set_cookie(app.config["SESSION_COOKIE_NAME"], value, domain="lms.test")
    assert client.get("/account").status_code == 200


def test_a_macro_imported_without_the_pages_context_signs_compactly(
    csrf_app: tuple[Flask, str], compressions: list[int]
) -> None:
    app, _learner = csrf_app
    page = '{% from "macros/forms.html" import post_button %}{{ post_button("/x", "Go") }}'
    with app.test_request_context("/"):
        session["csrf_token"] = "e" * 40
        html = render_template_string(page)
        token = TOKEN.search(html)
        assert token is not None
        validate_csrf(token.group(1))
    assert compressions == []


def test_a_page_built_around_a_form_class_signs_compactly(
    csrf_app: tuple[Flask, str], compressions: list[int]
) -> None:
    app, learner = csrf_app
    client = _signed_in(app, learner)
    client.get("/account")
    compressions.clear()
    page = client.get("/account").get_data(as_text=True)
    found = TOKEN.findall(page)
    tokens = set(found)
    assert len(found) >= 3 and len(tokens) == 1  # the page's forms and sign-out share it
    sent = client.post(
        "/account",
        data={"csrf_token": tokens.pop(), "display_name": "Ada L", "pronouns": ""},
    )
    assert sent.status_code == 303  # saved: Flask-WTF accepted the token
    assert compressions == []
