"""Every route, with every role: who gets in, who is refused, and that nothing leaks.

A route added without an entry in ROUTES fails this test: decide who may use it first.
Areas may keep their entries in ``tests/route_tables/<area>.py`` as a ``ROUTES`` dict; an
argument may be a callable that takes the world and returns the value (it can create what
the route needs).
"""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from tests.conftest import REFLECTION_TEXT, World

ROLES = ("anonymous", "learner", "other_learner", "facilitator", "manager", "admin")

SIGN_IN = "sign-in"  # a redirect to the sign-in page
OK, SEE_OTHER, FORBIDDEN, NOT_FOUND = 200, 303, 403, 404


def everyone_signed_in(status: int = OK) -> dict[str, Any]:
    return {"anonymous": SIGN_IN, **{role: status for role in ROLES[1:]}}


def only(allowed: dict[str, Any], default: Any = FORBIDDEN) -> dict[str, Any]:
    return {"anonymous": SIGN_IN, **{role: allowed.get(role, default) for role in ROLES[1:]}}


# endpoint -> (method, URL arguments taken from the world, expected outcome per role)
ROUTES: dict[str, tuple[str, dict[str, Any], dict[str, Any]]] = {
    "static": ("GET", {"filename": "'css/app.css'"}, {role: OK for role in ROLES}),
    "home.dashboard": ("GET", {}, everyone_signed_in()),
    "home.support": ("GET", {}, {role: OK for role in ROLES}),
    "catalogue.index": ("GET", {}, everyone_signed_in()),
    "catalogue.outline": (
        "GET",
        {"slug": "course.slug"},
        only({"learner": OK, "facilitator": OK, "admin": OK}),
    ),
    "catalogue.start": ("POST", {"slug": "course.slug"}, only({})),
    "catalogue.file": (
        "GET",
        {"slug": "course.slug", "filename": "'files/intro-video.webm'"},
        only({"learner": OK, "facilitator": OK, "admin": OK}),
    ),
    "progress.module": (
        "GET",
        {"slug": "course.slug", "key": "module.key"},
        only({"learner": OK, "facilitator": OK, "admin": OK}),
    ),
    "progress.module_continue": (
        "POST",
        {"slug": "course.slug", "key": "module.key"},
        only({"learner": SEE_OTHER, "facilitator": SEE_OTHER, "admin": SEE_OTHER}),
    ),
    "progress.step": (
        "GET",
        {"slug": "course.slug", "key": "step.key"},
        only({"learner": OK, "facilitator": OK, "admin": OK}),
    ),
    "progress.note_continue": (
        "POST",
        {"slug": "course.slug", "key": "step.key"},
        only({"learner": SEE_OTHER, "facilitator": SEE_OTHER, "admin": SEE_OTHER}),
    ),
    "progress.later": (
        "POST",
        {"slug": "course.slug", "key": "step.key"},
        only({"learner": SEE_OTHER, "facilitator": SEE_OTHER, "admin": SEE_OTHER}),
    ),
    "progress.done": (
        "POST",
        {"slug": "course.slug", "key": "step.key"},
        only({"learner": SEE_OTHER}),
    ),
    "progress.quiz": ("POST", {"slug": "course.slug", "key": "step.key"}, only({})),
    "progress.reflection": (
        "POST",
        {"slug": "course.slug", "key": "reflection_step.key"},
        only({"learner": 400}),
    ),
    "progress.my_reflections": ("GET", {}, everyone_signed_in()),
    "progress.share_reflection": (
        "POST",
        {"reflection_id": "reflection.id"},
        only({"learner": SEE_OTHER}),
    ),
    "cohorts.index": ("GET", {}, only({"facilitator": OK, "admin": OK})),
    "cohorts.show": ("GET", {"cohort_id": "cohort.id"}, only({"facilitator": OK, "admin": OK})),
    "reports.index": ("GET", {}, only({"manager": 302, "admin": OK})),
    "reports.organisation": (
        "GET",
        {"organisation_id": "org.id"},
        only({"manager": OK, "admin": OK}),
    ),
    # Signing in and the person's own account
    "accounts.sign_in": ("GET", {}, {"anonymous": OK, **{r: 302 for r in ROLES[1:]}}),
    "accounts.sign_in_code": ("GET", {}, {role: OK for role in ROLES}),
    "accounts.welcome": ("GET", {}, everyone_signed_in(302)),
    "accounts.sign_out": ("POST", {}, {role: SEE_OTHER for role in ROLES}),
    "accounts.account": ("GET", {}, everyone_signed_in()),
    "accounts.change_password": ("POST", {}, everyone_signed_in(OK)),
    # The admin area (an empty POST shows the form again with its problems)
    "admin.index": ("GET", {}, only({"admin": OK})),
    "admin.organisations": ("GET", {}, only({"admin": OK})),
    "admin.new_organisation": ("GET", {}, only({"admin": OK})),
    "admin.edit_organisation": ("GET", {"org_id": "org.id"}, only({"admin": OK})),
    "admin.people": ("GET", {}, only({"admin": OK})),
    "admin.new_person": ("GET", {}, only({"admin": OK})),
    "admin.person": ("GET", {"user_id": "learner.id"}, only({"admin": OK})),
    "admin.person_details": ("POST", {"user_id": "learner.id"}, only({"admin": OK})),
    "admin.add_membership": ("POST", {"user_id": "learner.id"}, only({"admin": OK})),
    "admin.remove_membership": (
        "POST",
        {"user_id": "learner.id", "membership_id": "learner.memberships.0.id"},
        only({"admin": SEE_OTHER}),
    ),
    "admin.set_admin": ("POST", {"user_id": "learner.id"}, only({"admin": SEE_OTHER})),
    "admin.deactivate": ("POST", {"user_id": "learner.id"}, only({"admin": SEE_OTHER})),
    "admin.reactivate": ("POST", {"user_id": "learner.id"}, only({"admin": SEE_OTHER})),
    "admin.issue_code": ("POST", {"user_id": "learner.id"}, only({"admin": OK})),
    "admin.audit": ("GET", {}, only({"admin": OK})),
    "admin.plugins": ("GET", {}, only({"admin": OK})),
}


