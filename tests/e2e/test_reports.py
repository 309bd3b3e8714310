"""Journey: a manager opens their organisation's dashboard, filters it by course and dates,
and downloads the enrolments as CSV: only their own organisation's people are in it."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from playwright.sync_api import expect

from tests.e2e.browsing import nav_link, sign_in

pytestmark = pytest.mark.e2e

FOUNDATIONS = "Trauma-informed practice: foundations"


@pytest.mark.parametrize("js", [True, False], ids=["js", "no-js"])
def test_manager_filters_the_dashboard_and_exports(journey, js):
    tab = journey.open(js=js)
    page = sign_in(tab, "manager@example.org")
    page = tab.click(nav_link(page, "My organisation"), "organisation")
    page = tab.click(page.get_by_role("link", name="Dashboard"), "dashboard")
    expect(page.get_by_role("heading", level=1)).to_have_text("Dashboard")
    chart = page.get_by_role("img", name="Completions over time")
    expect(chart).to_be_visible()
    expect(page.get_by_text("The figures as a table")).to_be_visible()

    page.get_by_label("Course").select_option(label=FOUNDATIONS)
    page.get_by_label("From").fill(f"{date.today().year - 5}-01-01")
    page.get_by_label("To").fill(date.today().isoformat())
    page = tab.click(page.get_by_role("button", name="Show"), "dashboard-filtered")
    expect(page.get_by_label("Course")).to_have_value(page.url.split("course=")[1].split("&")[0])
    completion = page.get_by_role("table", name="Completion by course")
    expect(completion.get_by_role("row")).to_have_count(2)  # the heading and Foundations
    expect(completion).to_contain_text(FOUNDATIONS)

    page = tab.click(page.get_by_role("link", name="Enrolments", exact=True), "enrolments")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="CSV file of enrolments").click()
    download = download_info.value
    assert download.suggested_filename.startswith("enrolments-organisation-")
    assert download.suggested_filename.endswith(".csv")
    text = open(download.path(), encoding="utf-8-sig").read()  # noqa: SIM115
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    assert rows, "the file has the organisation's enrolments"
    assert set(rows[0]) >= {"Name", "Organisation", "Course", "Cohort", "Enrolled on", "Status"}
    names = {row["Name"] for row in rows}
    assert "Jordan Lee" in names
    assert not names & {"Maria Kowalska", "Imran Khan"}  # other organisations' people
    assert {row["Organisation"] for row in rows} <= {"Northfield NHS Trust"}
    tab.check("enrolments-after-download", wait=False)
