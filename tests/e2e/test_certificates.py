"""Journey: certificates. A learner finishes the course, chooses the name to print and
downloads the PDF; a stranger checks the code without an account (by the form and by the
address); an admin reissues it and then revokes the new one, and the codes say so."""

from __future__ import annotations

import io
import re

import pytest
from playwright.sync_api import Page, expect
from pypdf import PdfReader
from sqlalchemy import select

from lms.accounts.services import create_user
from lms.extensions import db
from tests.e2e.browsing import Tab, nav_link, sign_in
from tests.e2e.test_learning import FOUNDATIONS, PASSWORD, heading, start_foundations, take_quiz

pytestmark = pytest.mark.e2e


def _person(in_app, request, name: str) -> tuple[str, str]:
    tag = re.sub(r"[^a-z0-9]+", "-", request.node.name.lower()).strip("-")
    email = f"{tag}@example.org"
    in_app(lambda: create_user(None, display_name=name, email=email, password=PASSWORD))
    return name, email


def _all_but_the_last_step(email: str) -> None:
    """Everything of the foundations course except its final quiz, done as the learner
    would (the learning journey walks every step in the browser already)."""
    from lms.accounts.models import User
    from lms.catalogue.models import Course, Module, Step
    from lms.demo import _work_through

    user = db.session.scalar(select(User).where(User.email == email))
    course = db.session.scalar(select(Course).where(Course.title == FOUNDATIONS))
    assert user is not None and course is not None
    steps = db.session.scalars(
        select(Step.id)
        .join(Module, Module.id == Step.module_id)
        .where(Step.course_id == course.id, Step.retired_at.is_(None))
    ).all()
    _work_through(user, course, steps=len(steps) - 1)


def _last_step_path() -> str:
    from lms.catalogue.models import Course, Module, Step

    course = db.session.scalar(select(Course).where(Course.title == FOUNDATIONS))
    assert course is not None
    step = db.session.scalars(
        select(Step)
        .join(Module, Module.id == Step.module_id)
        .where(Step.course_id == course.id, Step.retired_at.is_(None))
        .order_by(Module.position.desc(), Step.position.desc())
    ).first()
    assert step is not None
    return f"/courses/{course.slug}/steps/{step.key}"


def _download(tab: Tab, link_name: str) -> bytes:
    page = tab.page
    with page.expect_download() as info:
        page.get_by_role("link", name=link_name).first.click()
    path = info.value.path()
    assert path is not None
    with open(path, "rb") as pdf:
        return pdf.read()


def _check_code(tab: Tab, code: str) -> Page:
    """A stranger with the code: the form first, then the address itself."""
    page = tab.goto("/verify", "verify-form")
    expect(page.get_by_role("heading", level=1)).to_have_text("Check a certificate")
    page.get_by_label("Verification code").fill(code.lower())
    page = tab.click(page.get_by_role("button", name="Check the certificate"), "verify-result")
    expect(page.get_by_role("heading", level=1)).to_have_text("Certificate check")
    return page


def test_learner_completes_chooses_the_name_and_downloads(journey, in_app, request):
    name, email = _person(in_app, request, "Zoë Ångström")
    tab = journey.open(js=True)
    start_foundations(tab, name, email)
    in_app(lambda: _all_but_the_last_step(email))
    path = in_app(_last_step_path)

    page = tab.goto(path, "final-quiz")
    page = take_quiz(tab)
    expect(page.get_by_text(re.compile("You've completed the whole course"))).to_be_visible()

    page = tab.click(nav_link(page, "Certificates"))
    expect(page.get_by_role("heading", name="A certificate is waiting for you")).to_be_visible()
    page = tab.click(page.get_by_role("link", name="Choose the name on your certificate"))
    expect(page.get_by_role("heading", level=1)).to_have_text("The name on your certificate")
    expect(page.get_by_text("It is up to you.")).to_be_visible()
    page.get_by_label(f"The name you use here: {name}").check()
    page = tab.click(page.get_by_role("button", name="Use this name and issue my certificate"))
    expect(page.get_by_text("Thank you. Your certificate is ready.")).to_be_visible()
    row = page.get_by_role("row").filter(has_text=FOUNDATIONS)
    expect(row).to_contain_text("Valid")

    data = _download(tab, "Download PDF")
    text = PdfReader(io.BytesIO(data)).pages[0].extract_text()
    assert name in text and FOUNDATIONS in text and "/verify/" in text

    page = tab.click(page.get_by_role("link", name=re.compile("^View")).first, "certificate")
    expect(page.get_by_role("heading", level=1)).to_contain_text(FOUNDATIONS)
    expect(page.get_by_role("link", name="Download the certificate (PDF)")).to_be_visible()


