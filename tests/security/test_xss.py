"""Stored XSS: script-carrying text in course files, names, pronouns, organisation names,
legal names and reflections comes out escaped on every page that shows it.

Course Markdown must not carry HTML at all (the loader refuses it with a clear message) and
links only to http(s) and mailto; plain-text course fields (titles, quiz text) are escaped.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from markupsafe import escape
from sqlalchemy import func, select

from lms.accounts.models import User
from lms.catalogue.loader import CourseFileErrors
from lms.catalogue.markdown import render_markdown
from lms.catalogue.models import Course
from lms.catalogue.services import import_course
from lms.cohorts.models import Enrolment
from lms.extensions import db
from tests.conftest import World
from tests.security.helpers import html_problems

PAYLOADS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    '<a href="javascript:alert(1)">x</a>',
    "<svg onload=alert(1)>",
    '"><script>',
]
SAMPLE = Path(__file__).parent.parent / "catalogue" / "data" / "sample-course"


def assert_only_escaped(body: str, payload: str, where: str, *, shown: bool = True) -> None:
    """``payload`` is on the page (when ``shown``) only in escaped form, and nothing on the
    page can run script."""
    lowered = body.lower()
    assert html_problems(body) == [], where
    # Inline SVG is only the reports' charts, which html_problems checks element by element.
    for raw in ("<script", "<svg on", "<img", '<a href="javascript', "href=javascript"):
        assert raw not in lowered, f"{where}: raw {raw!r}"
    if shown:
        assert str(escape(payload)) in body, f"{where}: the escaped text isn't there"


# -- course files -------------------------------------------------------------------------


def _course_folder(root: Path, slug: str, *, body: str = "Some words.", text: str = "A") -> Path:
    """A course folder with ``text`` in every plain-text field and ``body`` as step text."""
    folder = root / slug
    (folder / "modules").mkdir(parents=True)
    q = json.dumps
    (folder / "course.yaml").write_text(
        f"title: {q('Course ' + text)}\n"
        f"summary: {q('Summary ' + text)}\n"
        f"outcomes:\n  - {q('Outcome ' + text)}\n"
        "cpd_hours: 1\nparticipatory: false\npractice_level: informed\n"
        "delivery_mode: self-paced\ncertificate_template: completion\nenrolment: open\n"
        f"audience: {q('Audience ' + text)}\n"
        "completion:\n  rule: all\nmodules:\n  - 01-start.md\n",
        encoding="utf-8",
    )
    (folder / "modules" / "01-start.md").write_text(
        "---\nid: start\n"
        f"title: {q('Module ' + text)}\nsummary: {q('Module summary ' + text)}\n---\n"
        "The module's introduction.\n\n"
        f"```step\nid: read\ntype: text\ntitle: {q('Step ' + text)}\nminutes: 5\n```\n"
        f"{body}\n\n"
        f"```step\nid: think\ntype: reflection\ntitle: {q('Think ' + text)}\nminutes: 5\n```\n"
        "What did you notice?\n\n"
        f"```step\nid: check\ntype: quiz\ntitle: {q('Quiz ' + text)}\nminutes: 5\n"
        "pass_mark: 1\nquestions:\n"
        f"  - prompt: {q('Prompt ' + text)}\n"
        f"    choices: [{q('Right ' + text)}, {q('Wrong ' + text)}]\n"
        f"    answer: 1\n    explanation: {q('Because ' + text)}\n```\n"
        "Answer this.\n",
        encoding="utf-8",
    )
    return folder


def _courses() -> int:
    return db.session.scalar(select(func.count()).select_from(Course)) or 0


@pytest.mark.parametrize(
    "body",
    [
        *PAYLOADS,
        "Text before <script>alert(1)</script> and after.",
        "<div onclick=alert(1)>click</div>",
        "<iframe src=https://evil.example></iframe>",
    ],
)
def test_html_in_course_markdown_is_refused_with_a_clear_message(
    app: Flask, db: Any, tmp_path: Path, body: str
) -> None:
    before = _courses()
    with pytest.raises(CourseFileErrors) as error:
        import_course(_course_folder(tmp_path, "html-course", body=body))
    assert "HTML is not allowed in course text" in error.value.message
    assert "01-start.md" in error.value.message  # says where
    assert _courses() == before


@pytest.mark.parametrize(
    "link",
    [
        "[x](javascript:alert(1))",
        "[x](JaVaScRiPt:alert(1))",
        "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
        "[x](vbscript:msgbox(1))",
        "<javascript:alert(1)>",
    ],
)
def test_script_links_in_course_markdown_are_refused_and_would_be_inert(
    app: Flask, db: Any, tmp_path: Path, link: str
) -> None:
    before = _courses()
    with pytest.raises(CourseFileErrors) as error:
        import_course(_course_folder(tmp_path, "link-course", body=f"See {link} here."))
    assert "would be removed" in error.value.message or "HTML" in error.value.message
    assert _courses() == before
    rendered = render_markdown(f"See {link} here.")
    assert html_problems(rendered) == []
    assert "javascript:" not in rendered.lower() or "href" not in rendered.lower()


@pytest.mark.parametrize("payload", PAYLOADS)
def test_plain_course_text_is_escaped_on_every_page(
    app: Flask, world: World, browser: Any, tmp_path: Path, payload: str
) -> None:
    result = import_course(_course_folder(tmp_path, "xss-course", text=payload))
    assert result.ok
    learner = browser(world.learner)
    assert learner.post("/courses/xss-course/start").status_code == 303
    quiz = "/courses/xss-course/steps/check"
    # A wrong answer: the results show the prompt, the choice made and the explanation.
    assert learner.post(f"{quiz}/quiz", data={"q0": "2"}).status_code == 303
    pages = {
        "catalogue": "/courses",
        "dashboard": "/",
        "outline": "/courses/xss-course",
        "module": "/courses/xss-course/modules/start",
        "text step": "/courses/xss-course/steps/read",
        "reflection step": "/courses/xss-course/steps/think",
        "quiz step": quiz,
    }
    for name, url in pages.items():
        response = learner.get(url)
        assert response.status_code == 200, (name, response.status_code)
        assert_only_escaped(response.get_data(as_text=True), payload, f"{name} {url}")
    admin = browser(world.admin)
    for url in ("/courses/xss-course", "/courses/xss-course/steps/check", "/admin/audit"):
        body = admin.get(url).get_data(as_text=True)
        assert_only_escaped(body, payload, f"admin {url}", shown=url != "/admin/audit")


# -- people, organisations, reflections ---------------------------------------------------


@pytest.mark.parametrize("payload", PAYLOADS)
def test_names_pronouns_organisations_and_reflections_are_escaped_on_every_page(
    app: Flask, world: World, browser: Any, payload: str
) -> None:
    learner, admin = browser(world.learner), browser(world.admin)
    saved = learner.post(
        "/account",
        data={"display_name": f"Lena {payload}", "pronouns": payload, "legal_name": payload},
    )
    assert saved.status_code == 303, saved.get_data(as_text=True)
    renamed = admin.post(
        f"/admin/organisations/{world.org.id}/edit",
        data={"name": f"Northfield {payload}", "type": "nhs_trust", "region": "London"},
    )
    assert renamed.status_code == 303, renamed.get_data(as_text=True)
    step = f"/courses/{world.course.slug}/steps/{world.reflection_step.key}"
    shared = learner.post(
        f"{step}/reflection", data={"body": f"I noticed {payload}", "share": "yes"}
    )
    assert shared.status_code == 303
    created = admin.post(
        "/admin/people/new",
        data={
            "display_name": f"New {payload}",
            "email": "new.person@example.org",
            "organisation": str(world.org.id),
            "role": "member",
            "service_number": payload,
        },
    )
    assert created.status_code == 303, created.get_data(as_text=True)

    from tests.route_tables.certificates import learners_certificate

    certificate = learners_certificate(world)  # printing the name given above
    assert payload in certificate.issued_name
    pages = [
        (learner, "/"),
        (learner, "/account"),
        (learner, "/certificates"),
        (learner, "/certificates/name"),
        (learner, f"/certificates/{certificate.id}"),
        (browser(world.manager), "/certificates/people"),
        (admin, f"/certificates/{certificate.id}"),
        (browser(None), f"/verify/{certificate.code}"),
        (learner, "/reflections"),
        (learner, step),
        (learner, f"/courses/{world.course.slug}"),
        (browser(world.facilitator), f"/facilitate/cohorts/{world.cohort.id}"),
        (browser(world.manager), f"/organisations/{world.org.id}"),
        (browser(world.manager), f"/organisations/{world.org.id}/people/{world.learner.id}"),
        (browser(world.manager), "/organisations"),
        (browser(world.manager), f"/organisations/{world.org.id}/dashboard"),
        (browser(world.manager), f"/organisations/{world.org.id}/enrolments"),
        (browser(world.manager), f"/organisations/{world.org.id}/attendance"),
        (browser(world.manager), "/reports"),
        (browser(world.facilitator), f"/facilitate/cohorts/{world.cohort.id}/report"),
        (admin, "/admin/people"),
        (admin, "/admin/people?q=Lena"),
        (admin, f"/admin/people/{world.learner.id}"),
        (admin, "/admin/organisations"),
        (admin, f"/admin/organisations/{world.org.id}/edit"),
        (admin, "/admin/audit"),
        (admin, "/admin/people/new"),
    ]
    for client, url in pages:
        response = client.get(url, follow_redirects=True)
        assert response.status_code == 200, (url, response.status_code)
        quiet = url == "/admin/people/new" or url.endswith(("/dashboard", "/attendance", "/report"))
        assert_only_escaped(response.get_data(as_text=True), payload, url, shown=not quiet)
    # Downloads are files, not pages: sent as attachments that browsers never render.
    export = browser(world.manager).get(f"/organisations/{world.org.id}/export/people.csv")
    assert export.mimetype == "text/csv"
    assert export.headers["Content-Disposition"].startswith("attachment;")
    assert export.headers["X-Content-Type-Options"] == "nosniff"
    rows = csv.DictReader(io.StringIO(export.get_data().decode("utf-8-sig"), newline=""))
    assert f"Lena {payload}" in {row["Name"] for row in rows}


@pytest.mark.parametrize("payload", PAYLOADS)
def test_search_and_filter_text_is_escaped(
    app: Flask, world: World, browser: Any, payload: str
) -> None:
    admin = browser(world.admin)
    for url in ("/admin/people", "/admin/audit"):
        key = "q" if url.endswith("people") else "action"
        response = admin.get(url, query_string={key: payload})
        assert response.status_code == 200
        assert_only_escaped(response.get_data(as_text=True), payload, url, shown=False)
    # A sign-in "next" that carries markup is dropped or escaped, never echoed raw.
    page = browser(None).get("/sign-in", query_string={"next": payload})
    assert_only_escaped(page.get_data(as_text=True), payload, "/sign-in?next=", shown=False)


def test_the_sample_course_still_imports(app: Flask, db: Any, tmp_path: Path) -> None:
    """The folder builder above makes valid courses: the refusals are about the payloads."""
    shutil.copytree(SAMPLE, tmp_path / "sample-course")
    assert import_course(tmp_path / "sample-course").ok
    assert import_course(_course_folder(tmp_path, "plain-course")).ok


# -- cohorts, bulk enrolment and live sessions ----------------------------------------------


def _cohort_and_session_world(world: World, factories: Any, payload: str) -> dict[str, Any]:
    """Every field the cohort and live-session pages show, carrying ``payload``: saved
    through the services where they accept it, else stored as it might have come in."""
    from datetime import UTC, datetime, timedelta

    from lms.cohorts import services as cohorts
    from lms.live import services as live

    world.learner.display_name = f"Lena {payload}"
    world.learner.pronouns = payload
    world.facilitator.display_name = f"Fay {payload}"
    world.org.name = f"Northfield {payload}"
    world.cohort.name = f"World cohort {payload}"
    db.session.commit()
    leaver = factories.user(f"Leo {payload}", organisation=world.org)
    factories.enrol(leaver, world.cohort)
    cohorts.withdraw(world.facilitator, cohorts.enrolment_on(leaver, world.cohort), payload)
    waiting = factories.user(f"Wai {payload}", username="wai.ting", password=None)
    factories.enrol(waiting, world.cohort)
    open_cohort = factories.cohort(world.course, name=f"Open {payload}", enrolment_mode="open")
    booked_cohort = factories.cohort(
        world.course, name=f"Booked {payload}", enrolment_mode="manager", capacity=9
    )

    start = datetime.now(UTC) + timedelta(days=7)
    session = live.schedule_session(
        world.facilitator,
        cohort=world.cohort,
        title=f"Session {payload}",
        description=f"About {payload}",
        starts_at=start,
        ends_at=start + timedelta(hours=1),
        timezone="Europe/London",
        online_url="https://teams.microsoft.com/l/meetup-join/x",
        venue=f"Room {payload}",
        access_notes=f"Bring {payload}",
        capacity=10,
    )
    # A link as a host might paste it, quotes and all: it must stay inside its attribute.
    session.online_url = f'https://teams.example/x?"{payload}'
    db.session.commit()
    live.book(world.learner, session)
    live.add_to_register(world.facilitator, session, name=f"Officer {payload}")
    cancelled = live.schedule_session(
        world.facilitator,
        cohort=world.cohort,
        title=f"Cancelled {payload}",
        starts_at=start + timedelta(days=1),
        ends_at=start + timedelta(days=1, hours=1),
        timezone="Europe/London",
        venue="Room 4",
    )
    live.book(world.learner, cancelled)
    live.cancel_session(world.facilitator, cancelled, f"Staffing {payload}")
    return {
        "session": session,
        "cancelled": cancelled,
        "open_cohort": open_cohort,
        "booked_cohort": booked_cohort,
    }


@pytest.mark.parametrize("payload", PAYLOADS)
def test_cohort_and_session_fields_are_escaped_on_every_page(
    app: Flask, world: World, factories: Any, browser: Any, payload: str
) -> None:
    made = _cohort_and_session_world(world, factories, payload)
    session, cohort = made["session"], world.cohort
    learner, facilitator = browser(world.learner), browser(world.facilitator)
    manager, admin = browser(world.manager), browser(world.admin)

    # A file of people whose names, organisation and file name carry the payload.
    lines = io.StringIO()
    csv.writer(lines).writerows(
        [
            ["name", "email", "username", "organisation"],
            [f"Nia {payload}", "nia@example.org", "", world.org.name],
            [f"Lost {payload}", "lost@example.org", "", f"Nowhere {payload}"],
            [f"Bad {payload}", "", f"user {payload}", world.org.name],
        ]
    )
    people = lines.getvalue().encode()
    uploaded = facilitator.post(
        f"/facilitate/cohorts/{cohort.id}/bulk",
        data={"file": (io.BytesIO(people), f"people {payload}.csv")},
        content_type="multipart/form-data",
    )
    assert uploaded.status_code == 303, uploaded.get_data(as_text=True)
    preview = uploaded.headers["Location"]

    enrolment = factories.enrol(factories.user(f"Eve {payload}"), factories.cohort(world.course))
    pages = [
        (facilitator, "/facilitate"),
        (facilitator, f"/facilitate/cohorts/{cohort.id}"),
        (facilitator, f"/facilitate/cohorts/{cohort.id}/edit"),
        (facilitator, f"/facilitate/cohorts/{cohort.id}/enrol"),
        (facilitator, f"/facilitate/cohorts/{cohort.id}/codes"),
        (facilitator, f"/facilitate/cohorts/{cohort.id}/bulk"),
        (facilitator, preview),
        (facilitator, f"/cohorts/{cohort.id}/sessions"),
        (facilitator, f"/cohorts/{cohort.id}/sessions/new"),
        (facilitator, f"/sessions/{session.id}"),
        (facilitator, f"/sessions/{session.id}/edit"),
        (facilitator, f"/sessions/{session.id}/reschedule"),
        (facilitator, f"/sessions/{session.id}/cancel"),
        (facilitator, f"/sessions/{session.id}/register"),
        (facilitator, f"/sessions/{made['cancelled'].id}"),
        (learner, "/"),
        (learner, "/calendar"),
        (learner, f"/cohorts/{cohort.id}/sessions"),
        (learner, f"/sessions/{session.id}"),
        (learner, f"/sessions/{made['cancelled'].id}"),
        (learner, f"/cohorts/{made['open_cohort'].id}"),
        (manager, f"/organisations/{world.org.id}/book"),
        (manager, f"/organisations/{world.org.id}/book/{made['booked_cohort'].id}"),
        # The cohort filter's choices, and the learner's record with their cohort.
        (manager, f"/organisations/{world.org.id}"),
        (manager, f"/organisations/{world.org.id}/people/{world.learner.id}"),
        (admin, f"/facilitate/cohorts/{enrolment.cohort_id}/enrolments/{enrolment.id}"),
    ]
    leaver_enrolment = db.session.scalar(
        select(Enrolment).where(Enrolment.cohort_id == cohort.id, Enrolment.status == "withdrawn")
    )
    pages.append((facilitator, f"/facilitate/cohorts/{cohort.id}/enrolments/{leaver_enrolment.id}"))
    for client, url in pages:
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        assert_only_escaped(response.get_data(as_text=True), payload, url)

    # The code sheet, shown once after the confirm, and a reprint of codes.
    sheet = facilitator.post(f"{preview}/confirm")
    assert sheet.status_code == 200
    assert_only_escaped(sheet.get_data(as_text=True), payload, "code sheet")
    waiting = db.session.scalar(select(User.id).where(User.username == "wai.ting"))
    reprint = facilitator.post(f"/facilitate/cohorts/{cohort.id}/codes", data={"people": [waiting]})
    assert reprint.status_code == 200
    assert_only_escaped(reprint.get_data(as_text=True), payload, "reprinted codes")
    # The applied file's page, and the audit log that recorded it all.
    assert_only_escaped(facilitator.get(preview).get_data(as_text=True), payload, "applied")
    audit = admin.get("/admin/audit").get_data(as_text=True)
    assert_only_escaped(audit, payload, "/admin/audit", shown=False)
