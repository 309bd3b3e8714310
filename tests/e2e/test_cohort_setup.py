"""Journey 6: a facilitator sets up a cohort and a live session, enrols people from a CSV
file (preview, confirm, printed code sheet), a new person signs in with their card, and the
facilitator takes the register on a phone, with the keyboard."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from datetime import date, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from pypdf import PdfReader
from sqlalchemy import select

from lms.accounts.models import Organisation
from lms.accounts.services import create_user
from lms.accounts.services import find_by_sign_in_name as person_called
from lms.extensions import db
from tests.e2e.browsing import ARTIFACTS, PHONE, Tab, nav_link, sign_in, sign_out

pytestmark = pytest.mark.e2e

COURSE = "Trauma-informed teams: a six-week cohort course"
PASSWORD = "a river walk at dawn"


def people_file(folder: Path, tag: str) -> Path:
    """What a training department might send: two new people (one with email, one without),
    someone who already has an account, and a row with a spelling mistake."""
    path = folder / f"people-{tag}.csv"
    path.write_text(
        "Name,Email,Username,Organisation,Service number\r\n"
        f"Nia Adeyemi {tag},nia.{tag}@example.org,,Northfield NHS Trust,\r\n"
        f"Pat Quinn {tag},,pat.quinn.{tag},HMP Eastwood,A1234BC\r\n"
        f"Kay Known {tag},kay.{tag}@example.org,,Northfield NHS Trust,\r\n"
        f"Lou Lost {tag},lou.{tag}@example.org,,Northfeild NHS Trust,\r\n",
        encoding="utf-8",
    )
    return path


def cards(page: Page) -> dict[str, tuple[str, str]]:
    """The printed cards: name -> (what they sign in with, their one-time code)."""
    found = {}
    for card in page.get_by_role("article").all():
        text = card.inner_text()
        name = re.search(r"Signing in for (.+)", text)
        sign_in_with = re.search(r"Sign in with\s+(\S+)", text)
        code = re.search(r"Your one-time code\s+([A-Z0-9-]{8,})", text)
        assert name and sign_in_with and code, text
        found[name.group(1).strip()] = (sign_in_with.group(1), code.group(1))
    return found


def print_to_pdf(page: Page, name: str) -> str:
    """Print the page as the browser would (print styles) and read the paper back."""
    page.emulate_media(media="print")
    try:
        pdf = page.pdf(format="A4")
    finally:
        page.emulate_media(media="screen")
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.pdf"
    path.write_bytes(pdf)
    # Page 1 as a picture, to look at: poppler's pdftoppm, as for certificates.
    pdftoppm = shutil.which("pdftoppm")
    if pdftoppm:
        page_one = ["-png", "-r", "60", "-f", "1", "-l", "1", str(path), str(path.with_suffix(""))]
        subprocess.run([pdftoppm, *page_one], check=True)  # noqa: S603 - our own file
    return "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)


@pytest.mark.parametrize("js", [True, False], ids=["js", "no-js"])
def test_facilitator_sets_up_a_cohort(journey, in_app, tmp_path, js):
    tag = "js" if js else "nojs"
    cohort_name = f"Spring cohort, Leeds ({tag})"
    in_app(
        lambda: create_user(
            None,
            display_name=f"Kay Known {tag}",
            email=f"kay.{tag}@example.org",
            password=PASSWORD,
            organisation=db.session.scalar(
                select(Organisation).where(Organisation.name == "Northfield NHS Trust")
            ),
        )
    )

    # -- a cohort ------------------------------------------------------------------------
    tab = journey.open(js=js)
    page = sign_in(tab, "facilitator@example.org")
    page = tab.click(nav_link(page, "My cohorts"))
    page = tab.click(page.get_by_role("link", name="Create a cohort"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Create a cohort")
    page.get_by_label("Course", exact=True).select_option(label=COURSE)
    page.get_by_label("Name of the cohort").fill(cohort_name)
    starts = date.today() + timedelta(days=14)
    page.get_by_label("Start date (optional)").fill(starts.isoformat())
    page.get_by_label("End date (optional)").fill((starts + timedelta(days=42)).isoformat())
    page.get_by_label("Time zone").select_option("Europe/London")
    expect(page.get_by_label("Sam Okafor")).to_be_checked()  # they run what they create
    page.get_by_label("Capacity (optional)").fill("20")
    page.get_by_label("By invitation").check()
    page = tab.click(page.get_by_role("button", name="Create the cohort"))
    expect(page.get_by_role("heading", level=1)).to_have_text(cohort_name)
    expect(page.get_by_text("Nobody is enrolled on this cohort yet.")).to_be_visible()
    cohort_url = page.url

    # -- a live session ------------------------------------------------------------------
    page = tab.click(page.get_by_role("link", name="Schedule a session"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Schedule a session")
    page.get_by_label("Title").fill(f"Welcome session ({tag})")
    page.get_by_label("What the session is about (optional)").fill(
        "Meeting each other and agreeing how we work together."
    )
    page.get_by_label("Date", exact=True).fill((starts + timedelta(days=1)).isoformat())
    page.get_by_label("Starts at").fill("10:00")
    page.get_by_label("Ends at").fill("11:30")
    page.get_by_label("Time zone").fill("Europe/London")
    page.get_by_label("Online link (optional)").fill(
        "https://teams.microsoft.com/l/meetup-join/e2e-welcome"
    )
    page.get_by_label("Number of places (optional)").fill("12")
    page = tab.click(page.get_by_role("button", name="Schedule the session"))
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Welcome session ({tag})")
    expect(page.get_by_text("10:00").first).to_be_visible()
    expect(page.get_by_text("London time").first).to_be_visible()
    session_url = page.url

    # -- a CSV file: preview, confirm, the code sheet ------------------------------------
    page = tab.goto(cohort_url.removeprefix(tab.journey.base_url))
    page = tab.click(page.get_by_role("link", name="Enrol people from a CSV file"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Enrol people from a CSV file")
    page.get_by_label("CSV file of people").set_input_files(people_file(tmp_path, tag))
    page = tab.click(page.get_by_role("button", name="Upload and preview"), "bulk-preview")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Preview: people-{tag}.csv")
    rows = page.get_by_role("table", name="Every row of the file and what will happen to it")
    nia = rows.get_by_role("row").filter(has_text=f"Nia Adeyemi {tag}")
    expect(nia).to_contain_text("New account")
    expect(nia).to_contain_text(f"Gets a one-time sign-in code for nia.{tag}@example.org")
    pat = rows.get_by_role("row").filter(has_text=f"Pat Quinn {tag}")
    expect(pat).to_contain_text(f"Gets a one-time sign-in code for pat.quinn.{tag}")
    expect(rows.get_by_role("row").filter(has_text=f"Kay Known {tag}")).to_contain_text(
        "Existing account"
    )
    lou = rows.get_by_role("row").filter(has_text=f"Lou Lost {tag}")
    expect(lou).to_contain_text("There is no organisation called “Northfeild NHS Trust”")
    expect(page.get_by_text("one card for each new person")).to_be_visible()
    # Nothing is written before the confirm.
    assert in_app(lambda: person_called(f"nia.{tag}@example.org")) is None

    page = tab.click(page.get_by_role("button", name="Confirm and enrol"), "code-sheet")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign-in codes")
    expect(page.get_by_text("3 people enrolled")).to_be_visible()
    printed = cards(page)
    assert set(printed) == {f"Nia Adeyemi {tag}", f"Pat Quinn {tag}"}  # not Kay: she has one
    assert printed[f"Nia Adeyemi {tag}"][0] == f"nia.{tag}@example.org"
    assert printed[f"Pat Quinn {tag}"][0] == f"pat.quinn.{tag}"

    paper = print_to_pdf(page, f"code-sheet-{tag}")
    squashed = re.sub(r"\s", "", paper)  # the codes are printed letter-spaced
    for name, (sign_in_name, code) in printed.items():
        assert name in paper and sign_in_name in squashed and code in squashed
    assert "Done: back to" not in paper and "only time these codes are shown" not in paper

    page = tab.click(page.get_by_role("button", name=f"Done: back to {cohort_name}"))
    expect(page.get_by_role("heading", level=1)).to_have_text(cohort_name)
    expect(page.get_by_text(f"The list of people in people-{tag}.csv is deleted")).to_be_visible()
    for name in (f"Nia Adeyemi {tag}", f"Pat Quinn {tag}", f"Kay Known {tag}"):
        expect(page.get_by_role("row").filter(has_text=name)).to_be_visible()
    sign_out(tab)
    tab.close()

    # -- the new person with an email address signs in with their card -------------------
    nia_tab = journey.open(js=js)
    page = nia_tab.goto("/sign-in/code", "sign-in-code")
    page.get_by_label("Email or username").fill(f"nia.{tag}@example.org")
    page.get_by_label("One-time code").fill(printed[f"Nia Adeyemi {tag}"][1])
    page = nia_tab.click(page.get_by_role("button", name="Continue"), "welcome")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Welcome, Nia Adeyemi {tag}")
    expect(page.get_by_text(f"nia.{tag}@example.org")).to_be_visible()
    page.get_by_label("Your new password or PIN").fill(PASSWORD)
    page.get_by_label("Type it again").fill(PASSWORD)
    page = nia_tab.click(page.get_by_role("button", name="Save and continue"))
    expect(
        page.get_by_text("Next time, sign in with your email address and your password.")
    ).to_be_visible()
    sign_out(nia_tab)
    page = sign_in(nia_tab, f"nia.{tag}@example.org", PASSWORD)
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Hello, Nia Adeyemi {tag}")
    nia_tab.close()

    # -- the register, on a phone, with the keyboard -------------------------------------
    phone = journey.open(js=js, viewport=PHONE)
    sign_in(phone, "facilitator@example.org")
    page = phone.goto(session_url.removeprefix(phone.journey.base_url), "session-on-a-phone")
    page = phone.click(page.get_by_role("link", name="Take the register"), "empty-register")
    expect(page.get_by_text("Nobody is booked yet.")).to_be_visible()
    page.get_by_label("Someone taking part in the cohort").select_option(label=f"Pat Quinn {tag}")
    page = phone.click(page.get_by_role("button", name="Add to the register"))
    expect(page.get_by_text(f"Pat Quinn {tag} is on the register.")).to_be_visible()
    page.get_by_label("Or the name of someone without an account").fill(f"Officer Reid {tag}")
    page = phone.click(page.get_by_role("button", name="Add to the register"))
    take_register_by_keyboard(phone, tag)


def take_register_by_keyboard(phone: Tab, tag: str) -> None:
    page = phone.page
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), (
        "The register scrolls sideways on a phone"
    )
    pat = page.get_by_role("group", name=f"Pat Quinn {tag}")
    officer = page.get_by_role("group", name=f"Officer Reid {tag}")
    # The rows are in name order: Officer Reid, then Pat Quinn.
    phone.skip_to_main()
    phone.tab_to(officer.get_by_label("Present", exact=True))
    page.keyboard.press("ArrowDown")  # the next choice of the group: part of the session
    expect(officer.get_by_label("Part of the session", exact=True)).to_be_checked()
    phone.tab_to(officer.get_by_label("Minutes there, if part of the session"))
    page.keyboard.type("45")
    phone.tab_to(pat.get_by_label("Present", exact=True))
    page.keyboard.press("Space")
    expect(pat.get_by_label("Present", exact=True)).to_be_checked()
    phone.tab_to(page.get_by_role("button", name="Save the register"))
    page = phone.press("Enter", "register-saved")
    expect(page.get_by_text("The register is saved (2 changes).")).to_be_visible()
    pat = page.get_by_role("group", name=f"Pat Quinn {tag}")
    officer = page.get_by_role("group", name=f"Officer Reid {tag}")
    expect(pat.get_by_label("Present", exact=True)).to_be_checked()
    expect(officer.get_by_label("Part of the session", exact=True)).to_be_checked()
    expect(officer.get_by_label("Minutes there, if part of the session")).to_have_value("45")
