"""Journey 5: a facilitator sees their cohorts and a reflection a learner shared."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from lms.demo import REFLECTIONS
from tests.e2e.browsing import nav_link, sign_in

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("js", [True, False], ids=["js", "no-js"])
def test_facilitator_reads_a_shared_reflection(journey, js):
    tab = journey.open(js=js)
    page = sign_in(tab, "facilitator@example.org")
    expect(page.get_by_role("heading", level=1)).to_have_text("Hello, Sam Okafor")

    page = tab.click(nav_link(page, "My cohorts"))
    expect(page.get_by_role("heading", level=1)).to_have_text("My cohorts")
    rows = page.get_by_role("main").get_by_role("row")
    expect(rows.filter(has_text="Foundations (self-paced)")).to_be_visible()
    winter = rows.filter(has_text="Trauma-informed teams: winter cohort")
    expect(winter).to_contain_text("Trauma-informed teams: a six-week cohort course")

    page = tab.click(winter.get_by_role("link", name="Trauma-informed teams: winter cohort"))
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Trauma-informed teams: winter cohort"
    )
    for name in ("Jordan Lee", "Maria Kowalska", "Imran Khan"):
        expect(page.get_by_role("row").filter(has_text=name)).to_be_visible()
    expect(page.get_by_role("heading", name="Reflections shared with you")).to_be_visible()
    shared = page.get_by_role("article").filter(
        has=page.get_by_role("heading", name="Jordan Lee on")
    )
    expect(shared).to_have_count(1)
    body = shared.inner_text()
    assert any(text in body for text in REFLECTIONS), body

    # Reflections on the self-paced course were kept private: the facilitator can't read them.
    page = tab.click(nav_link(page, "My cohorts"))
    page = tab.click(page.get_by_role("link", name="Foundations (self-paced)"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Foundations (self-paced)")
    expect(page.get_by_text("No one has shared a reflection yet.")).to_be_visible()
    for text in REFLECTIONS:
        expect(page.get_by_text(text)).to_have_count(0)
