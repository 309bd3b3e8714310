"""Every form, fuzzed: arbitrary text, unicode, very long, empty and NUL-carrying values,
repeated, extra and missing fields. No response is a 500; a request either succeeds (a
redirect, or the one-time code sheet) or writes nothing at all.

Each example runs in a savepoint that is rolled back, so every example starts from the
same world. The forms are described in forms_core.py (FORMS, with the core's own) and
forms_<area>.py; the pages fuzzed through their query strings in forms_reports.py.
"""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.security.conftest import SecurityWorld
from tests.security.forms_core import FORMS
from tests.security.forms_reports import FILTERS, PAGES, QUERY, REPORTS
from tests.security.fuzzing import form
from tests.security.helpers import (
    html_problems,
    rolled_back,
    snapshot_changes,
    table_snapshot,
)

FUZZ = settings(
    max_examples=30,
    deadline=None,
    database=None,  # nothing written to the working tree
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def _succeeded(response: Any) -> bool:
    if response.status_code in (302, 303):
        return True
    # The printable one-time code sheet: shown once, never cached.
    return response.status_code == 200 and response.headers.get("Cache-Control") == "no-store"


@pytest.mark.parametrize("name", sorted(FORMS))
@FUZZ
@given(data=st.data())
def test_fuzzed_form_never_errors_and_writes_all_or_nothing(
    app: Flask, sw: SecurityWorld, browser: Any, name: str, data: st.DataObject
) -> None:
    spec = FORMS[name]
    url = spec.url(sw)  # what the form needs is made once, below every example's savepoint
    body = data.draw(form(spec.fields(sw)), label="form")
    with rolled_back():
        client = browser(sw.user(spec.role), **spec.session)
        before = table_snapshot()
        response = spec.post(client, url, body)
        changed = snapshot_changes(before, table_snapshot())
        assert response.status_code < 500, response.status_code
        if changed:
            assert _succeeded(response), (response.status_code, changed)
        if response.status_code in (302, 303):
            location = response.headers["Location"]
            assert location.startswith("/") and not location.startswith("//"), location
        if response.mimetype == "text/html":
            assert html_problems(response.get_data(as_text=True)) == []


@pytest.mark.parametrize("name", sorted(PAGES))
@FUZZ
@given(query=QUERY)
def test_fuzzed_query_strings_never_error(
    app: Flask, sw: SecurityWorld, browser: Any, name: str, query: dict[str, str]
) -> None:
    role, url = PAGES[name]
    with rolled_back():
        response = browser(sw.user(role)).get(url.format(org=sw.org.id), query_string=query)
        assert response.status_code < 500
        if response.mimetype == "text/html":
            assert html_problems(response.get_data(as_text=True)) == []


@pytest.mark.parametrize("name", sorted(REPORTS))
@FUZZ
@given(query=FILTERS)
def test_fuzzed_report_filters_never_error(
    app: Flask, sw: SecurityWorld, browser: Any, name: str, query: dict[str, str]
) -> None:
    """Any filter values: the report, or a 400 that says what to change; never a 500."""
    role, url = REPORTS[name]
    with rolled_back():
        before = table_snapshot()
        response = browser(sw.user(role)).get(
            url.format(org=sw.org.id, cohort=sw.cohort.id), query_string=query
        )
        assert response.status_code in (200, 400), response.status_code
        nul = any("\x00" in value for value in query.values())  # refused up front
        if response.status_code == 400 and not nul:
            assert "Please check the filters" in response.get_data(as_text=True)
        if response.mimetype == "text/html":
            assert html_problems(response.get_data(as_text=True)) == []
        else:
            response.get_data()  # the whole file streams without an error
        assert snapshot_changes(before, table_snapshot()) == []


@pytest.mark.parametrize("page", ["9223372036854775808", "1" + "0" * 30, "-" + "9" * 20, "0"])
def test_absurd_page_numbers_are_an_empty_page_not_an_error(
    app: Flask, sw: SecurityWorld, browser: Any, page: str
) -> None:
    admin, manager = browser(sw.admin), browser(sw.manager)
    for client, url in [
        (admin, "/admin/people"),
        (admin, "/admin/audit"),
        (admin, "/admin/organisations"),
        (manager, f"/organisations/{sw.org.id}"),
    ]:
        assert client.get(url, query_string={"page": page}).status_code == 200, url


@pytest.mark.parametrize("name", sorted(FORMS))
def test_a_nul_character_anywhere_is_bad_input(
    app: Flask, sw: SecurityWorld, browser: Any, name: str
) -> None:
    """PostgreSQL can't store NUL in text, so it is refused up front on every database."""
    spec = FORMS[name]
    url = spec.url(sw)  # made once, below every attempt's savepoint (NUL is refused first)
    plausible = {k: (v or ["x"])[0] for k, v in spec.fields(sw).items()}
    for field_name in plausible:
        body = {**plausible, field_name: f"{plausible[field_name]}\x00"}
        with rolled_back():
            client = browser(sw.user(spec.role), **spec.session)
            before = table_snapshot()
            response = spec.post(client, url, body)
            assert response.status_code == 400, (field_name, response.status_code)
            assert snapshot_changes(before, table_snapshot()) == []


def test_a_nul_character_in_a_query_or_path_is_bad_input(
    app: Flask, sw: SecurityWorld, browser: Any
) -> None:
    admin = browser(sw.admin)
    assert admin.get("/admin/audit", query_string={"action": "x\x00"}).status_code == 400
    assert admin.get("/admin/people", query_string={"q\x00": "x"}).status_code == 400
    assert browser(sw.learner).get("/courses/a%00b").status_code == 400
    assert browser(None).post("/sign-in", data={"name": "\x00", "password": "x"}).status_code == 400
