"""The people in bulk enrolment files are kept only as long as they are needed."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from lms.accounts.models import User
from lms.audit.models import AuditEvent
from lms.cohorts import services as cohorts
from lms.cohorts.models import BulkEnrolmentUpload
from lms.db import utcnow
from lms.extensions import db
from lms.scheduler import build_scheduler, run_job
from tests.cohorts.conftest import enrolment_of, snapshot, text
from tests.cohorts.test_bulk import confirm, latest_upload, upload_file

FILE = (
    b"name,email,username,organisation\n"
    b"Nia New,nia@example.org,,Northfield Trust\n"
    b"Pat Prison,,pat.p,Northfield Trust\n"
    b"No Org,no.org@example.org,,Nowhere House\n"
)


def applied_upload(client, place) -> BulkEnrolmentUpload:
    upload_file(client, place.cohort, FILE)
    upload = latest_upload()
    assert confirm(client, place, upload).status_code == 200
    return saved(upload.id)


def saved(upload_id: int) -> BulkEnrolmentUpload | None:
    db.session.expire_all()
    return db.session.get(BulkEnrolmentUpload, upload_id)


def test_done_on_the_code_sheet_deletes_the_people_and_keeps_the_counts(as_facilitator, place):
    upload_file(as_facilitator, place.cohort, FILE)
    upload = latest_upload()
    sheet = text(confirm(as_facilitator, place, upload))
    delete_url = f"/facilitate/cohorts/{place.cohort.id}/bulk/{upload.id}/delete"
    assert f'action="{delete_url}"' in sheet and "Done: back to Spring cohort" in sheet
    assert "deleted 7 days after you applied it" in sheet

    response = as_facilitator.post(delete_url)
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/facilitate/cohorts/{place.cohort.id}")
    kept = saved(upload.id)
    assert kept is not None and kept.rows == [] and kept.rows_deleted_at is not None
    assert kept.result is not None and kept.result["counts"] == {"new": 2, "error": 1}
    event = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "cohort.bulk_upload_deleted")
    ).one()
    assert event.actor_id == place.facilitator.id and "people.csv" in event.summary

    # The accounts and enrolments stay; the page keeps the counts but names nobody.
    page = text(as_facilitator.get(f"/facilitate/cohorts/{place.cohort.id}/bulk/{upload.id}"))
    assert "2</strong> new accounts" in page and "1</strong> row with a problem" in page
    assert "was deleted on" in page
    for detail in ("Nia New", "nia@example.org", "pat.p", "Nowhere House"):
        assert detail not in page
    pat = db.session.scalar(select(User).where(User.username == "pat.p"))
    assert enrolment_of(pat, place.cohort) is not None

    # Doing it again changes nothing.
    before = snapshot()
    assert as_facilitator.post(delete_url).status_code == 303
    assert snapshot() == before


def test_an_unapplied_preview_can_be_discarded(as_facilitator, place):
    upload_file(as_facilitator, place.cohort, FILE)
    upload_id = latest_upload().id
    base = f"/facilitate/cohorts/{place.cohort.id}/bulk/{upload_id}"
    page = text(as_facilitator.get(base))
    assert "Discard this file" in page and "deleted after 1 day anyway" in page
    before = snapshot()
    response = as_facilitator.post(f"{base}/delete")
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/facilitate/cohorts/{place.cohort.id}/bulk")
    assert saved(upload_id) is None
    after = snapshot()
    assert after.pop("BulkEnrolmentUpload") == before.pop("BulkEnrolmentUpload") - 1
    assert after.pop("AuditEvent") == before.pop("AuditEvent") + 1
    assert after == before  # nobody was enrolled or created
    assert as_facilitator.post(f"{base}/confirm").status_code == 404


def test_only_the_cohorts_facilitators_delete_a_file(client, sign_in, place, factories):
    sign_in(place.facilitator)
    upload_file(client, place.cohort, FILE)
    upload = latest_upload()
    other = factories.cohort(place.course, facilitators=[factories.user()])
    sign_in(other.facilitators[0])
    url = f"/facilitate/cohorts/{place.cohort.id}/bulk/{upload.id}/delete"
    assert client.post(url).status_code == 403
    assert client.post(f"/facilitate/cohorts/{other.id}/bulk/{upload.id}/delete").status_code == 404
    assert saved(upload.id) is not None


def _age(upload_id: int, *, created: timedelta, applied: timedelta | None) -> None:
    upload = saved(upload_id)
    assert upload is not None
    now = utcnow()
    upload.created_at = now - created
    upload.applied_at = now - applied if applied is not None else None
    db.session.commit()


@pytest.fixture
def four_uploads(as_facilitator, place):
    """Applied 8 and 6 days ago, and unapplied from 2 days and 2 hours ago."""
    made = {}
    for name, created, applied in (
        ("old", timedelta(days=8), timedelta(days=8)),
        ("recent", timedelta(days=6), timedelta(days=6)),
        ("stale", timedelta(days=2), None),
        ("fresh", timedelta(hours=2), None),
    ):
        upload_file(as_facilitator, place.cohort, FILE, filename=f"{name}.csv")
        upload = latest_upload()
        if applied is not None:
            # Each applied file brings the same people: the later ones only enrol them again.
            db.session.execute(
                BulkEnrolmentUpload.__table__.update()
                .where(BulkEnrolmentUpload.id == upload.id)
                .values(applied_at=utcnow(), result={"counts": {"new": 2, "error": 1}})
            )
            db.session.commit()
        _age(upload.id, created=created, applied=applied)
        made[name] = upload.id
    return made


def test_the_nightly_job_deletes_old_files_people_and_old_previews(app, four_uploads):
    done = cohorts.forget_old_uploads()
    assert (done.applied, done.previews) == (1, 1)
    old, recent = saved(four_uploads["old"]), saved(four_uploads["recent"])
    assert old is not None and old.rows == [] and old.rows_deleted_at is not None
    assert recent is not None and len(recent.rows) == 3 and recent.rows_deleted_at is None
    assert saved(four_uploads["stale"]) is None
    assert saved(four_uploads["fresh"]) is not None
    event = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "cohort.bulk_uploads_expired")
    ).one()
    assert event.actor_id is None and event.detail == {"applied": 1, "previews": 1}
    # Straight away again: nothing more to do, and nothing more in the audit log.
    audits = snapshot()["AuditEvent"]
    assert cohorts.forget_old_uploads() == cohorts.Forgotten(0, 0)
    assert snapshot()["AuditEvent"] == audits


def test_the_days_are_settings(app, monkeypatch, four_uploads):
    monkeypatch.setitem(app.config, "BULK_ENROLMENT_KEEP_DAYS", 5)
    monkeypatch.setitem(app.config, "BULK_ENROLMENT_PREVIEW_KEEP_DAYS", 3)
    assert cohorts.forget_old_uploads() == cohorts.Forgotten(2, 0)
    assert saved(four_uploads["stale"]) is not None


def test_the_scheduler_runs_it_as_a_core_job(app, four_uploads):
    job = build_scheduler(app).get_job("lms.bulk-upload-retention")
    assert job is not None and str(job.trigger) == "cron[hour='3', minute='15']"
    assert run_job(app, job.id, job.args[2]) is True
    assert saved(four_uploads["stale"]) is None


def test_the_command_line(app, four_uploads, monkeypatch):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["lms", "cohorts", "forget-uploads"])
    assert result.exit_code == 0, result.output
    assert "Deleted the people in 1 applied file(s) and 1 unapplied preview(s)." in result.output
    monkeypatch.setitem(app.config, "BULK_ENROLMENT_KEEP_DAYS", "a week")
    result = runner.invoke(args=["lms", "cohorts", "forget-uploads"])
    assert result.exit_code == 1
    assert "BULK_ENROLMENT_KEEP_DAYS must be a whole number of days, not 'a week'" in result.output
