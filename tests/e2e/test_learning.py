"""Journey 1: a learner starts the foundations course, meets a content note, comes back
later, and then works through the whole course to the end.

Each run has a learner of its own, made for it, who starts the course with the "Start this
course" button, so the demo learners stay as they are for the other journeys.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from lms.accounts.services import create_user
from tests.e2e.browsing import Tab, nav_link, sign_in

pytestmark = pytest.mark.e2e

FOUNDATIONS = "Trauma-informed practice: foundations"
FIRST_MODULE = "What trauma is and how common it is"
NOTED_STEP = "What brings you here?"  # the first step with a content note of its own
PASSWORD = "a quiet walk by the river"
SAVED = "Your place is saved, and nothing is counted against you."
COMPLETED_COURSE = "You've completed the whole course."
REFLECTION = "I would like to notice more, and to slow down at the start of a conversation."


@pytest.fixture
def new_learner(in_app, request):
    """A person with no courses yet, made for this test only."""
    tag = re.sub(r"[^a-z0-9]+", "-", request.node.name.lower()).strip("-")
    email = f"{tag}@example.org"
    name = "Robin Ashdown"
    in_app(lambda: create_user(None, display_name=name, email=email, password=PASSWORD))
    return name, email


def heading(page: Page) -> str:
    return page.get_by_role("heading", level=1).inner_text().strip()


def take_quiz(tab: Tab) -> Page:
    """Answer wrongly first, read the explanations, then answer rightly."""
    page = tab.page
    questions = page.get_by_role("group")
    count = questions.count()
    assert count >= 2, "The quiz should have questions"
    for i in range(count):
        questions.nth(i).get_by_role("radio").first.check()
    page = tab.click(page.get_by_role("button", name="Check my answers"), "quiz-first-try")
    expect(page.get_by_text(re.compile(r"You need \d+ to complete this step"))).to_be_visible()
    expect(page.get_by_role("heading", name="Try again")).to_be_visible()

    answers = []
    for item in page.get_by_role("listitem").filter(has_text="You chose:").all():
        text = item.inner_text()
        right = re.search(r"You chose: (.+?)\.\s*That's right\.", text)
        other = re.search(r"The answer is: (.+?)\.\s*$", text, re.M)
        assert right or other, text
        answers.append((right or other).group(1))  # type: ignore[union-attr]
        # The explanation is shown with every answer.
        assert len(text.splitlines()) >= 3, text
    assert len(answers) == count, answers
    expect(page.get_by_text("The answer is:").first).to_be_visible()

    questions = page.get_by_role("group")
    for i, answer in enumerate(answers):
        questions.nth(i).get_by_label(answer, exact=True).check()
    page = tab.click(page.get_by_role("button", name="Check my answers"), "quiz-second-try")
    expect(page.get_by_text(f"You answered {count} of {count} correctly.")).to_be_visible()
    expect(page.get_by_text("You passed this quiz.")).to_be_visible()
    return page


def do_step(tab: Tab) -> Page:
    """Whatever the page asks for: go on past a note, reflect, answer, or mark it done."""
    page = tab.page
    if heading(page).startswith("Before you start:"):
        expect(page.get_by_role("heading", name="What to expect")).to_be_visible()
        return tab.click(page.get_by_role("button", name="Continue", exact=True))
    if page.get_by_role("button", name="Check my answers").count():
        return take_quiz(tab)
    reflection = page.get_by_label("Your reflection")
    if reflection.count():
        reflection.fill(REFLECTION)
        share = page.get_by_label(re.compile("Share this reflection with my facilitators"))
        if share.count():
            expect(share).not_to_be_checked()  # private unless the learner chooses
        page = tab.click(page.get_by_role("button", name="Save my reflection"))
        expect(page.get_by_text("Your reflection is saved. Only you can read it.")).to_be_visible()
        return page
    done = page.get_by_role("button", name="Mark as done and continue")
    if done.count():
        return tab.click(done)
    # A step done by opening it (a video): on to the next one.
    return tab.click(page.get_by_role("navigation", name="Steps").get_by_role("link").last)


def start_foundations(tab: Tab, name: str, email: str) -> Page:
    page = sign_in(tab, email, PASSWORD)
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Hello, {name}")
    expect(page.get_by_text("You haven't started a course yet.")).to_be_visible()
    page = tab.click(page.get_by_role("main").get_by_role("link", name=FOUNDATIONS))
    expect(page.get_by_role("heading", level=1)).to_have_text(FOUNDATIONS)
    page = tab.click(page.get_by_role("button", name="Start this course"))
    expect(page.get_by_text("You've started this course.")).to_be_visible()
    return tab.click(page.get_by_role("link", name="Start the first step"))


@pytest.mark.parametrize("js", [True, False], ids=["js", "no-js"])
def test_learner_completes_foundations(journey, new_learner, js):
    name, email = new_learner
    tab = journey.open(js=js)
    page = start_foundations(tab, name, email)
    # The module's content note comes first.
    assert heading(page) == f"Before you start: {FIRST_MODULE}"

    # On through the first steps, until a step with a content note of its own.
    for _ in range(10):
        if heading(page) == f"Before you start: {NOTED_STEP}":
            break
        page = do_step(tab)
    else:
        raise AssertionError(f"Never reached the content note of “{NOTED_STEP}”")
    note = page.get_by_role("main")
    expect(page.get_by_role("heading", name="What to expect")).to_be_visible()
    expect(note).to_contain_text("Topics")
    expect(note).to_contain_text("your own work and what you have noticed")
    expect(note).to_contain_text("private writing")
    expect(page.get_by_role("link", name="Support is here")).to_be_visible()

    # Not today: the place is kept.
    page = tab.click(page.get_by_role("button", name="Come back later"))
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Hello, {name}")
    expect(page.get_by_text(SAVED)).to_be_visible()

    # Back again, from the dashboard, to the same note; this time, go on.
    page = tab.click(page.get_by_role("link", name=f"Continue: {NOTED_STEP}"))
    assert heading(page) == f"Before you start: {NOTED_STEP}"
    page = tab.click(page.get_by_role("button", name="Continue", exact=True))
    assert heading(page).startswith(NOTED_STEP)

    # The rest of the course, to the end.
    for _ in range(60):
        page = do_step(tab)
        if page.get_by_text(COMPLETED_COURSE).count():
            break
    else:
        raise AssertionError("The course never said it was completed")
    expect(page.get_by_text(re.compile("You've completed the whole course"))).to_be_visible()

    page = tab.click(nav_link(page, "My learning"))
    expect(page.get_by_role("heading", name="Completed")).to_be_visible()
    completed = page.get_by_role("listitem").filter(has_text=re.compile(r"completed \d"))
    expect(completed.get_by_role("link", name=FOUNDATIONS)).to_be_visible()
    expect(page.get_by_role("heading", name="Pick up where you left off")).to_have_count(0)


@pytest.mark.parametrize("js", [True, False], ids=["js", "no-js"])
def test_keyboard_only_note_come_back_later_continue(journey, new_learner, js):
    """The start of journey 1 with only Tab, Enter, Space and typing; focus always shows."""
    name, email = new_learner
    tab = journey.open(js=js)
    page = tab.goto("/sign-in", "sign-in")
    tab.tab_to(page.get_by_label("Email or username"))
    page.keyboard.type(email)
    tab.tab_to(page.get_by_label("Password or PIN"))
    page.keyboard.type(PASSWORD)
    page = tab.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Hello, {name}")

    tab.skip_to_main()
    tab.tab_to(page.get_by_role("main").get_by_role("link", name=FOUNDATIONS))
    page = tab.press("Enter")
    tab.skip_to_main()
    tab.tab_to(page.get_by_role("button", name="Start this course"))
    page = tab.press("Space")
    tab.skip_to_main()
    tab.tab_to(page.get_by_role("link", name="Start the first step"))
    page = tab.press("Enter")
    assert heading(page) == f"Before you start: {FIRST_MODULE}"
    tab.skip_to_main()
    tab.tab_to(page.get_by_role("button", name="Continue", exact=True))
    page = tab.press("Enter")

    while heading(page) != f"Before you start: {NOTED_STEP}":
        tab.skip_to_main()
        done = page.get_by_role("button", name="Mark as done and continue")
        if done.count():
            tab.tab_to(done)
        else:
            tab.tab_to(page.get_by_role("navigation", name="Steps").get_by_role("link").last)
        page = tab.press("Enter")

    tab.skip_to_main()
    tab.tab_to(page.get_by_role("button", name="Come back later"))
    page = tab.press("Space")
    expect(page.get_by_text(SAVED)).to_be_visible()

    tab.skip_to_main()
    tab.tab_to(page.get_by_role("link", name=f"Continue: {NOTED_STEP}"))
    page = tab.press("Enter")
    tab.skip_to_main()
    tab.tab_to(page.get_by_role("button", name="Continue", exact=True))
    page = tab.press("Enter")
    assert heading(page).startswith(NOTED_STEP)

    tab.skip_to_main()
    tab.tab_to(page.get_by_label("Your reflection"))
    page.keyboard.type(REFLECTION)
    tab.tab_to(page.get_by_role("button", name="Save my reflection"))
    page = tab.press("Enter")
    expect(page.get_by_text("Your reflection is saved. Only you can read it.")).to_be_visible()
