"""The organisation's pages: people, dashboard, enrolments and attendance, with filters."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

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


def _earlier_editions(rw: ReportWorld, factories: Any) -> tuple[Any, Any]:
    """Ada on two retired editions of Foundations (one completed, one left unfinished, on
    two cohorts of it), and on a withdrawal and a new start of a course that runs."""
    f = factories
    old = [
        f.course(f"foundations-{y}", title=f"Foundations ({y})", retired=True) for y in (2020, 2021)
    ]
    f.enrol(rw.ada, f.cohort(old[0], name="Foundations 2020 spring"), status="completed")
    f.enrol(rw.ada, f.cohort(old[1], name="Foundations 2021 spring"), status="withdrawn")
    f.enrol(rw.ada, f.cohort(old[1], name="Foundations 2021 autumn"))
    f.enrol(rw.ada, rw.team_cohort, status="withdrawn")
    f.enrol(rw.ada, f.cohort(rw.teams, name="Teams winter"))
    return old[0], old[1]


def test_people_page_lists_current_courses_and_counts_earlier_editions(
    rw: ReportWorld, client, sign_in, factories
):
    first, _second = _earlier_editions(rw, factories)
    sign_in(rw.manager)
    body = page(client, f"/organisations/{rw.trust.id}")
    ada = body[body.index(">Ada Archer</a>") : body.index("</tr>", body.index(">Ada Archer</a>"))]
    assert "Foundations: <strong>Completed</strong>" in ada
    # Withdrawn from one cohort, taking part in the next: where they are is the furthest.
    assert "Teams: <strong>In progress</strong>" in ada
    # Retired editions are counted (as courses, not enrolments), not listed.
    assert "Earlier courses: 1 of 2 completed" in ada
    assert "Foundations (2020):" not in body and "Foundations (2021):" not in body
    # Everyone's name leads to their record.
    assert f'<a href="/organisations/{rw.trust.id}/people/{rw.ada.id}">Ada Archer</a>' in body
    assert f'<a href="/organisations/{rw.trust.id}/people/{rw.cal.id}">Cal Cole</a>' in body
    # A retired course chosen as the filter is listed like any other.
    chosen = page(client, f"/organisations/{rw.trust.id}", course=first.id)
    assert "Foundations (2020): <strong>Completed</strong>" in chosen
    assert "Earlier courses" not in chosen and "Bea Baker" not in chosen


def test_a_persons_record_lists_every_enrolment(rw: ReportWorld, client, sign_in, factories):
    _earlier_editions(rw, factories)
    sign_in(rw.manager)
    body = page(client, f"/organisations/{rw.trust.id}/people/{rw.ada.id}")
    assert "<h1>Ada Archer</h1>" in body
    current = body[body.index("<h2>Current courses</h2>") : body.index("<h2>Earlier courses</h2>")]
    earlier = body[body.index("<h2>Earlier courses</h2>") :]
    for cohort in ("Foundations spring", "Teams autumn", "Teams winter"):
        assert f"<td>{cohort}</td>" in current
    assert "<td>Withdrawn</td>" in current and "<td>In progress</td>" in current
    for cohort in ("Foundations 2020 spring", "Foundations 2021 spring", "Foundations 2021 autumn"):
        assert f"<td>{cohort}</td>" in earlier
    # A place on a retired course that was never finished can't be taken further.
    assert "<td>Not completed</td>" in earlier and "In progress" not in earlier
    assert "<td>Withdrawn</td>" in earlier and "<td>Completed</td>" in earlier
    # Someone on no course, and someone of the ward (a unit): their records too.
    cal = page(client, f"/organisations/{rw.trust.id}/people/{rw.cal.id}")
    assert "Not on a course yet." in cal and "Earlier courses" not in cal
    bea = page(client, f"/organisations/{rw.trust.id}/people/{rw.bea.id}")
    assert "Service number SN-042" in bea and "Ward 3" in bea
    # Nobody outside the organisation, and nobody who doesn't exist.
    for user_id in (rw.outsider.id, 2147483000):
        response = client.get(f"/organisations/{rw.trust.id}/people/{user_id}")
        assert response.status_code == 404
        assert "Oona Outsider" not in response.get_data(as_text=True)


def test_a_course_completed_in_another_cohort_counts_on_both_pages(
    rw: ReportWorld, client, sign_in, factories
):
    from lms.extensions import db
    from lms.progress.models import CourseCompletion

    retired = factories.course("teams-2019", title="Teams (2019)", retired=True)
    factories.enrol(rw.cal, factories.cohort(retired, name="Teams 2019"))
    db.session.add(
        CourseCompletion(
            user_id=rw.cal.id,
            course_id=retired.id,
            content_version=1,
            rule={},
            source="admin",
            completed_at=datetime(2019, 6, 1),
        )
    )
    db.session.flush()
    sign_in(rw.manager)
    people = page(client, f"/organisations/{rw.trust.id}")
    assert "Earlier courses: 1 of 1 completed" in people
    record = page(client, f"/organisations/{rw.trust.id}/people/{rw.cal.id}")
    assert "<td>Completed</td><td>2019-06-01</td>" in record


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


def test_the_filter_form_sends_what_the_page_reads(rw: ReportWorld, client, sign_in):
    """The form's fields are named as the query string the pages and exports read."""
    from tests.security.helpers import scan_html

    sign_in(rw.manager)
    body = page(client, f"/organisations/{rw.trust.id}/dashboard", **{"from": "2026-01-02"})
    names = {i.get("name") for form in scan_html(body).forms for i in form["inputs"]}
    assert {"from", "to"} <= names
    for name in ("course", "unit"):
        assert f'name="{name}"' in body
    assert 'value="2026-01-02"' in body
    chosen = page(client, f"/organisations/{rw.trust.id}", course=rw.teams.id)
    assert f'<option value="{rw.teams.id}" selected>Teams</option>' in chosen
    assert 'name="cohort"' in chosen


