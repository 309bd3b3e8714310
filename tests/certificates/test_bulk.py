"""Bulk issues: a whole cohort or a session's attendees, a progress page, a zip of PDFs,
and a crash half-way that a second run finishes with no duplicates."""

from __future__ import annotations

import io
import zipfile

import pytest
from sqlalchemy import func, select

from lms.certificates import services as certificates
from lms.certificates.models import CertificateBatch, CertificateBatchItem
from lms.certificates.services import bulk
from lms.extensions import db
from tests.certificates.conftest import (
    certificate_of,
    complete,
    count_certificates,
    past_session,
    take_register,
)


def states(batch) -> dict[str, int]:
    return dict(
        db.session.execute(
            select(CertificateBatchItem.state, func.count())
            .where(CertificateBatchItem.batch_id == batch.id)
            .group_by(CertificateBatchItem.state)
        ).all()
    )


@pytest.fixture
def cohort_of_five(cw, factories):
    """Five more people: three completed with a name, one completed without, one not done."""
    people = [factories.user(f"Person {n}", organisation=cw.org) for n in range(5)]
    for person in people:
        factories.enrol(person, cw.cohort)
    return people


def _prepare(app, cw, people, monkeypatch) -> None:
    """Completions recorded with the events lost, so only the bulk issue can issue."""
    host = app.extensions["lms_plugins"]
    with monkeypatch.context() as patched:
        patched.setattr(host, "fire", lambda name, **kw: None)
        for person in people[:3]:
            certificates.confirm_name(person, "display")
        for person in people[:4]:
            complete(person, cw.course)


def test_a_cohort_bulk_issue(app, cw, cohort_of_five, monkeypatch):
    people = cohort_of_five
    _prepare(app, cw, people, monkeypatch)
    assert count_certificates() == 0
    batch = certificates.start_for_cohort(cw.facilitator, cw.cohort)
    assert states(batch) == {"pending": 7}  # the world's two learners and the five
    assert certificates.run_batch(batch) == 7
    assert states(batch) == {"issued": 3, "waiting_name": 1, "not_eligible": 3}
    assert count_certificates() == 3
    assert db.session.get(CertificateBatch, batch.id).finished_at is not None
    # The one waiting gets theirs when they choose their name.
    certificates.confirm_name(people[3], "display")
    assert certificate_of(people[3])
    assert count_certificates() == 4


def test_a_crash_half_way_then_a_second_run_finishes_with_no_duplicates(
    app, cw, cohort_of_five, monkeypatch
):
    people = cohort_of_five
    _prepare(app, cw, people, monkeypatch)
    batch = certificates.start_for_cohort(cw.facilitator, cw.cohort)
    real = bulk.process_item
    done: list[int] = []

    def crashing(item_id: int):
        if len(done) == 3:
            raise SystemExit("the worker was killed")
        done.append(item_id)
        return real(item_id)

    monkeypatch.setattr(bulk, "process_item", crashing)
    with pytest.raises(SystemExit):
        certificates.run_batch(batch)
    db.session.rollback()
    monkeypatch.setattr(bulk, "process_item", real)
    assert states(batch)["pending"] == 4
    assert db.session.get(CertificateBatch, batch.id).finished_at is None
    # The scheduler's job picks it up again.
    assert certificates.run_unfinished_batches() == 4
    assert states(batch) == {"issued": 3, "waiting_name": 1, "not_eligible": 3}
    assert count_certificates() == 3
    # Running it again (or a second worker) changes nothing.
    assert certificates.run_batch(batch) == 0
    assert count_certificates() == 3


def test_an_item_another_worker_did_is_left_alone(app, cw, cohort_of_five, monkeypatch):
    _prepare(app, cw, cohort_of_five, monkeypatch)
    batch = certificates.start_for_cohort(cw.facilitator, cw.cohort)
    item_id = db.session.scalars(
        select(CertificateBatchItem.id).where(CertificateBatchItem.batch_id == batch.id)
    ).first()
    assert bulk.process_item(item_id) is not None
    assert bulk.process_item(item_id) is None


def test_people_who_already_have_one_are_counted_not_issued_again(cw, issued):
    batch = certificates.start_for_cohort(cw.admin, cw.cohort)
    certificates.run_batch(batch)
    assert states(batch) == {"already": 1, "not_eligible": 1}
    assert count_certificates() == 1


def test_a_sessions_attendees(cw, factories):
    course = factories.course(
        "cert-teams-bulk",
        enrolment="cohort",
        certificate_template="attendance",
        modules=[[{"type": "text"}]],
    )
    cohort = factories.cohort(course, facilitators=[cw.facilitator])
    factories.enrol(cw.learner, cohort)
    factories.enrol(cw.other_learner, cohort)
    session = past_session(cohort)
    take_register(session, {cw.learner: ("present", None), cw.other_learner: ("absent", None)})
    certificates.confirm_name(cw.learner, "display")  # issues at once: the register is taken
    batch = certificates.start_for_session(cw.facilitator, session)
    certificates.run_batch(batch)
    assert states(batch) == {"already": 1}  # the absent learner is not in it
    empty = past_session(cohort, days_ago=1)
    from lms.errors import InvalidInput

    with pytest.raises(InvalidInput, match="Take the register first"):
        certificates.start_for_session(cw.facilitator, empty)


def test_the_pages_progress_and_zip(app, cw, cohort_of_five, client, sign_in, monkeypatch):
    _prepare(app, cw, cohort_of_five, monkeypatch)
    sign_in(cw.facilitator)
    page = client.get(f"/cohorts/{cw.cohort.id}/certificates")
    assert "Issue certificates for this cohort" in page.get_data(as_text=True)
    app.config["CERTIFICATE_BATCH_SECONDS"] = 0  # leave it all to the worker
    try:
        response = client.post(f"/cohorts/{cw.cohort.id}/certificates/issue")
    finally:
        app.config["CERTIFICATE_BATCH_SECONDS"] = 5
    assert response.status_code == 303
    progress = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "0 of 7 people done" in progress and "Refresh this page" in progress
    batch_url = response.headers["Location"]
    assert client.post(f"{batch_url}/continue").status_code == 303
    page = client.get(batch_url).get_data(as_text=True)
    assert "Done: all 7 people looked at." in page
    assert "Waiting for the learner to confirm their name" in page
    archive = client.get(f"{batch_url}/zip")
    assert archive.status_code == 200 and archive.mimetype == "application/zip"
    names = zipfile.ZipFile(io.BytesIO(archive.data)).namelist()
    assert len(names) == 3 and all(n.endswith(".pdf") for n in names)
    # Another cohort's facilitator can't see it.
    sign_in(cw.other_learner)
    assert client.get(batch_url).status_code == 403
    assert client.get(f"{batch_url}/zip").status_code == 403


def test_the_cli_finishes_bulk_issues_with_a_progress_bar(app, cw, cohort_of_five, monkeypatch):
    _prepare(app, cw, cohort_of_five, monkeypatch)
    certificates.start_for_cohort(cw.facilitator, cw.cohort)
    result = app.test_cli_runner().invoke(args=["lms", "certificates", "run-batches"])
    assert result.exit_code == 0, result.output
    assert "1 bulk issue(s): 7 people done." in result.output
    assert count_certificates() == 3


def test_the_scheduler_runs_the_core_jobs(app):
    from lms.scheduler import build_scheduler

    ids = [job.id for job in build_scheduler(app).get_jobs()]
    assert "lms.certificates-batches" in ids and "lms.certificates-check" in ids
