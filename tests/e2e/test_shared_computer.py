"""Journey 4: on a shared computer, signing out leaves nothing that still works.

The browser runs with its back/forward cache on, as people's browsers do.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.browsing import DEMO_PASSWORD, Tab, nav_link, sign_out

pytestmark = pytest.mark.e2e

SIGNED_OUT = "You've signed out. If this is a shared computer, you can close the browser now."


def remember_cookies(tab: Tab) -> list[str]:
    return [c["name"] for c in tab.context.cookies() if "remember" in c["name"].lower()]


def sign_in_without_keeping(tab: Tab) -> Page:
    page = tab.goto("/sign-in", "sign-in")
    keep = page.get_by_label("Keep me signed in on this device")
    expect(keep).not_to_be_checked()  # a shared computer is the default
    page.get_by_label("Email or username").fill("learner@example.org")
    page.get_by_label("Password or PIN").fill(DEMO_PASSWORD)
    page = tab.click(page.get_by_role("button", name="Sign in"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Hello, Jordan Lee")
    page = tab.click(nav_link(page, "My reflections"))
    expect(page.get_by_role("heading", level=1)).to_have_text("My reflections")
    return page


def expect_signed_out(page: Page) -> None:
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    expect(page.get_by_text("Jordan Lee")).to_have_count(0)
    expect(page.get_by_role("button", name="Sign out")).to_have_count(0)


@pytest.mark.parametrize("js", [True, False], ids=["js", "no-js"])
def test_signing_out_on_a_shared_computer(journey, js):
    tab = journey.open(js=js)
    sign_in_without_keeping(tab)
    cookies = tab.context.cookies()
    assert not remember_cookies(tab), cookies
    # The session cookie lasts only as long as the browser does.
    assert all(c["expires"] == -1 for c in cookies), cookies

    page = sign_out(tab)
    expect(page.get_by_text(SIGNED_OUT)).to_be_visible()
    expect_signed_out(page)
    assert not remember_cookies(tab)

    # Whatever address the next person types, they get the sign-in page.
    for path in ("/", "/reflections", "/account"):
        page = tab.goto(path, f"revisit{path.replace('/', '-')}")
        expect_signed_out(page)
    assert not remember_cookies(tab)


@pytest.mark.parametrize("js", [True, False], ids=["js", "no-js"])
def test_back_after_signing_out_shows_the_sign_in_page(journey, js):
    tab = journey.open(js=js)
    sign_in_without_keeping(tab)
    sign_out(tab)
    page = tab.back("back-after-sign-out")
    # The page is complete by now: no waiting for it to change.
    assert page.get_by_role("heading", level=1).inner_text() == "Sign in"
    expect_signed_out(page)
    expect(page.get_by_text("My reflections")).to_have_count(0)
