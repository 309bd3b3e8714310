"""Issuing: only the server, only once earned, only after the learner confirms the name."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from lms.audit.models import AuditEvent
from lms.certificates import services as certificates
from lms.certificates.models import Certificate, CertificateName
from lms.errors import InvalidInput
from lms.extensions import db
from tests.certificates.conftest import (
    OUTCOMES,
    certificate_of,
    complete,
    count_certificates,
    past_session,
    take_register,
)


def test_completing_makes_a_learner_eligible_but_nothing_is_issued_before_the_name(cw):
    assert certificates.waiting(cw.learner) == []
    complete(cw.learner, cw.course)
    assert [e.cohort_id for e in certificates.waiting(cw.learner)] == [cw.cohort.id]
    assert count_certificates() == 0


def test_confirming_the_name_issues_what_was_earned(cw):
    complete(cw.learner, cw.course)
    issued = certificates.confirm_name(cw.learner, "display")
    assert len(issued) == 1
    certificate = certificate_of(cw.learner)
    assert certificate.issued_name == "Lena Learner"
    assert certificate.kind == "completion" and certificate.template_key == "completion"
    assert certificate.template_version == 1
    assert certificate.enrolment.cohort_id == cw.cohort.id
    assert certificate.course_id == cw.course.id and certificate.content_version == 1
    assert re.fullmatch(r"\d{4}-\d{6}", certificate.number)
    assert certificate.details["outcomes"] == OUTCOMES
    assert certificate.details["learning_minutes"] == 90
    assert certificate.details["cpd_hours"] == 3.0
    assert certificate.details["facilitators"] == ["Fay Facilitator"]
    assert certificate.details["organisation"] == "Northfield Cert Trust"
    assert certificates.waiting(cw.learner) == []
    actions = db.session.scalars(select(AuditEvent.action)).all()
    assert "certificate.issue" in actions and "certificate_name.confirm" in actions


def test_with_a_confirmed_name_completion_issues_at_once(cw):
    certificates.confirm_name(cw.learner, "display")
    assert count_certificates() == 0
    complete(cw.learner, cw.course)  # the course_completed event issues it
    assert certificate_of(cw.learner).issued_name == "Lena Learner"


def test_the_code_is_long_random_and_unrelated_to_ids(cw, issued):
    code = issued.code
    assert re.fullmatch(r"[A-Z2-7]{32}", code)  # 160 bits
    assert str(issued.id) not in code
    codes = {certificates.new_code() for _ in range(2000)}
    assert len(codes) == 2000


def test_codes_are_found_however_they_are_typed(cw, issued):
    from lms.certificates.queries import by_code

    typed = issued.display_code.lower().replace("-", " ")
    assert by_code(typed) == issued
    assert by_code(issued.code[:-1]) is None
    assert by_code("") is None
    assert by_code("x" * 500) is None


def test_issuing_twice_leaves_one_certificate(cw, issued):
    enrolment = issued.enrolment
    assert certificates.issue_due(cw.learner) == []
    db.session.commit()
    from lms.db import begin_write

    begin_write()
    assert certificates.issue_for(enrolment) is None
    db.session.commit()
    assert count_certificates() == 1


def test_numbers_are_sequential_within_the_year(cw, factories):
    certificates.confirm_name(cw.learner, "display")
    certificates.confirm_name(cw.other_learner, "display")
    complete(cw.learner, cw.course)
    complete(cw.other_learner, cw.course)
    first, second = certificate_of(cw.learner), certificate_of(cw.other_learner)
    year, n1 = first.number.split("-")
    assert second.number == f"{year}-{int(n1) + 1:06d}"


def test_the_legal_name_can_be_chosen(cw):
    cw.learner.legal_name = "Magdalena Learner-Smith"
    db.session.flush()
    complete(cw.learner, cw.course)
    certificates.confirm_name(cw.learner, "legal")
    assert certificate_of(cw.learner).issued_name == "Magdalena Learner-Smith"
    chosen = db.session.scalar(
        select(CertificateName).where(CertificateName.user_id == cw.learner.id)
    )
    assert chosen is not None and chosen.source == "legal"


@pytest.mark.parametrize("source", ["legal", "", "nobody", "display\x01"])
def test_a_name_that_is_not_on_offer_is_refused(cw, source):
    complete(cw.learner, cw.course)
    with pytest.raises(InvalidInput) as error:
        certificates.confirm_name(cw.learner, source)
    assert "choose" in error.value.message
    assert count_certificates() == 0
    assert certificates.confirmed_name(cw.learner) is None


def test_a_name_no_font_can_print_is_refused_with_a_clear_message(cw):
    cw.learner.display_name = "राम Learner"
    db.session.flush()
    complete(cw.learner, cw.course)
    with pytest.raises(InvalidInput) as error:
        certificates.confirm_name(cw.learner, "display")
    assert "can't print these characters" in error.value.message
    assert "र" in error.value.message
    assert count_certificates() == 0


def test_withdrawn_people_get_no_certificate(cw):
    certificates.confirm_name(cw.learner, "display")
    enrolment = db.session.scalar(select(Certificate).where(Certificate.user_id == cw.learner.id))
    assert enrolment is None
    from lms.cohorts.models import Enrolment

    row = db.session.scalar(select(Enrolment).where(Enrolment.user_id == cw.learner.id))
    row.status = "withdrawn"
    db.session.flush()
    complete(cw.learner, cw.course)
    assert count_certificates() == 0


def test_check_everyone_issues_what_an_event_missed(app, cw, monkeypatch):
    certificates.confirm_name(cw.learner, "display")
    host = app.extensions["lms_plugins"]
    with monkeypatch.context() as patched:
        # As if the worker stopped right after the commit: no event handled.
        patched.setattr(host, "fire", lambda name, **kw: None)
        complete(cw.learner, cw.course)
        complete(cw.other_learner, cw.course)
    assert count_certificates() == 0
    result = certificates.check_everyone()
    assert (result.issued, result.waiting_for_name) == (1, 1)
    assert certificate_of(cw.learner)
    assert certificates.check_everyone().issued == 0


def test_the_cli_checks_everyone_with_a_progress_bar(app, cw):
    complete(cw.learner, cw.course)
    result = app.test_cli_runner().invoke(args=["lms", "certificates", "check"])
    assert result.exit_code == 0, result.output
    assert "1 waiting for the learner to confirm their name" in result.output


# -- certificates of attendance ------------------------------------------------------------


@pytest.fixture
def attendance_course(cw, factories):
    course = factories.course(
        "cert-teams",
        title="Trauma-informed teams",
        enrolment="cohort",
        certificate_template="attendance",
        cpd_hours=6,
        modules=[[{"type": "text"}]],
    )
    cohort = factories.cohort(course, facilitators=[cw.facilitator], name="Winter cohort")
    factories.enrol(cw.learner, cohort)
    factories.enrol(cw.other_learner, cohort)
    return cohort


def test_attendance_certificates_come_from_the_register(cw, attendance_course):
    cohort = attendance_course
    certificates.confirm_name(cw.learner, "display")
    certificates.confirm_name(cw.other_learner, "display")
    first, second = past_session(cohort, 10), past_session(cohort, 3, minutes=120)
    take_register(first, {cw.learner: ("present", None), cw.other_learner: ("present", None)})
    assert count_certificates() == 0  # one of two sessions so far
    take_register(second, {cw.learner: ("partial", 75), cw.other_learner: ("absent", None)})
    certificate = certificate_of(cw.learner)
    assert certificate.kind == "attendance"
    assert certificate.details["learning_minutes"] == 90 + 75
    assert certificate.details["cpd_hours"] == 2.75
    assert certificate.details["finished_on"] == second.starts_at.date().isoformat()
    assert count_certificates() == 1  # the other learner missed a session


def test_an_attendance_rule_sets_the_share_of_sessions(cw, attendance_course):
    cohort = attendance_course
    cohort.course.completion_rule = {"rule": "attendance", "percent": 50}
    db.session.flush()
    certificates.confirm_name(cw.other_learner, "display")
    first, second = past_session(cohort, 10), past_session(cohort, 3)
    take_register(first, {cw.other_learner: ("present", None)})
    take_register(second, {cw.other_learner: ("absent", None)})
    assert certificate_of(cw.other_learner).kind == "attendance"