def _merge_tables() -> None:
    import importlib
    import pkgutil

    from tests import route_tables

    for info in pkgutil.iter_modules(route_tables.__path__):
        table = importlib.import_module(f"tests.route_tables.{info.name}").ROUTES
        clash = set(table) & set(ROUTES)
        assert not clash, f"Routes classified twice: {sorted(clash)}"
        ROUTES.update(table)


_merge_tables()


def _resolve(world: World, expression: Any) -> Any:
    if callable(expression):
        return expression(world)
    if expression.startswith("'"):
        return expression.strip("'")
    obj: Any = world
    for part in expression.split("."):
        obj = obj[int(part)] if part.isdigit() else getattr(obj, part)
    return obj


def test_every_route_is_classified(app: Flask) -> None:
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    missing = sorted(endpoints - set(ROUTES))
    assert not missing, f"Classify these routes in tests/test_routes.py ROUTES: {missing}"
    stale = sorted(set(ROUTES) - endpoints)
    assert not stale, f"ROUTES lists endpoints that no longer exist: {stale}"


def test_state_changing_routes_refuse_get(app: Flask) -> None:
    for rule in app.url_map.iter_rules():
        method = ROUTES.get(rule.endpoint, ("GET",))[0]
        if method == "POST":
            assert "GET" not in (rule.methods or ()), f"{rule.endpoint} must not accept GET"


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("endpoint", sorted(ROUTES))
def test_route_access(app: Flask, client, world: World, sign_in, endpoint: str, role: str) -> None:
    method, args, expected = ROUTES[endpoint]
    if endpoint not in {rule.endpoint for rule in app.url_map.iter_rules()}:
        pytest.fail(f"{endpoint} is classified but not routed")
    user = world.user(role)
    if user is not None:
        sign_in(user)
    values = {k: _resolve(world, v) for k, v in args.items()}  # may create rows: not a request
    with app.test_request_context():
        from flask import url_for

        url = url_for(endpoint, **values)
    response = client.open(url, method=method)
    want = expected[role]
    if want == SIGN_IN:
        assert response.status_code == 302, (endpoint, role, response.status_code)
        assert "/sign-in" in response.headers["Location"]
    else:
        assert response.status_code == want, (endpoint, role, response.status_code)
    if role != "learner" and response.mimetype == "text/html":
        assert REFLECTION_TEXT not in response.get_data(as_text=True), (endpoint, role)
