"""CSRF and methods: with CSRF protection on (as in production), every route that takes a
POST refuses one without a valid token and changes nothing; every POST-only route refuses
GET; every form a page renders carries a token; and a real token still works."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask

from lms.db import set_write_intent
from lms.extensions import db
from lms.testing.factories import Factories
from lms.testing.fixtures import FreshRequestClient
from tests.conftest import World, build_world
from tests.security.helpers import (
    PASSWORD,
    build_url,
    post_forms_without_token,
    resolve,
    scan_html,
    security_header_problems,
    signed_in_client,
    snapshot_changes,
    table_snapshot,
)
from tests.test_routes import ROUTES

ROLES = ("anonymous", "learner", "admin")


def _would_succeed(world: World) -> dict[str, str]:
    """A form body that would do something on most routes, were its token right."""
    return {
        "name": world.learner.email,
        "password": PASSWORD,
        "remember": "y",
        "username": "csrf-person",
        "code": "ABCD-EFGH-JK",
        "display_name": "Changed by a forged request",
        "pronouns": "they/them",
        "legal_name": "Forged Name",
        "current_password": PASSWORD,
        "new_password": "a brand new passphrase",
        "confirm": "a brand new passphrase",
        "kind": "password",
        "body": "Written by a forged request",
        "share": "yes",
        "q0": "1",
        "admin": "yes",
        "organisation": str(world.other_org.id),
        "role": "manager",
        "type": "voluntary",
        "region": "London",
        "email": "forged@example.org",
        "next_step": "intro",
    }


@pytest.fixture
def csrf_app(make_app: Callable[..., Flask]) -> Iterator[tuple[Flask, World]]:
    """An app with CSRF protection on and the core world in its own database."""
    app = make_app(WTF_CSRF_ENABLED=True)
    app.test_client_class = FreshRequestClient
    with app.app_context():
        world = build_world(Factories())
        db.session.commit()
        set_write_intent(False)
        yield app, world
        db.session.remove()
    set_write_intent(False)


def _post_urls(app: Flask, world: World) -> list[tuple[str, str]]:
    urls = []
    for rule in app.url_map.iter_rules():
        if "POST" not in (rule.methods or ()):
            continue
        assert rule.endpoint in ROUTES, f"{rule.endpoint} is not classified"
        _method, args, _table = ROUTES[rule.endpoint]
        values = {k: resolve(world, v) for k, v in args.items()}
        urls.append((rule.endpoint, build_url(app, rule.endpoint, values)))
    assert len(urls) > 10
    return sorted(urls)


def test_posts_without_a_token_are_refused_and_change_nothing(
    csrf_app: tuple[Flask, World],
) -> None:
    app, world = csrf_app
    body = _would_succeed(world)
    problems = []
    for endpoint, url in _post_urls(app, world):
        for role in ROLES:
            for token in (None, "not-a-real-token"):
                data = dict(body) if token is None else {**body, "csrf_token": token}
                before = table_snapshot()
                client = signed_in_client(app, world.user(role))
                response = client.post(url, data=data)
                changed = snapshot_changes(before, table_snapshot())
                where = f"{role} POST {url} ({endpoint}) token={token!r}"
                if response.status_code != 400:
                    problems.append(f"{where}: {response.status_code}, expected 400")
                if changed:
                    problems.append(f"{where}: changed {changed}")
                problems += [f"{where}: {p}" for p in security_header_problems(response)]
                if role == "anonymous":
                    with client.session_transaction() as session:
                        if session.get("_user_id"):
                            problems.append(f"{where}: signed someone in")
    assert not problems, "\n".join(problems)


def test_a_token_from_another_session_is_refused(csrf_app: tuple[Flask, World]) -> None:
    app, world = csrf_app
    attacker = signed_in_client(app, world.other_learner)
    token = _token(attacker.get("/account").get_data(as_text=True))
    victim = signed_in_client(app, world.learner)
    before = table_snapshot()
    response = victim.post(
        "/account", data={"csrf_token": token, "display_name": "Renamed by someone else"}
    )
    assert response.status_code == 400
    assert not snapshot_changes(before, table_snapshot())


def test_a_real_token_works(csrf_app: tuple[Flask, World]) -> None:
    """The refusals above are CSRF, not something else: with the page's token, it works."""
    app, world = csrf_app
    client = signed_in_client(app, world.learner)
    token = _token(client.get("/account").get_data(as_text=True))
    response = client.post(
        "/account", data={"csrf_token": token, "display_name": "Lena L.", "pronouns": "she/her"}
    )
    assert response.status_code == 303
    db.session.expire_all()
    assert world.learner.display_name == "Lena L."
    assert client.post("/sign-out", data={"csrf_token": token}).status_code == 303


def _token(html: str) -> str:
    for form in scan_html(html).forms:
        for field in form["inputs"]:
            if field.get("name") == "csrf_token" and field.get("value"):
                return str(field["value"])
    raise AssertionError("no csrf_token on the page")


def test_every_rendered_form_carries_a_token(csrf_app: tuple[Flask, World]) -> None:
    app, world = csrf_app
    problems = []
    pages = 0
    for role in ("anonymous", "learner", "facilitator", "manager", "admin"):
        for endpoint, (method, args, _table) in sorted(ROUTES.items()):
            if method != "GET" or endpoint == "static":
                continue
            url = build_url(app, endpoint, {k: resolve(world, v) for k, v in args.items()})
            response = signed_in_client(app, world.user(role)).get(url)
            if response.mimetype != "text/html":
                continue
            pages += 1
            missing = post_forms_without_token(response.get_data(as_text=True))
            if missing:
                problems.append(f"{role} GET {url}: {missing} POST form(s) without a token")
    assert pages > 30
    assert not problems, "\n".join(problems)


def test_post_only_routes_refuse_get(app: Flask, world: World, browser: Any) -> None:
    problems = []
    for rule in app.url_map.iter_rules():
        methods = rule.methods or set()
        if "POST" not in methods or "GET" in methods:
            continue
        _method, args, _table = ROUTES[rule.endpoint]
        url = build_url(app, rule.endpoint, {k: resolve(world, v) for k, v in args.items()})
        for user in (None, world.learner, world.admin):
            response = browser(user).get(url)
            if response.status_code != 405:
                problems.append(f"GET {url} as {user}: {response.status_code}, expected 405")
            problems += [f"GET {url}: {p}" for p in security_header_problems(response)]
    assert not problems, "\n".join(problems)