def _certificate_for(email: str) -> tuple[int, str, str]:
    """A person who finished the course and chose their name: their certificate."""
    from lms.accounts.models import User
    from lms.catalogue.models import Course
    from lms.certificates import services as certificates
    from lms.certificates.models import Certificate
    from lms.cohorts import services as cohorts
    from lms.demo import _work_through

    user = db.session.scalar(select(User).where(User.email == email))
    course = db.session.scalar(select(Course).where(Course.title == FOUNDATIONS))
    assert user is not None and course is not None
    cohorts.start_course(user, course)
    _work_through(user, course, steps=None)
    certificates.confirm_name(user, "display")
    found = db.session.scalar(select(Certificate).where(Certificate.user_id == user.id))
    assert found is not None
    return found.id, found.code, found.display_code


def test_a_stranger_verifies_and_an_admin_reissues_then_revokes(journey, in_app, request):
    name, email = _person(in_app, request, "Анна Кузнецова")
    certificate_id, code, display_code = in_app(lambda: _certificate_for(email))

    stranger = journey.open(js=False)
    page = _check_code(stranger, display_code)
    expect(page.get_by_text("This certificate is genuine and valid.")).to_be_visible()
    details = page.get_by_role("main").locator("dl")
    expect(details).to_contain_text(name)
    expect(details).to_contain_text(FOUNDATIONS)
    page = stranger.goto(f"/verify/{code}", "verify-by-address")
    expect(page.get_by_text("This certificate is genuine and valid.")).to_be_visible()
    page = stranger.goto("/verify/NOTAREALCODEATALL234567ABCDEFGH", "verify-unknown")
    expect(page.get_by_text("We couldn't find a certificate with that code.")).to_be_visible()
    expect(page.get_by_text(name)).to_have_count(0)

    admin = journey.open(js=True)
    page = sign_in(admin, "admin@example.org")
    page = admin.click(nav_link(page, "Certificates"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Certificates of your people")
    page = admin.click(page.get_by_role("link", name=name).first)
    assert heading(page).endswith(FOUNDATIONS)
    page.get_by_label(f"The name you use here: {name}").check()
    page.get_by_label("Why is it being reissued?").fill("The name was printed in the wrong order")
    page = admin.click(page.get_by_role("button", name="Reissue the certificate"))
    expect(page.get_by_text(re.compile(r"replaces \d{4}-\d{6}"))).to_be_visible()
    new_code = page.get_by_text(re.compile("^Verification code")).inner_text().split()[-1]

    page = stranger.goto(f"/verify/{code}", "verify-replaced")
    expect(
        page.get_by_text(re.compile("This certificate was replaced by a reissue"))
    ).to_be_visible()

    page = admin.page
    page.get_by_label("Why is it being revoked?").fill("Issued by mistake")
    page = admin.click(page.get_by_role("button", name="Revoke the certificate"))
    expect(page.get_by_text(re.compile(r"is revoked\. Its code now says so\."))).to_be_visible()

    page = stranger.goto(f"/verify/{new_code.replace('-', '')}", "verify-revoked")
    expect(page.get_by_text(re.compile("This certificate was revoked on"))).to_be_visible()
    assert certificate_id


def test_a_facilitator_issues_for_a_cohort_and_takes_the_zip(journey):
    tab = journey.open(js=False)
    page = sign_in(tab, "facilitator@example.org")
    page = tab.click(nav_link(page, "My cohorts"))
    page = tab.click(page.get_by_role("link", name="Foundations (self-paced)"))
    page = tab.click(page.get_by_role("link", name="Certificates", exact=True).last)
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Certificates for Foundations (self-paced)"
    )
    page = tab.click(page.get_by_role("button", name="Issue certificates for this cohort"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Bulk certificate issue")
    expect(page.get_by_text(re.compile(r"Done: all \d+ people looked at\."))).to_be_visible()
    maria = page.get_by_role("row").filter(has_text="Maria Kowalska")
    expect(maria).to_contain_text(re.compile(r"\d{4}-\d{6}"))  # her demo certificate
    expect(page.get_by_role("row").filter(has_text="Jordan Lee")).to_contain_text(
        "Hasn't met the course's requirements yet"
    )
    with page.expect_download() as info:
        page.get_by_role("link", name=re.compile("zip of PDFs")).click()
    assert info.value.suggested_filename.endswith(".zip")
