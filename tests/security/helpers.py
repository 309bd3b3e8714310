"""Helpers shared by the security tests: URLs from route tables, row counts, savepoints,
HTML and header inspection."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from html.parser import HTMLParser
from typing import Any

from flask import Flask, g, has_app_context
from flask.testing import FlaskClient
from sqlalchemy import Connection, func, inspect, select

from lms.extensions import db, limiter

#: Every role the security suite walks. "other_facilitator" runs a cohort of another
#: course; "other_manager" manages another organisation.
ALL_ROLES = (
    "anonymous",
    "learner",
    "other_learner",
    "facilitator",
    "other_facilitator",
    "manager",
    "other_manager",
    "admin",
)
#: Roles that may see the learner's name (their facilitator, their manager, an admin).
MAY_SEE_LEARNER = {"learner", "facilitator", "manager", "admin"}

PASSWORD = "correct horse battery"  # the factories' default password


def resolve(world: Any, expression: Any) -> Any:
    """A URL argument from a route table: a callable taking the world, a quoted literal, or
    a dotted path into the world (numbers index lists)."""
    if callable(expression):
        return expression(world)
    if isinstance(expression, str) and expression.startswith("'"):
        return expression.strip("'")
    obj: Any = world
    for part in str(expression).split("."):
        obj = obj[int(part)] if part.isdigit() else getattr(obj, part)
    return obj


def build_url(app: Flask, endpoint: str, args: dict[str, Any]) -> str:
    from flask import url_for

    with app.test_request_context():
        return url_for(endpoint, **args)


def table_counts() -> dict[str, int]:
    """Rows in every table the app knows (core and plugins)."""
    db.session.expire_all()
    return {
        table.name: db.session.scalar(select(func.count()).select_from(table)) or 0
        for table in _tables()
    }


def _tables() -> list[Any]:
    """The app's tables that exist in the database (a model whose migration is missing is
    for the migration tests to report, not these)."""
    existing = set(inspect(db.session().connection()).get_table_names())
    return [table for table in db.metadata.sorted_tables if table.name in existing]


@contextmanager
def rolled_back() -> Iterator[None]:
    """Run the block inside a savepoint of the test's connection and undo everything it
    wrote, however many times the services committed (they release their own savepoints
    inside this one). For the ``db`` fixture's connection only."""
    db.session.commit()  # what the test made so far stays, below the savepoint
    connection = db.session().bind
    assert isinstance(connection, Connection), "only inside the db fixture's transaction"
    savepoint = connection.begin_nested()
    limiter.reset()
    try:
        yield
    finally:
        db.session.rollback()
        if savepoint.is_active:
            savepoint.rollback()
        db.session.expire_all()
        limiter.reset()
        if has_app_context():
            g.pop("_login_user", None)


def signed_in_client(app: Flask, user: Any, **session_values: Any) -> FlaskClient:
    """A new browser, signed in as ``user`` (or anonymous when ``user`` is None)."""
    client = app.test_client()
    if user is not None:
        with client.session_transaction() as session:
            session.clear()
            session["_user_id"] = user.get_id()
            session["_fresh"] = True
            session.update(session_values)
    return client


# -- HTML ---------------------------------------------------------------------------------


class PageScan(HTMLParser):
    """What in a page CSP would block or what could run script.

    Inline SVG is allowed only as the reports' charts draw it: shapes and text, with
    geometry and accessibility attributes; anything else inside an ``<svg>`` (links, use,
    animation, foreignObject, script, event handlers) is a problem.
    """

    URL_ATTRIBUTES = ("href", "src", "action", "formaction", "xlink:href", "data", "poster")
    SVG_ELEMENTS = {"svg", "title", "desc", "g", "rect", "line", "text", "tspan", "polyline"}
    SVG_ATTRIBUTES = {
        "class",
        "id",
        "viewbox",
        "role",
        "aria-labelledby",
        "aria-hidden",
        "focusable",
        "x",
        "y",
        "x1",
        "x2",
        "y1",
        "y2",
        "width",
        "height",
        "rx",
        "points",
        "text-anchor",
    }

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self.forms: list[dict[str, Any]] = []
        self._form: dict[str, Any] | None = None
        self._svg_depth = 0

    def _check_svg(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in self.SVG_ELEMENTS:
            self.problems.append(f"<{tag}> element inside <svg>")
        for name, _value in attrs:
            if name not in self.SVG_ATTRIBUTES:
                self.problems.append(f"{name}= on <{tag}> inside <svg>")

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "svg" or self._svg_depth:
            self._check_svg(tag, attrs)
            if tag == "svg":
                self._svg_depth += 1
        if tag == "script" and not values.get("src"):
            self.problems.append("inline <script> element")
        if tag in ("style", "iframe", "object", "embed", "math", "base", "frame"):
            self.problems.append(f"<{tag}> element")
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"event handler attribute {name}= on <{tag}>")
            if name == "style":
                self.problems.append(f"style= attribute on <{tag}>")
            if name in self.URL_ATTRIBUTES and _scripted_url(value or ""):
                self.problems.append(f"{name}={value!r} on <{tag}>")
        if tag == "meta" and (values.get("http-equiv") or "").lower() == "refresh":
            self.problems.append("<meta http-equiv=refresh>")
        if tag == "form":
            self._form = {"method": (values.get("method") or "get").lower(), "inputs": []}
            self.forms.append(self._form)
        if tag == "input" and self._form is not None:
            self._form["inputs"].append(values)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        if tag == "svg" and self._svg_depth:
            self._svg_depth -= 1