def test_cohorts_are_offered_once_their_course_is_chosen(
    rw: ReportWorld, client, sign_in, factories
):
    """Every cohort there ever was is too long a list: a course's cohorts (those the
    organisation's people are on) are offered once the course is chosen, and a link to a
    cohort opens with the cohorts of its course."""
    empty = factories.cohort(rw.foundations, name="Foundations nobody here is on")
    factories.enrol(rw.outsider, empty)
    sign_in(rw.manager)
    base = f"/organisations/{rw.trust.id}"
    first = page(client, base)
    assert 'name="cohort"' not in first
    assert "To pick a cohort, choose its course and press Show." in first
    chosen = page(client, base, course=rw.foundations.id)
    assert f'<option value="{rw.cohort.id}">{rw.cohort.name}</option>' in chosen
    assert rw.team_cohort.name not in chosen  # another course's cohort
    assert empty.name not in chosen  # nobody from the organisation on it
    assert "choose its course and press Show" not in chosen
    linked = page(client, base, cohort=rw.team_cohort.id)
    assert f'<option value="{rw.team_cohort.id}" selected>{rw.team_cohort.name}</option>' in linked
    assert rw.cohort.name not in linked.split('name="cohort"')[1].split("</select>")[0]
    mismatched = client.get(base, query_string={"course": rw.teams.id, "cohort": rw.cohort.id})
    assert mismatched.status_code == 400
    assert "Please choose one from the list." in mismatched.get_data(as_text=True)


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


