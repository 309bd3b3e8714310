"""The organisation's pages: people, dashboard, enrolments and attendance, with filters."""

from __future__ import annotations

from typing import Any

import pytest

from lms.testing.fixtures import count_queries
from tests.reports.conftest import ReportWorld, register
from tests.security.helpers import html_problems


def page(client: Any, url: str, **query: Any) -> str:
    response = client.get(url, query_string=query)
    assert response.status_code == 200, (url, response.status_code)
    body = response.get_data(as_text=True)
    assert html_problems(body) == [], url
    return body


def test_people_page_lists_the_organisation_and_its_units(rw: ReportWorld, client, sign_in):
    sign_in(rw.manager)
    body = page(client, f"/organisations/{rw.trust.id}")
    for name in ("Ada Archer", "Bea Baker", "Cal Cole", "Maya Manager", "Wes Ward"):
        assert name in body
    assert "Oona Outsider" not in body
    assert "Foundations: <strong>Completed</strong>" in body
    assert "Foundations: <strong>In progress</strong>" in body
    assert "(SN-042)" in body and "Ward 3" in body
    assert "Not on a course yet" in body


def test_people_page_filters_by_unit_and_course(rw: ReportWorld, client, sign_in):
    sign_in(rw.manager)
    ward_only = page(client, f"/organisations/{rw.trust.id}", unit=rw.ward.id)
    assert "Bea Baker" in ward_only and "Ada Archer" not in ward_only
    on_teams = page(client, f"/organisations/{rw.trust.id}", course=rw.teams.id)
    assert "Bea Baker" in on_teams and "Ada Archer" not in on_teams and "Cal Cole" not in on_teams
    assert "Teams: <strong>In progress</strong>" in on_teams
    assert "Foundations:" not in on_teams  # only the enrolments that match are listed


def test_dashboard_figures_chart_and_tables(rw: ReportWorld, client, sign_in):
    sign_in(rw.manager)
    body = page(client, f"/organisations/{rw.trust.id}/dashboard")
    # People: Maya, Wes, Ada, Bea, Cal. Enrolments: Ada (completed), Bea x2.
    assert '<span class="figure-value">5</span> <span class="figure-label">People</span>' in body
    assert (
        '<span class="figure-value">3</span> <span class="figure-label">Enrolments</span>' in body
    )
    assert '<span class="figure-value">1</span> <span class="figure-label">Completed</span>' in body
    # Ada present and Bea part of the session; the cancelled session never counts.
    assert (
        '<span class="figure-value">2</span> <span class="figure-label">'
        "Places at sessions attended</span>"
    ) in body
    assert '<svg class="bar-chart"' in body
    assert '<title id="chart-title">Completions over time</title>' in body
    assert "1 completion between" in body  # the description, for screen readers too
    assert "The figures as a table" in body
    assert "Opening circle" in body and "Cancelled circle" not in body
    assert "Foundations spring" in body and "Teams autumn" in body


def test_dashboard_for_a_unit_manager_covers_only_the_unit(rw: ReportWorld, client, sign_in):
    sign_in(rw.ward_manager)
    body = page(client, f"/organisations/{rw.ward.id}/dashboard")
    assert '<span class="figure-value">2</span> <span class="figure-label">People</span>' in body
    assert client.get(f"/organisations/{rw.trust.id}/dashboard").status_code == 403


def test_enrolments_and_attendance_tables(rw: ReportWorld, client, sign_in):
    sign_in(rw.manager)
    body = page(client, f"/organisations/{rw.trust.id}/enrolments")
    assert body.count("<td>Foundations spring</td>") == 2 and "<td>Teams autumn</td>" in body
    assert "Oona Outsider" not in body
    attendance = page(client, f"/organisations/{rw.trust.id}/attendance")
    assert "Ada Archer" in attendance and "Bea Baker" in attendance
    assert "Part of the session" in attendance
    assert "Cancelled circle" not in attendance and "Oona Outsider" not in attendance


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"from": "31/02/2026"}, "Please enter a date like 31/01/2026."),
        ({"from": "not a date"}, "Please enter a date like 31/01/2026."),
        ({"from": "2026-05-01", "to": "2026-04-01"}, "The end date is before the start date."),
        ({"to": "9999-12-31"}, "Please choose a date between 1900 and 2999."),
        ({"from": "0001-01-01"}, "Please choose a date between 1900 and 2999."),
        ({"course": "99999999999999999999"}, "Please choose one from the list."),
        ({"course": "-3"}, "Please choose one from the list."),
        ({"cohort": "2147483647"}, "Please choose one from the list."),
        ({"unit": "abc"}, "Please choose one from the list."),
        ({"session": "12abc"}, "That session isn&#39;t one you can report on."),
    ],
)
def test_bad_filters_get_a_clear_message_not_an_error(
    rw: ReportWorld, client, sign_in, query: dict[str, str], message: str
):
    sign_in(rw.manager)
    for url in ("", "/dashboard", "/enrolments", "/attendance"):
        response = client.get(f"/organisations/{rw.trust.id}{url}", query_string=query)
        assert response.status_code == 400, (url, response.status_code)
        body = response.get_data(as_text=True)
        assert "Please check the filters" in body and message in body, url
        assert "Ada Archer" not in body  # nothing shown under filters that don't hold
        export = client.get(
            f"/organisations/{rw.trust.id}/export/enrolments.csv", query_string=query
        )
        assert export.status_code == 400 and message in export.get_data(as_text=True)


