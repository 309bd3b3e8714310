"""Switching loaded plugins on and off for a cohort from its form."""

from __future__ import annotations

import re

from sqlalchemy import select

from lms.audit.models import AuditEvent
from lms.cohorts.models import Cohort, CohortPlugin
from lms.extensions import db
from tests.cohorts.conftest import snapshot, text


def data(place, **changes):
    values = {
        "course": place.course.id,
        "name": "With plugins",
        "timezone": "Europe/London",
        "facilitators": [place.facilitator.id],
        "enrolment_mode": "invitation",
    }
    values.update(changes)
    return values


def states(cohort_id: int) -> dict[str, bool]:
    db.session.expire_all()
    rows = db.session.scalars(select(CohortPlugin).where(CohortPlugin.cohort_id == cohort_id))
    return {row.plugin: row.active for row in rows}


def test_the_form_offers_every_loaded_plugin(as_facilitator):
    page = text(as_facilitator.get("/facilitate/cohorts/new"))
    assert "<legend>Plugins active for this cohort</legend>" in page
    assert 'value="sample"' in page and 'value="needs_sample"' in page
    assert "Sample plugin" in page


def test_plugins_chosen_on_create_are_switched_on_and_audited(as_facilitator, place):
    response = as_facilitator.post("/facilitate/cohorts/new", data=data(place, plugins=["sample"]))
    assert response.status_code == 303
    cohort = db.session.scalar(select(Cohort).where(Cohort.name == "With plugins"))
    assert states(cohort.id) == {"sample": True}
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "plugin.cohort_on"))
    assert "sample" in text(as_facilitator.get(response.headers["Location"]))


def test_editing_switches_plugins_off_and_on(as_facilitator, place):
    url = f"/facilitate/cohorts/{place.cohort.id}/edit"
    as_facilitator.post(url, data=data(place, plugins=["sample", "needs_sample"]))
    assert states(place.cohort.id) == {"sample": True, "needs_sample": True}
    page = text(as_facilitator.get(url))
    assert re.search(r'<input checked[^>]*value="sample"', page)
    assert re.search(r'<input checked[^>]*value="needs_sample"', page)
    as_facilitator.post(url, data=data(place, plugins=["needs_sample"]))
    assert states(place.cohort.id) == {"sample": False, "needs_sample": True}
    # Saving without changes writes no plugin audit entries.
    entries = db.session.scalar(
        select(db.func.count()).select_from(AuditEvent).where(AuditEvent.action.like("plugin.%"))
    )
    as_facilitator.post(url, data=data(place, plugins=["needs_sample"]))
    assert entries == db.session.scalar(
        select(db.func.count()).select_from(AuditEvent).where(AuditEvent.action.like("plugin.%"))
    )


def test_a_plugin_that_is_not_loaded_is_refused_with_nothing_written(as_facilitator, place):
    before = snapshot()
    response = as_facilitator.post(
        "/facilitate/cohorts/new", data=data(place, plugins=["sample", "feedback"])
    )
    assert "aren't loaded on this site: feedback" in text(response)
    assert snapshot() == before
