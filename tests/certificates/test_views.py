"""The certificate pages: a learner's own list, choosing the name, downloads (cached),
verification by code (and nothing more), reissue and revoke, and who reaches what."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from lms.audit.models import AuditEvent
from lms.certificates import services as certificates
from lms.certificates.models import Certificate
from lms.certificates.rendering import pdf as rendering
from lms.extensions import db, limiter
from lms.progress import services as progress
from lms.testing.fixtures import count_queries
from tests.certificates.conftest import certificate_of, complete, count_certificates


def text(response) -> str:
    return response.get_data(as_text=True)


def test_a_learner_is_asked_kindly_for_the_name_then_gets_the_certificate(cw, client, sign_in):
    complete(cw.learner, cw.course)
    sign_in(cw.learner)
    page = text(client.get("/certificates"))
    assert "A certificate is waiting for you" in page
    assert "Choose the name on your certificate" in page
    form = text(client.get("/certificates/name"))
    assert "It is up to you" in form and "Lena Learner" in form
    assert "add it on your account page first" in form  # no legal name yet
    response = client.post("/certificates/name", data={"source": "display"})
    assert response.status_code == 303
    certificate = certificate_of(cw.learner)
    page = text(client.get("/certificates"))
    assert certificate.number in page and "Download PDF" in page
    assert "Your certificate is ready" in page


def test_a_bad_name_choice_is_shown_on_the_form_and_changes_nothing(cw, client, sign_in):
    complete(cw.learner, cw.course)
    sign_in(cw.learner)
    response = client.post("/certificates/name", data={"source": "legal"})
    assert response.status_code == 200
    assert "Please choose one of the names shown." in text(response)
    assert count_certificates() == 0


def test_the_navigation_shows_certificates_once_a_course_is_completed(cw, client, sign_in):
    sign_in(cw.learner)
    assert 'href="/certificates"' not in text(client.get("/"))
    complete(cw.learner, cw.course)
    assert 'href="/certificates"' in text(client.get("/"))  # one is waiting for the name
    sign_in(cw.manager)
    assert 'href="/certificates/people"' in text(client.get("/"))


def test_download_is_a_pdf_and_the_second_one_is_not_rendered_again(
    cw, issued, client, sign_in, monkeypatch
):
    calls = []
    real = rendering.render_pdf
    monkeypatch.setattr(rendering, "render_pdf", lambda *a: calls.append(a) or real(*a))
    sign_in(cw.learner)
    first = client.get(f"/certificates/{issued.id}/pdf")
    assert first.status_code == 200 and first.mimetype == "application/pdf"
    assert first.data.startswith(b"%PDF")
    assert "attachment" in first.headers["Content-Disposition"]
    assert first.headers["Cache-Control"] == "private, no-store"
    with count_queries() as queries:
        second = client.get(f"/certificates/{issued.id}/pdf")
    assert second.data == first.data
    assert len(calls) == 1
    assert len(queries) <= 4, queries  # the person, the certificate, the permission


def test_people_who_may_see_a_certificate(cw, issued, client, sign_in, factories):
    outsider_facilitator = factories.user("Gus Elsewhere")
    for role, user, status in [
        ("learner", cw.learner, 200),
        ("manager", cw.manager, 200),
        ("admin", cw.admin, 200),
        ("other learner", cw.other_learner, 403),
        ("facilitator", cw.facilitator, 403),
        ("other manager", cw.other_manager, 403),
        ("outsider", outsider_facilitator, 403),
    ]:
        sign_in(user)
        for url in (f"/certificates/{issued.id}", f"/certificates/{issued.id}/pdf"):
            response = client.get(url)
            assert response.status_code == status, (role, url, response.status_code)
            if status == 403:
                assert "Lena Learner" not in text(response), (role, url)
                assert issued.code not in text(response)


def test_a_guessed_certificate_id_shows_nothing(cw, issued, client, sign_in):
    sign_in(cw.other_learner)
    for certificate_id in (issued.id, issued.id + 1, 0, 99999):
        for suffix in ("", "/pdf"):
            response = client.get(f"/certificates/{certificate_id}{suffix}")
            assert response.status_code in (403, 404)
            assert "Lena Learner" not in text(response)


def test_managers_see_their_peoples_certificates_and_nobody_elses(cw, issued, client, sign_in):
    sign_in(cw.manager)
    assert "Lena Learner" in text(client.get("/certificates/people"))
    sign_in(cw.other_manager)
    page = text(client.get("/certificates/people"))
    assert "Lena Learner" not in page and "No certificates have been issued yet." in page


def test_the_people_list_takes_the_same_queries_whatever_the_rows(cw, client, sign_in, factories):
    def issue_one() -> None:
        person = factories.user(organisation=cw.org)
        factories.enrol(person, cw.cohort)
        certificates.confirm_name(person, "display")
        complete(person, cw.course)

    issue_one()
    sign_in(cw.manager)
    db.session.expire_all()
    with count_queries() as few:
        assert client.get("/certificates/people").status_code == 200
    for _ in range(4):
        issue_one()
    db.session.expire_all()
    with count_queries() as many:
        page = client.get("/certificates/people")
    assert page.status_code == 200 and text(page).count("<tr>") == 6
    assert len(many) == len(few)


# -- verification --------------------------------------------------------------------------


def test_a_valid_code_shows_only_name_course_date_issuer_and_status(cw, issued, client):
    response = client.get(f"/verify/{issued.code}")
    assert response.status_code == 200
    page = text(response)
    assert "This certificate is genuine and valid." in page
    for shown in ("Lena Learner", "Trauma-informed practice: foundations", "Learning"):
        assert shown in page
    assert issued.issued_at.strftime("%-d %B %Y") in page
    for private in (cw.learner.email, "Northfield Cert Trust", issued.number, "Fay Facilitator"):
        assert private not in page
    assert f"/certificates/{issued.id}" not in page


def test_the_form_takes_a_code_typed_any_way(cw, issued, client):
    typed = issued.display_code.lower()
    response = client.get("/verify", query_string={"code": f"  {typed} "})
    assert response.status_code == 303
    assert client.get(response.headers["Location"]).status_code == 200


@pytest.mark.parametrize(
    "guess",
    ["AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "1", "x" * 300, "%3Cscript%3E", "' OR 1=1 --", "ÄÖÜ"],
)
def test_an_unknown_code_gets_one_neutral_answer(cw, issued, client, guess):
    response = client.get(f"/verify/{guess}")
    assert response.status_code == 404
    page = text(response)
    assert "We couldn't find a certificate with that code." in page
    assert "Lena Learner" not in page
    reference = text(client.get("/verify/BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB"))
    assert page == reference  # the same page whatever was guessed


def test_revoked_and_replaced_codes_say_so(cw, issued, client):
    new = certificates.reissue(cw.admin, issued, source="display", reason="Name corrected")
    page = text(client.get(f"/verify/{issued.code}"))
    assert "replaced by a reissue" in page
    assert new.code not in page and new.number not in page
    assert "genuine and valid" in text(client.get(f"/verify/{new.code}"))
    certificates.revoke(cw.admin, new, reason="Issued by mistake")
    page = text(client.get(f"/verify/{new.code}"))
    assert "was revoked on" in page and "Issued by mistake" not in page


def test_checking_codes_is_rate_limited_with_a_human_page(app, cw, client):
    app.config["VERIFY_LIMIT_PER_IP"] = "3 per minute"
    limiter.reset()
    try:
        statuses = [client.get("/verify/AAAA").status_code for _ in range(3)]
        statuses.append(client.get("/verify", query_string={"code": "BBBB"}).status_code)
    finally:
        app.config["VERIFY_LIMIT_PER_IP"] = "30 per minute;300 per day"
        limiter.reset()
    assert statuses[:3] == [404, 404, 404]
    assert statuses[3] == 429


def test_the_429_page_is_kind(app, cw, client):
    app.config["VERIFY_LIMIT_PER_IP"] = "1 per minute"
    limiter.reset()
    try:
        client.get("/verify/AAAA")
        response = client.get("/verify/AAAA")
    finally:
        app.config["VERIFY_LIMIT_PER_IP"] = "30 per minute;300 per day"
        limiter.reset()
    assert response.status_code == 429
    assert "Please wait a few minutes" in text(response)


# -- reissue and revoke ------------------------------------------------------------------------


def test_an_admin_reissues_after_a_name_change_keeping_the_history(cw, issued, client, sign_in):
    cw.learner.legal_name = "Magdalena Learner"
    db.session.flush()
    sign_in(cw.admin)
    page = text(client.get(f"/certificates/{issued.id}"))
    assert "Reissue this certificate" in page and "Revoke this certificate" in page
    response = client.post(
        f"/certificates/{issued.id}/reissue",
        data={"source": "legal", "reason": "She changed her name"},
    )
    assert response.status_code == 303
    db.session.expire_all()
    old = db.session.get(Certificate, issued.id)
    assert old.status == "superseded" and old.replaced_by is not None
    new = old.replaced_by
    assert new.issued_name == "Magdalena Learner" and new.issue_number == 2
    assert new.code != old.code and new.number != old.number
    assert new.details == old.details
    audit = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "certificate.reissue"))
    assert audit is not None and audit.actor_id == cw.admin.id
    # The learner sees both; only the new one downloads.
    sign_in(cw.learner)
    assert client.get(f"/certificates/{old.id}/pdf").status_code == 403
    assert client.get(f"/certificates/{new.id}/pdf").status_code == 200


def test_reissue_and_revoke_need_a_reason(cw, issued, client, sign_in):
    sign_in(cw.admin)
    response = client.post(f"/certificates/{issued.id}/revoke", data={"reason": "  "})
    assert response.status_code == 400
    assert "Please say why the certificate is being revoked" in text(response)
    response = client.post(f"/certificates/{issued.id}/reissue", data={"source": "display"})
    assert response.status_code == 400
    db.session.expire_all()
    assert db.session.get(Certificate, issued.id).status == "valid"
    assert count_certificates() == 1


def test_an_admin_revokes_and_the_learner_can_no_longer_download(cw, issued, client, sign_in):
    sign_in(cw.admin)
    response = client.post(f"/certificates/{issued.id}/revoke", data={"reason": "Issued in error"})
    assert response.status_code == 303
    db.session.expire_all()
    revoked = db.session.get(Certificate, issued.id)
    assert revoked.status == "revoked" and revoked.status_changed_by_id == cw.admin.id
    assert client.get(f"/certificates/{issued.id}/pdf").status_code == 200  # admins still can
    sign_in(cw.learner)
    assert client.get(f"/certificates/{issued.id}/pdf").status_code == 403
    assert "was revoked" in text(client.get(f"/certificates/{issued.id}"))
    # A revoked certificate is neither reissued nor revoked again.
    sign_in(cw.admin)
    again = client.post(f"/certificates/{issued.id}/revoke", data={"reason": "Twice"})
    assert again.status_code == 303
    assert again.headers["Location"] == f"/certificates/{issued.id}"
    assert "Only a valid certificate can be revoked" in text(client.get(again.headers["Location"]))
    assert count_certificates() == 1


@pytest.mark.parametrize("role", ["learner", "manager", "facilitator", "other_learner"])
def test_only_admins_reissue_or_revoke(cw, issued, client, sign_in, role):
    sign_in(cw.user(role))
    for action, data in (
        ("reissue", {"source": "display", "reason": "x"}),
        ("revoke", {"reason": "x"}),
    ):
        assert client.post(f"/certificates/{issued.id}/{action}", data=data).status_code == 403
    db.session.expire_all()
    assert db.session.get(Certificate, issued.id).status == "valid"
    assert count_certificates() == 1


def test_pages_escape_a_name_with_markup(cw, client, sign_in):
    from tests.security.helpers import html_problems

    payload = "<script>alert(1)</script><img src=x onerror=alert(1)>"
    cw.learner.display_name = f"Lena {payload}"
    db.session.flush()
    complete(cw.learner, cw.course)
    certificates.confirm_name(cw.learner, "display")
    certificate = certificate_of(cw.learner)
    sign_in(cw.admin)
    for url in (
        f"/certificates/{certificate.id}",
        "/certificates/people",
        f"/verify/{certificate.code}",
    ):
        page = text(client.get(url))
        assert html_problems(page) == [], url
        assert "<script>" not in page and "&lt;script&gt;" in page, url


def test_fuzzed_codes_are_never_an_error(app, cw, issued, client):
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    reference = text(client.get("/verify/BBBB"))

    @settings(
        max_examples=60,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture],
    )
    @given(
        st.text(st.characters(exclude_categories=["Cs"], exclude_characters="\x00"), max_size=80)
    )
    def check(guess: str) -> None:
        limiter.reset()
        by_form = client.get("/verify", query_string={"code": guess})
        assert by_form.status_code in (200, 303)
        if by_form.status_code == 303:
            found = client.get(by_form.headers["Location"])
            assert found.status_code == 404 and text(found) == reference

    check()


def test_the_certificates_page_asks_the_same_few_queries_however_many_courses(
    cw, client, sign_in, factories
):
    from lms.certificates.services.eligibility import enrolments_of, has_certificate, is_eligible
    from tests.certificates.conftest import past_session, take_register

    def by_register(slug: str, title: str) -> Any:
        course = factories.course(slug, title=title, certificate_template="attendance")
        cohort = factories.cohort(course, facilitators=[cw.facilitator])
        factories.enrol(cw.learner, cohort)
        return cohort

    # One course completed, one whose certificate comes from the register (none yet).
    complete(cw.learner, cw.course)
    by_register("registered-0", "Registered course 0")
    sign_in(cw.learner)
    with count_queries() as first:
        page = text(client.get("/certificates"))
    assert "A certificate is waiting for you" in page

    # Three more courses completed, one left half done, a withdrawal, and two more courses
    # that go by the register: one attended once and then missed (not earned yet), one
    # attended every time.
    for n in range(3):
        done = factories.course(f"done-{n}", title=f"Done course {n}", modules=[[{"type": "text"}]])
        factories.enrol(cw.learner, factories.cohort(done))
        complete(cw.learner, done)
    half = factories.course("half", modules=[[{"type": "text"}, {"type": "text"}]])
    factories.enrol(cw.learner, factories.cohort(half))
    progress.mark_done(cw.learner, half.modules[0].steps[0])
    left = factories.course("left", modules=[[{"type": "text"}]])
    factories.enrol(cw.learner, factories.cohort(left), status="withdrawn")
    missed = by_register("registered-1", "Registered course 1")
    take_register(past_session(missed, 10), {cw.learner: ("present", None)})
    take_register(past_session(missed, 3), {cw.learner: ("absent", None)})
    came = by_register("registered-2", "Registered course 2")
    take_register(past_session(came, 5), {cw.learner: ("present", None)})

    with count_queries() as second:
        page = text(client.get("/certificates"))
    assert len(second) == len(first), second
    assert "5 certificates are waiting for you" in page
    for title in ("Done course 0", "Done course 2", cw.course.title, "Registered course 2"):
        assert f"<li>{title}</li>" in page
    assert "Registered course 1" not in page and "Registered course 0" not in page
    # The same decision as one enrolment at a time.
    expected = [e for e in enrolments_of(cw.learner) if not has_certificate(e) and is_eligible(e)]
    assert [e.id for e in certificates.waiting(cw.learner)] == [e.id for e in expected]

    # A third session attended: two of three is not every session, so still not earned...
    take_register(past_session(missed, 1), {cw.learner: ("present", None)})
    assert "Registered course 1" not in text(client.get("/certificates"))
    # ...until the course asks for two thirds.
    missed.course.completion_rule = {"rule": "attendance", "percent": 60}
    db.session.flush()
    assert "<li>Registered course 1</li>" in text(client.get("/certificates"))
