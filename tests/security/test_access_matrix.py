"""The access matrix, generated from ``app.url_map``: every route with every role, including
a facilitator of *another* cohort and a manager of *another* organisation.

``tests/test_routes.py``'s ROUTES (with the area tables merged in) is the classification;
this file only adds what the two extra roles may do. A route that is not classified fails.
Every response to someone who is not the learner is checked for the learner's private data,
and every response for its security headers and for markup CSP would block.
"""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from werkzeug.routing import IntegerConverter

from tests.security.conftest import SecurityWorld
from tests.security.helpers import (
    ALL_ROLES,
    MAY_SEE_LEARNER,
    build_url,
    html_problems,
    resolve,
    rolled_back,
    security_header_problems,
    table_counts,
)
from tests.test_routes import FORBIDDEN, NOT_FOUND, OK, ROUTES, SIGN_IN

# What the two extra roles get where it differs from what another learner gets.
OTHER_FACILITATOR: dict[str, Any] = {
    "cohorts.index": OK,  # their own cohorts
    "cohorts.new": OK,  # any facilitator may set up a cohort
    "reports.reports": OK,  # the reports of their own cohorts
}
OTHER_MANAGER: dict[str, Any] = {
    "reports.index": 302,  # straight to their own organisation
    "reports.reports": OK,  # the reports of their own organisation
    "certificates.people": OK,  # their own organisation's certificates (none here)
}

# Pages that show the learner's name to anyone by design: a certificate's verification
# page, to whoever holds its unguessable code (tests/certificates check what else it shows).
NAMES_BY_DESIGN = {"certificates.verify"}

# GET requests that may write (recording that a step was opened is not a change of state
# anyone asked for, but it is how "pick up where you left off" works).
GET_MAY_WRITE = {"step_progress"}


def expected(endpoint: str, role: str) -> Any:
    _method, _args, table = ROUTES[endpoint]
    if role in table:
        return table[role]
    if role == "other_facilitator":
        return OTHER_FACILITATOR.get(endpoint, table["other_learner"])
    if role == "other_manager":
        return OTHER_MANAGER.get(endpoint, table["other_learner"])
    raise KeyError(role)


def _only(allowed: dict[str, Any]) -> dict[str, Any]:
    return {"anonymous": SIGN_IN, **{r: allowed.get(r, FORBIDDEN) for r in ALL_ROLES[1:]}}


def _other_cohort(sw: SecurityWorld) -> Any:
    """The cohort (of another course) that ``other_facilitator`` runs."""
    from sqlalchemy import select

    from lms.cohorts.models import Cohort, CohortFacilitator
    from lms.extensions import db

    return db.session.scalar(
        select(Cohort)
        .join(CohortFacilitator)
        .where(CohortFacilitator.user_id == sw.other_facilitator.id)
    )


# Requests beyond one per route: the other roles' own objects, the learner's quiz.
EXTRA: list[tuple[str, str, dict[str, Any], dict[str, Any]]] = [
    (
        "progress.step",
        "GET",
        {"slug": "quiz_course.slug", "key": "quiz_step.key"},
        _only({"learner": OK, "facilitator": OK, "admin": OK}),
    ),
    (
        "reports.organisation",
        "GET",
        {"organisation_id": "other_org.id"},
        _only({"other_manager": OK, "admin": OK}),
    ),
    (
        "reports.person",
        "GET",
        {"organisation_id": "other_org.id", "user_id": "other_learner.id"},
        _only({"other_manager": OK, "admin": OK}),
    ),
    (
        # Someone who does not belong to the organisation answers as nobody at all.
        "reports.person",
        "GET",
        {"organisation_id": "other_org.id", "user_id": "learner.id"},
        _only({"other_manager": NOT_FOUND, "admin": NOT_FOUND}),
    ),
    (
        "reports.dashboard",
        "GET",
        {"organisation_id": "other_org.id"},
        _only({"other_manager": OK, "admin": OK}),
    ),
    (
        "reports.organisation_export",
        "GET",
        {"organisation_id": "other_org.id", "key": "'enrolments'", "fmt": "'csv'"},
        _only({"other_manager": OK, "admin": OK}),
    ),
    (
        "reports.cohort",
        "GET",
        {"cohort_id": lambda sw: _other_cohort(sw).id},
        _only({"other_facilitator": OK, "admin": OK}),
    ),
    (
        "reports.cohort",
        "GET",
        {"cohort_id": "peer_cohort.id"},
        _only({"admin": OK}),
    ),
    (
        "cohorts.show",
        "GET",
        {"cohort_id": lambda sw: _other_cohort(sw).id},
        _only({"other_facilitator": OK, "admin": OK}),
    ),
    (
        "cohorts.show",
        "GET",
        {"cohort_id": "quiz_cohort.id"},
        _only({"facilitator": OK, "admin": OK}),
    ),
    (
        "cohorts.show",
        "GET",
        {"cohort_id": "peer_cohort.id"},
        _only({"admin": OK}),
    ),
]


