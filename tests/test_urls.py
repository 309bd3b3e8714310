"""Links built once per process (LMSFlask.url_for) are the links Flask would build."""

from __future__ import annotations

import pytest
from flask import Flask, url_for
from werkzeug.routing import BuildError

from lms.app import LMSFlask


def test_a_remembered_link_is_the_one_flask_builds(app):
    plain = Flask.url_for
    with app.test_request_context("/"):
        for endpoint, values in [
            ("home.dashboard", {}),
            ("static", {"filename": "css/app.css"}),
            ("progress.step", {"slug": "a-course", "key": "a step/with ?odd& chars"}),
            ("reports.reports", {"course": 3, "from": "2026-01-01"}),  # extra values: a query
        ]:
            first, second = url_for(endpoint, **values), url_for(endpoint, **values)
            assert first == second == plain(app, endpoint, **values)


def test_links_follow_the_script_root_they_are_served_under(app):
    with app.test_request_context("/", base_url="http://lms.test/"):
        at_root = url_for("home.support")
    with app.test_request_context("/", base_url="http://lms.test/lms/"):
        under_prefix = url_for("home.support")
    assert at_root == "/support"
    assert under_prefix == "/lms/support"


def test_external_anchored_and_unknown_links_are_built_as_flask_builds_them(app):
    with app.test_request_context("/"):
        assert url_for("home.support", _external=True) == "http://lms.test/support"
        assert url_for("home.support", _anchor="help") == "/support#help"
        assert url_for("home.support") == "/support"  # the anchor was not remembered
        with pytest.raises(BuildError):
            url_for("no.such_endpoint")
        assert url_for("reports.reports", course=[1, 2]) == "/reports?course=1&course=2"


def test_with_url_defaults_registered_nothing_is_remembered():
    app = LMSFlask(__name__)
    lang = {"value": "en"}

    @app.url_defaults
    def _language(endpoint: str, values: dict) -> None:
        values.setdefault("lang", lang["value"])

    @app.get("/<lang>/page")
    def page(lang: str) -> str:
        return lang

    with app.test_request_context("/"):
        assert url_for("page") == "/en/page"
        lang["value"] = "cy"
        assert url_for("page") == "/cy/page"


def test_a_new_secret_key_signs_new_session_cookies(app):
    from lms.app import SessionCookies

    sessions = SessionCookies()
    before = sessions.get_signing_serializer(app)
    assert sessions.get_signing_serializer(app) is before
    old_key = app.secret_key
    try:
        app.secret_key = "another-secret-key-long-enough-for-the-test"
        after = sessions.get_signing_serializer(app)
        assert after is not before
        assert after is not None and before is not None
        assert after.loads(after.dumps({"a": 1})) == {"a": 1}
        assert before.dumps({"a": 1}) != after.dumps({"a": 1})
    finally:
        app.secret_key = old_key