def _scripted_url(value: str) -> bool:
    squashed = "".join(ch for ch in value if ch > " ").lower()
    return squashed.startswith(("javascript:", "vbscript:", "data:text/html"))


def scan_html(html: str) -> PageScan:
    scan = PageScan()
    scan.feed(html)
    scan.close()
    return scan


def html_problems(html: str) -> list[str]:
    return scan_html(html).problems


def post_forms_without_token(html: str) -> int:
    """How many ``<form method="post">`` in the page lack a ``csrf_token`` field."""
    return sum(
        1
        for form in scan_html(html).forms
        if form["method"] == "post"
        and not any(i.get("name") == "csrf_token" and i.get("value") for i in form["inputs"])
    )


# -- headers and cookies ------------------------------------------------------------------


def csp_directives(header: str) -> dict[str, list[str]]:
    directives: dict[str, list[str]] = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            directives[words[0].lower()] = [w.lower() for w in words[1:]]
    return directives


def security_header_problems(response: Any) -> list[str]:
    """What is missing or weak in a response's security headers."""
    problems = []
    csp = response.headers.get("Content-Security-Policy")
    if not csp:
        return ["no Content-Security-Policy"]
    d = csp_directives(csp)
    scripts = d.get("script-src", d.get("default-src"))
    if scripts is None:
        problems.append("no script-src or default-src")
    else:
        for bad in ("'unsafe-inline'", "'unsafe-eval'", "*", "data:", "http:", "https:"):
            if bad in scripts:
                problems.append(f"script-src allows {bad}")
    if d.get("object-src") != ["'none'"]:
        problems.append(f"object-src is {d.get('object-src')}")
    if "frame-ancestors" not in d or "*" in d["frame-ancestors"]:
        problems.append("no frame-ancestors")
    if d.get("base-uri") not in (["'none'"], ["'self'"]):
        problems.append(f"base-uri is {d.get('base-uri')}")
    styles = d.get("style-src", d.get("default-src")) or []
    if "'unsafe-inline'" in styles:
        problems.append("style-src allows 'unsafe-inline'")
    if response.headers.get("X-Content-Type-Options", "").lower() != "nosniff":
        problems.append("no X-Content-Type-Options: nosniff")
    if not response.headers.get("Referrer-Policy"):
        problems.append("no Referrer-Policy")
    return problems


def cookie_headers(response: Any) -> list[tuple[str, dict[str, str | bool]]]:
    """Each Set-Cookie header (a browser applies each on its own): (name, attributes with
    lower-case keys, the value under "value")."""
    found = []
    for header in response.headers.getlist("Set-Cookie"):
        first, *rest = header.split(";")
        name, _, value = first.partition("=")
        attrs: dict[str, str | bool] = {"value": value.strip()}
        for item in rest:
            key, sep, val = item.strip().partition("=")
            attrs[key.lower()] = val if sep else True
        found.append((name.strip(), attrs))
    return found


def set_cookies(response: Any) -> dict[str, dict[str, str | bool]]:
    """The cookies a response sets (not removes), by name."""
    return {
        name: attrs
        for name, attrs in cookie_headers(response)
        if attrs["value"] and str(attrs.get("max-age", "1")) != "0"
    }


def removes_host_cookie(response: Any, name: str) -> bool:
    """Whether the response has a removal of ``name`` a browser accepts for a __Host-
    cookie: expired, Secure, Path=/ and no Domain."""
    return any(
        cookie == name
        and (str(attrs.get("max-age")) == "0" or "1970" in str(attrs.get("expires")))
        and attrs.get("secure") is True
        and attrs.get("path") == "/"
        and "domain" not in attrs
        for cookie, attrs in cookie_headers(response)
    )


def cookie_problems(name: str, attrs: dict[str, str | bool]) -> list[str]:
    problems = []
    if not name.startswith("__Host-"):
        problems.append(f"{name}: not named __Host-")
    if attrs.get("secure") is not True:
        problems.append(f"{name}: not Secure")
    if attrs.get("httponly") is not True:
        problems.append(f"{name}: not HttpOnly")
    if str(attrs.get("samesite", "")).lower() != "lax":
        problems.append(f"{name}: SameSite is {attrs.get('samesite')}")
    if attrs.get("path") != "/":
        problems.append(f"{name}: Path is {attrs.get('path')}")
    if "domain" in attrs:
        problems.append(f"{name}: has a Domain")
    return problems


def table_snapshot() -> dict[str, list[tuple[str, ...]]]:
    """Every row of every table, as sorted text tuples: to prove that nothing changed."""
    db.session.expire_all()
    snapshot = {}
    for table in _tables():
        rows = db.session.execute(select(table)).all()
        snapshot[table.name] = sorted(tuple(map(str, row)) for row in rows)
    return snapshot


def snapshot_changes(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    return sorted(name for name in before if before[name] != after.get(name))