def test_every_route_and_role_is_classified(app: Flask) -> None:
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    missing = sorted(endpoints - set(ROUTES))
    assert not missing, f"Classify these routes in tests/test_routes.py ROUTES: {missing}"
    for endpoint in sorted(endpoints):
        for role in ALL_ROLES:
            expected(endpoint, role)  # raises if a role has no expectation


def _check(
    app: Flask,
    sw: SecurityWorld,
    browser: Any,
    role: str,
    endpoint: str,
    method: str,
    args: dict[str, Any],
    want: Any,
    world_for_args: Any,
) -> list[str]:
    """Make one request in a savepoint; the problems found (empty when all is well)."""
    problems: list[str] = []
    with rolled_back():
        url = build_url(app, endpoint, {k: resolve(world_for_args, v) for k, v in args.items()})
        before = table_counts() if method == "GET" else None
        response = browser(sw.user(role)).open(url, method=method)
        where = f"{role} {method} {url} ({endpoint})"
        status = response.status_code
        if want == SIGN_IN:
            if status != 302 or "/sign-in" not in response.headers.get("Location", ""):
                problems.append(f"{where}: {status}, expected a redirect to sign in")
        elif status != want:
            problems.append(f"{where}: {status}, expected {want}")
        if before is not None:
            after = table_counts()
            changed = {t for t in before if before[t] != after[t]} - GET_MAY_WRITE
            if changed:
                problems.append(f"{where}: a GET changed {sorted(changed)}")
        problems += [f"{where}: {p}" for p in security_header_problems(response)]
        if response.mimetype == "text/html":
            body = response.get_data(as_text=True)
            problems += [f"{where}: {p}" for p in html_problems(body)]
            if role != "learner":
                problems += [f"{where}: shows {t!r}" for t in sw.private_texts if t in body]
            if role not in MAY_SEE_LEARNER and endpoint not in NAMES_BY_DESIGN:
                problems += [
                    f"{where}: names the learner ({t})" for t in sw.learner_identity if t in body
                ]
    return problems


@pytest.mark.parametrize("role", ALL_ROLES)
def test_every_route_with_every_role(
    app: Flask, sw: SecurityWorld, browser: Any, role: str
) -> None:
    problems: list[str] = []
    unclassified = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if rule.endpoint not in ROUTES:
            unclassified.append(rule.endpoint)
            continue
        method, args, _table = ROUTES[rule.endpoint]
        want = expected(rule.endpoint, role)
        problems += _check(app, sw, browser, role, rule.endpoint, method, args, want, sw.world)
    for endpoint, method, args, table in EXTRA:
        problems += _check(app, sw, browser, role, endpoint, method, args, table[role], sw)
    assert not unclassified, f"Routes missing from the classification: {unclassified}"
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("unknown", [987654, 2**63, 10**30])
def test_unknown_ids_are_not_found_not_errors(
    app: Flask, sw: SecurityWorld, browser: Any, unknown: int
) -> None:
    """Every route taking an id answers 404 to an admin for an id that doesn't exist, even
    one too big for the database's integers."""
    problems = []
    for rule in app.url_map.iter_rules():
        int_args = [
            name
            for name, converter in rule._converters.items()
            if isinstance(converter, IntegerConverter)
        ]
        if not int_args or rule.endpoint not in ROUTES:
            continue
        method, args, _table = ROUTES[rule.endpoint]
        with rolled_back():
            values = {k: resolve(sw.world, v) for k, v in args.items()}
            values.update(dict.fromkeys(int_args, unknown))
            url = build_url(app, rule.endpoint, values)
            try:
                status = browser(sw.admin).open(url, method=method).status_code
            except Exception as error:  # report every route at once
                status = f"{type(error).__name__}: {error}"
        if status not in (404, 303):  # removing someone else's membership redirects
            problems.append(f"{method} {url}: {status}")
    assert not problems, "\n".join(problems)