def test_every_table_says_the_same_of_a_place(rw: ReportWorld, client, sign_in, factories):
    """A place on a retired course never finished is "Not completed" and a place still held
    on a course completed in another cohort is "Completed" (on that day) wherever it is
    shown: the people page with the course chosen, the record, the enrolments table and
    both exports; a withdrawal stays a withdrawal."""
    from lms.extensions import db
    from lms.progress.models import CourseCompletion
    from tests.reports.conftest import read_csv

    _first, second = _earlier_editions(rw, factories)  # Ada: 2021 withdrawn, then active
    elsewhere = factories.cohort(rw.teams, name="Teams spring")
    factories.enrol(rw.cal, elsewhere, status="withdrawn")
    factories.enrol(rw.cal, factories.cohort(rw.teams, name="Teams summer"))
    db.session.add(
        CourseCompletion(
            user_id=rw.cal.id,
            course_id=rw.teams.id,
            content_version=1,
            rule={},
            source="admin",
            completed_at=datetime(2026, 3, 2),
        )
    )
    db.session.flush()
    sign_in(rw.manager)
    org = f"/organisations/{rw.trust.id}"

    chosen = page(client, org, course=second.id)
    assert "Foundations (2021): <strong>Not completed</strong>" in chosen
    assert "In progress" not in chosen
    record = page(client, f"{org}/people/{rw.cal.id}")
    assert "<td>Teams summer</td>" in record
    assert "<td>Completed</td><td>2026-03-02</td>" in record
    assert "<td>Withdrawn</td>" in record

    table = page(client, f"{org}/enrolments", course=second.id)
    assert table.count("<td>Not completed</td>") == 1 and "<td>Withdrawn</td>" in table
    assert "In progress" not in table
    exported = read_csv(client.get(f"{org}/export/enrolments.csv"))
    statuses = {(r["Name"], r["Cohort"]): (r["Status"], r["Completed on"]) for r in exported}
    assert statuses[("Ada Archer", "Foundations 2021 autumn")] == ("Not completed", "")
    assert statuses[("Ada Archer", "Foundations 2021 spring")] == ("Withdrawn", "")
    assert statuses[("Cal Cole", "Teams summer")] == ("Completed", "2026-03-02")
    assert statuses[("Cal Cole", "Teams spring")] == ("Withdrawn", "")
    people = read_csv(client.get(f"{org}/export/people.csv"))
    places = {(r["Name"], r["Course"], r["Status"]) for r in people}
    assert ("Ada Archer", "Foundations (2021)", "Not completed") in places
    assert ("Ada Archer", "Foundations (2021)", "Withdrawn") in places
    assert ("Cal Cole", "Teams", "Completed") in places
    assert ("Cal Cole", "Teams", "Withdrawn") in places


def test_completion_by_course_and_by_cohort_add_up_across_cohorts(
    rw: ReportWorld, client, sign_in, factories
):
    """The tables by course and by cohort (and their downloads) count the scope's
    enrolments once each, a person in both the trust and its ward included: a course's
    row is the sum of its cohorts', cohorts come latest first (undated ones last)."""
    from datetime import date

    from lms.accounts.models import Membership
    from lms.extensions import db
    from tests.reports.conftest import read_csv

    db.session.add(Membership(user_id=rw.bea.id, organisation_id=rw.trust.id, role="member"))
    later = factories.cohort(rw.foundations, name="Foundations autumn", starts_on=date(2026, 9, 1))
    undated = factories.cohort(rw.teams, name="Teams undated", starts_on=None)
    for status in ("completed", "withdrawn", "active"):
        person = factories.user(f"Autumn {status}", organisation=rw.ward)
        factories.enrol(person, later, status=status)
    factories.enrol(rw.cal, undated, status="deferred")
    db.session.flush()
    sign_in(rw.manager)
    org = f"/organisations/{rw.trust.id}"
    by_course = {
        r["Course"]: r for r in read_csv(client.get(f"{org}/export/completion-by-course.csv"))
    }
    # Foundations: Ada (completed), Bea (active), then the autumn three; Teams: Bea, Cal.
    assert [by_course["Foundations"][c] for c in ("Enrolled", "Completed", "In progress")] == [
        "5",
        "2",
        "2",
    ]
    assert by_course["Foundations"]["Withdrawn or deferred"] == "1"
    assert by_course["Foundations"]["% completed"] == "40"
    assert by_course["Teams"]["Enrolled"] == "2" and by_course["Teams"]["% completed"] == "0"
    assert list(by_course) == ["Foundations", "Teams"]
    by_cohort = read_csv(client.get(f"{org}/export/completion-by-cohort.csv"))
    cohorts = [r["Cohort"] for r in by_cohort]
    assert cohorts.index("Foundations autumn") < cohorts.index("Teams undated")
    assert cohorts[-1] == "Teams undated"
    body = page(client, f"{org}/dashboard")
    assert (
        '<span class="figure-value">7</span> <span class="figure-label">Enrolments</span>' in body
    )
    assert '<span class="figure-value">2</span> <span class="figure-label">Completed</span>' in body
