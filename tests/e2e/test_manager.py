"""Journey 3: a manager sees their own organisation's people and nobody else's."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from lms.accounts.models import Organisation
from lms.extensions import db
from tests.e2e.browsing import nav_link, sign_in

pytestmark = pytest.mark.e2e

FOUNDATIONS = "Trauma-informed practice: foundations"


@pytest.mark.parametrize("js", [True, False], ids=["js", "no-js"])
def test_manager_sees_only_their_organisation(journey, in_app, js):
    southbank = in_app(
        lambda: db.session.scalar(
            select(Organisation.id).where(Organisation.name == "Southbank Women's Centre")
        )
    )
    tab = journey.open(js=js)
    page = sign_in(tab, "manager@example.org")
    expect(page.get_by_role("heading", level=1)).to_have_text("Hello, Priya Shah")

    page = tab.click(nav_link(page, "My organisation"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Northfield NHS Trust")
    expect(page.get_by_text("You never see their reflections or quiz answers.")).to_be_visible()
    people = page.get_by_role("main").get_by_role("row")
    for name in ("Jordan Lee", "Chloé Dubois", "Tom Price", "Priya Shah"):
        expect(people.filter(has_text=name)).to_have_count(1)
    # Their completion, course by course.
    expect(people.filter(has_text="Jordan Lee")).to_contain_text(f"{FOUNDATIONS}: In progress")
    expect(people.filter(has_text="Chloé Dubois")).to_contain_text(f"{FOUNDATIONS}: In progress")
    expect(people.filter(has_text="Priya Shah")).to_contain_text("Not on a course yet")
    # People of other organisations are not there.
    for name in ("Maria Kowalska", "Imran Khan"):
        expect(page.get_by_text(name)).to_have_count(0)

    # A name leads to the person's record: every course they have been on, and back.
    page = tab.click(people.get_by_role("link", name="Jordan Lee"), "record")
    expect(page.get_by_role("heading", level=1)).to_have_text("Jordan Lee")
    courses = page.get_by_role("table", name="Current courses of Jordan Lee").get_by_role("row")
    expect(courses.filter(has_text=FOUNDATIONS)).to_contain_text("In progress")
    page = tab.click(page.get_by_role("link", name="Northfield NHS Trust"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Northfield NHS Trust")

    # Another organisation's page, opened by its address: not available, and nothing of it.
    page = tab.goto(f"/organisations/{southbank}", "another-organisation")
    expect(page.get_by_role("heading", level=1)).to_have_text("Not available")
    expect(page.get_by_text("Southbank")).to_have_count(0)
    expect(page.get_by_text("Maria Kowalska")).to_have_count(0)
