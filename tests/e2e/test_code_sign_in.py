"""Journey 2: someone without email, set up by an admin, signs in with a one-time code,
chooses a PIN, and from then on signs in with their username and PIN."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from lms.accounts.services import create_user_with_code
from tests.e2e.browsing import Tab, nav_link, sign_in, sign_out

pytestmark = pytest.mark.e2e

PIN = "482917"
ALL_SET = "You're all set. Next time, sign in with your username and your PIN."


def read_code(page: Page, display_name: str) -> str:
    """The code as printed on the sheet the admin hands over."""
    sheet = page.get_by_role("article", name=f"Signing in for {display_name}")
    expect(sheet).to_be_visible()
    found = re.search(r"Your one-time code\s+([A-Z0-9-]{8,})", sheet.inner_text())
    assert found, sheet.inner_text()
    return found.group(1)


def choose_pin_and_land(tab: Tab, display_name: str) -> Page:
    page = tab.page
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Welcome, {display_name}")
    page.get_by_label("A PIN (numbers only)").check()
    page.get_by_label("Your new password or PIN").fill(PIN)
    page.get_by_label("Type it again").fill(PIN)
    page = tab.click(page.get_by_role("button", name="Save and continue"))
    expect(page.get_by_text(ALL_SET)).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Hello, {display_name}")
    return page


@pytest.mark.parametrize("js", [True, False], ids=["js", "no-js"])
def test_username_only_person_signs_in_with_a_code(journey, js):
    tag = "js" if js else "nojs"
    display_name = f"Dana Fairweather {tag.upper()}"
    username = f"dana.fairweather.{tag}"

    # An admin adds the person, with a username and no email, and gets a code sheet.
    admin = journey.open(js=js)
    page = sign_in(admin, "admin@example.org")
    page = admin.click(nav_link(page, "Admin"))
    page = admin.click(page.get_by_role("main").get_by_role("link", name="Add a person").first)
    expect(page.get_by_role("heading", level=1)).to_have_text("Add a person")
    page.get_by_label("Name", exact=True).fill(display_name)
    page.get_by_label("Username", exact=True).fill(username)
    page.get_by_label(re.compile("^No email: give them a one-time sign-in code")).check()
    page.get_by_label("Organisation", exact=True).select_option(label="HMP Eastwood")
    page = admin.click(page.get_by_role("button", name="Add the person"), "first-code-sheet")
    first_code = read_code(page, display_name)

    # The sheet got lost: the admin issues a new code from the person's page.
    page = admin.click(page.get_by_role("link", name=f"Done: back to {display_name}"))
    expect(page.get_by_role("heading", level=1)).to_have_text(display_name)
    expect(page.get_by_text("hasn't been used yet")).to_be_visible()
    page = admin.click(page.get_by_role("button", name="Create a one-time sign-in code"))
    code = read_code(page, display_name)
    assert code != first_code
    sign_out(admin)
    admin.close()

    # On another computer, the person signs in with the code.
    person = journey.open(js=js)
    page = person.goto("/sign-in", "sign-in")
    page = person.click(page.get_by_role("link", name="Sign in with a one-time code"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in with a one-time code")
    page.get_by_label("Username").fill(username)
    page.get_by_label("One-time code").fill(first_code)
    page = person.click(page.get_by_role("button", name="Continue"), "old-code-refused")
    problem = page.get_by_role("alert")
    expect(problem).to_contain_text("Let's try that again")
    expect(problem).to_contain_text("ask the person who gave it to you for a new one")

    page.get_by_label("One-time code").fill(code.lower().replace("-", ""))
    page = person.click(page.get_by_role("button", name="Continue"), "welcome")
    page = choose_pin_and_land(person, display_name)

    # Next time: username and PIN.
    sign_out(person)
    page = sign_in(person, username, PIN)
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Hello, {display_name}")


@pytest.mark.parametrize("js", [True, False], ids=["js", "no-js"])
def test_keyboard_only_sign_in_with_a_code(journey, in_app, js):
    """Signing in with a code and choosing a PIN with the keyboard alone.

    Tab, Enter and typing, plus the arrow key that moves between the two radio buttons of
    one group (a radio group is a single Tab stop).
    """
    tag = "kbjs" if js else "kbnojs"
    display_name = f"Kit Marlowe {tag.upper()}"
    username = f"kit.marlowe.{tag}"
    _, code = in_app(
        lambda: create_user_with_code(None, display_name=display_name, username=username)
    )

    tab = journey.open(js=js)
    page = tab.goto("/sign-in", "sign-in")
    tab.skip_to_main()
    tab.tab_to(page.get_by_role("link", name="Sign in with a one-time code"))
    page = tab.press("Enter")
    tab.skip_to_main()
    tab.tab_to(page.get_by_label("Username"))
    page.keyboard.type(username)
    tab.tab_to(page.get_by_label("One-time code"))
    page.keyboard.type(str(code))
    page = tab.press("Enter", "welcome")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Welcome, {display_name}")

    tab.skip_to_main()
    tab.tab_to(page.get_by_label("A password (letters, numbers or both)"))
    page.keyboard.press("ArrowDown")
    expect(page.get_by_label("A PIN (numbers only)")).to_be_checked()
    assert not tab.focus_problem(), tab.focus_problem()
    tab.tab_to(page.get_by_label("Your new password or PIN"))
    page.keyboard.type(PIN)
    tab.tab_to(page.get_by_label("Type it again"))
    page.keyboard.type(PIN)
    tab.tab_to(page.get_by_role("button", name="Save and continue"))
    page = tab.press("Enter")
    expect(page.get_by_text(ALL_SET)).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Hello, {display_name}")