def test_another_organisations_ids_are_refused_without_naming_anything(
    rw: ReportWorld, client, sign_in, factories
):
    other_unit = factories.organisation("Secret Annexe", parent_id=rw.elsewhere.id)
    other_cohort = factories.cohort(rw.teams, name="Hidden cohort")
    factories.enrol(rw.outsider, other_cohort)
    sign_in(rw.manager)
    url = f"/organisations/{rw.trust.id}/dashboard"
    for query in ({"unit": other_unit.id}, {"unit": rw.elsewhere.id}, {"cohort": other_cohort.id}):
        response = client.get(url, query_string=query)
        assert response.status_code == 400
        body = response.get_data(as_text=True)
        for secret in ("Secret Annexe", "Hillside Centre", "Hidden cohort", "Oona Outsider"):
            assert secret not in body


def test_unknown_session_filter_is_refused_in_a_cohort_report(
    rw: ReportWorld, client, sign_in, factories
):
    other = factories.cohort(rw.teams)
    from tests.reports.conftest import add_session

    theirs = add_session(other, "Their session", rw.session.starts_at)
    sign_in(rw.facilitator)
    response = client.get(f"/facilitate/cohorts/{rw.cohort.id}/report?session={theirs.id}")
    assert response.status_code == 400
    assert "Their session" not in response.get_data(as_text=True)


def test_pages_do_not_grow_with_the_rows(rw: ReportWorld, client, sign_in, factories):
    """The same number of queries for a handful of rows as for many."""
    urls = [
        f"/organisations/{rw.trust.id}",
        f"/organisations/{rw.trust.id}/dashboard",
        f"/organisations/{rw.trust.id}/enrolments",
        f"/organisations/{rw.trust.id}/attendance",
        f"/organisations/{rw.trust.id}/dashboard?unit={rw.ward.id}&course={rw.foundations.id}",
    ]
    sign_in(rw.manager)

    def counts() -> list[int]:
        found = []
        for url in urls:
            with count_queries() as queries:
                assert client.get(url).status_code == 200, url
            found.append(len(queries))
        return found

    before = counts()
    for n in range(30):
        person = factories.user(f"Extra {n:02d}", organisation=rw.ward if n % 2 else rw.trust)
        factories.enrol(person, rw.cohort, status="completed" if n % 3 else "active")
        factories.enrol(person, rw.team_cohort)
        register(rw.session, person, "present")
        other = factories.cohort(rw.teams, name=f"Extra cohort {n}")
        factories.enrol(person, other)
    assert counts() == before
    assert before[0] <= 10, before  # the organisation report: the page the benchmark measures


def test_the_filter_form_sends_what_the_page_reads(rw: ReportWorld, client, sign_in):
    """The form's fields are named as the query string the pages and exports read."""
    from tests.security.helpers import scan_html

    sign_in(rw.manager)
    body = page(client, f"/organisations/{rw.trust.id}/dashboard", **{"from": "2026-01-02"})
    names = {i.get("name") for form in scan_html(body).forms for i in form["inputs"]}
    assert {"from", "to"} <= names
    for name in ("course", "cohort", "unit"):
        assert f'name="{name}"' in body
    assert 'value="2026-01-02"' in body
    chosen = page(client, f"/organisations/{rw.trust.id}", course=rw.teams.id)
    assert f'<option value="{rw.teams.id}" selected>Teams</option>' in chosen


def test_a_session_nobody_in_the_organisation_booked_answers_as_an_unknown_one(
    rw: ReportWorld, client, sign_in, factories
):
    from tests.reports.conftest import add_session

    other = factories.cohort(rw.teams)
    theirs = add_session(other, "Their session", rw.session.starts_at)
    register(theirs, rw.outsider, "present")  # booked only by another organisation's person
    sign_in(rw.manager)
    base = f"/organisations/{rw.trust.id}/attendance"
    unknown = client.get(base, query_string={"session": "2147483000"})
    elsewhere = client.get(base, query_string={"session": str(theirs.id)})
    ours = client.get(base, query_string={"session": str(rw.session.id)})
    assert unknown.status_code == elsewhere.status_code == 400
    assert "Their session" not in elsewhere.get_data(as_text=True)
    assert ours.status_code == 200
