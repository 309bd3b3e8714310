"""Rows of the people report kept between requests (``lms.reports.people_rows``): a page
served from kept rows is the page drawn afresh, whatever changed since (the record versions
of tests/reports/test_record_versions.py say which rows are out of date); it costs only the
page's own statements; rows are never kept from a write, nor more than ``KEEP`` of them,
and each organisation's page keeps its own.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from markupsafe import Markup
from sqlalchemy import select, update

from lms.accounts import services as accounts
from lms.accounts.models import Membership
from lms.catalogue.models import Step
from lms.cohorts import services as cohorts
from lms.cohorts.models import Enrolment
from lms.db import begin_write, writing
from lms.extensions import db
from lms.progress import services as progress
from lms.reports import people_rows
from lms.reports.filters import Filters
from lms.reports.queries.people import PersonRow
from lms.reports.scope import organisation_scope
from lms.testing.fixtures import count_queries
from tests.reports.conftest import ReportWorld
from tests.reports.test_page_statements import (
    COHORTS_STATEMENTS,
    PEOPLE_PAGE_STATEMENTS,
    VERSIONS_STATEMENTS,
)
from tests.reports.test_pages import page


def tbody(body: str) -> str:
    return body[body.index("<tbody>") : body.index("</tbody>")]


def row(body: str, name: str) -> str:
    """The table row of the person called ``name``."""
    start = body.rindex("<tr>", 0, body.index(f">{name}</a>"))
    return body[start : body.index("</tr>", start)]


def kept_then_fresh(client: Any, url: str) -> str:
    """The page as served with the rows kept, checked against the page drawn afresh."""
    kept = page(client, url)
    people_rows.clear()
    fresh = page(client, url)
    assert tbody(kept) == tbody(fresh)
    return kept


def statements(client: Any, url: str) -> int:
    with count_queries() as queries:
        assert client.get(url).status_code == 200, url
    return len(queries)


def kept_contexts() -> list[Any]:
    """The organisation (the page) of each row kept, least recently used first: keys are
    (database, page's organisation, scope's organisation ids, user id, record version)."""
    return [cast(tuple[Any, ...], key)[1] for key in people_rows._rows]


def test_the_page_stays_true_with_its_rows_kept(rw: ReportWorld, client, sign_in):
    url = f"/organisations/{rw.trust.id}"
    sign_in(rw.manager)
    page(client, url)
    first = page(client, url)
    assert len(people_rows._rows) == 5  # Maya, Wes, Ada, Bea, Cal
    assert "Not on a course yet" in row(first, "Cal Cole")

    def after(change: Callable[[], object]) -> str:
        """Make ``change`` with every row of the page kept; the page as then served."""
        assert statements(client, url) == PEOPLE_PAGE_STATEMENTS  # every row kept
        change()
        return kept_then_fresh(client, url)

    # A new name.
    cal = rw.cal
    renamed = after(
        lambda: accounts.update_user(
            rw.admin, cal, display_name="Cal Carter", email=cal.email, username=cal.username
        )
    )
    assert ">Cal Carter</a>" in renamed and "Cal Cole" not in renamed

    # A course completed (its steps done).
    steps = {
        s.type: s for s in db.session.scalars(select(Step).where(Step.course_id == rw.teams.id))
    }

    def complete_teams() -> None:
        progress.mark_done(rw.bea, steps["text"])
        progress.save_reflection(rw.bea, steps["reflection"], "What I learnt.", share=False)
        progress.submit_quiz(rw.bea, steps["quiz"], {0: 1})

    assert "Teams: <strong>In progress</strong>" in row(first, "Bea Baker")
    assert "Teams: <strong>Completed</strong>" in row(after(complete_teams), "Bea Baker")

    # A new place.
    placed = row(after(lambda: cohorts.enrol(rw.admin, cal, rw.team_cohort)), "Cal Carter")
    assert "Teams: <strong>In progress</strong>" in placed and "Not on a course" not in placed

    # A withdrawal.
    bea_place = db.session.scalars(
        select(Enrolment).where(Enrolment.user_id == rw.bea.id, Enrolment.cohort_id == rw.cohort.id)
    ).one()
    withdrawn = after(lambda: cohorts.withdraw(rw.admin, bea_place, "Moved away"))
    assert "Foundations: <strong>Withdrawn</strong>" in row(withdrawn, "Bea Baker")

    # The unit renamed: its people's rows show its new name.
    ward = rw.ward
    unit_renamed = after(
        lambda: accounts.update_organisation(
            rw.admin, ward, name="Ward 4", type=ward.type, region=ward.region, parent=rw.trust
        )
    )
    assert "Ward 4" in row(unit_renamed, "Bea Baker") and "Ward 3" not in unit_renamed

    # A course retired: places on it are counted as earlier courses. No service retires a
    # course (an import leaves the flag as it is): the ORM does.
    def retire_foundations() -> None:
        rw.foundations.retired = True
        db.session.commit()

    retired = after(retire_foundations)
    ada = row(retired, "Ada Archer")
    assert "Foundations:" not in ada and "Earlier courses: 1 of 1 completed" in ada
    assert "Earlier courses: 0 of 1 completed" in row(retired, "Bea Baker")

    # A membership's role, and a service number: no service changes either in place.
    cal_member = Membership.user_id == cal.id

    def made_manager() -> None:
        db.session.execute(update(Membership).where(cal_member).values(role="manager"))
        db.session.commit()

    assert "<td>Manager</td>" in row(after(made_manager), "Cal Carter")

    def numbered() -> None:
        ada_member = Membership.user_id == rw.ada.id
        db.session.execute(update(Membership).where(ada_member).values(service_number="SN-007"))
        db.session.commit()

    assert "(SN-007)" in row(after(numbered), "Ada Archer")

    # A second membership: both organisations are named.
    joined = after(lambda: accounts.add_membership(rw.admin, cal, ward, "member"))
    assert "Riverside Trust, Ward 4" in row(joined, "Cal Carter")


def test_a_page_of_kept_rows_runs_only_the_page_statements(rw: ReportWorld, client, sign_in):
    url = f"/organisations/{rw.trust.id}"
    sign_in(rw.manager)
    assert statements(client, url) == PEOPLE_PAGE_STATEMENTS + VERSIONS_STATEMENTS
    assert statements(client, url) == PEOPLE_PAGE_STATEMENTS  # every row kept
    cal = rw.cal
    accounts.update_user(
        rw.admin, cal, display_name="Cal Carter", email=cal.email, username=cal.username
    )
    # One person changed: the page is read again, and kept again.
    assert statements(client, url) == PEOPLE_PAGE_STATEMENTS + VERSIONS_STATEMENTS
    assert statements(client, url) == PEOPLE_PAGE_STATEMENTS
    kept = len(people_rows._rows)
    # A filtered page is read afresh every time, and keeps nothing.
    on_a_course = f"{url}?course={rw.teams.id}"
    first = statements(client, on_a_course)
    assert first == statements(client, on_a_course) == PEOPLE_PAGE_STATEMENTS + COHORTS_STATEMENTS
    assert len(people_rows._rows) == kept
    # ... and shows only what matches: Bea's place on the course, not her other courses.
    body = tbody(page(client, url, course=rw.teams.id))
    assert body.count("<tr>") == 1 and "Teams: <strong>In progress</strong>" in body
    assert "Foundations:" not in body


def _draw(people: list[PersonRow]) -> list[Markup]:
    return [Markup("<tr><td>{}</td></tr>").format(person.name) for person in people]


def test_rows_drawn_in_a_write_are_not_kept(rw: ReportWorld, app, client, sign_in):
    url = f"/organisations/{rw.trust.id}"
    with app.test_request_context(url):
        begin_write()
        scope = organisation_scope(rw.manager, rw.trust)
        found = people_rows.people_page(scope, Filters(), 1, _draw, context=rw.trust.id)
        assert writing() and len(found.page.rows) == 5 and found.total == 5
        db.session.commit()  # the write ends
    assert len(people_rows._rows) == 0
    sign_in(rw.manager)
    assert statements(client, url) == PEOPLE_PAGE_STATEMENTS + VERSIONS_STATEMENTS
    # The same, read outside a write, is kept.
    people_rows.clear()
    with app.test_request_context(url):
        scope = organisation_scope(rw.manager, rw.trust)
        people_rows.people_page(scope, Filters(), 1, _draw, context=rw.trust.id)
    assert len(people_rows._rows) == 5


def test_the_least_recently_used_rows_go_first(
    rw: ReportWorld, client, sign_in, factories, monkeypatch
):
    monkeypatch.setattr(people_rows, "KEEP", 4)
    north = factories.organisation("Northside")
    for name in ("Nia North", "Ned North"):
        factories.user(name, organisation=north)
    sign_in(rw.admin)
    ward, elsewhere, northside = (
        f"/organisations/{org.id}" for org in (rw.ward, rw.elsewhere, north)
    )
    # Two people on each page. A unit's page loads its parent too: compare each page with
    # itself, read (first) and kept (one statement fewer).
    read = {url: statements(client, url) for url in (ward, elsewhere)}
    assert kept_contexts() == [rw.ward.id] * 2 + [rw.elsewhere.id] * 2
    assert statements(client, ward) == read[ward] - VERSIONS_STATEMENTS  # kept, used again
    # Two more rows: the least recently used two go.
    read[northside] = statements(client, northside)
    assert kept_contexts() == [rw.ward.id] * 2 + [north.id] * 2
    assert statements(client, ward) == read[ward] - VERSIONS_STATEMENTS
    assert statements(client, elsewhere) == read[elsewhere]  # read again, and kept again
    assert kept_contexts() == [rw.ward.id] * 2 + [rw.elsewhere.id] * 2
    assert statements(client, northside) == read[northside]


def test_each_organisation_keeps_its_own_rows_of_a_person(rw: ReportWorld, client, sign_in):
    trust, ward = f"/organisations/{rw.trust.id}", f"/organisations/{rw.ward.id}"
    sign_in(rw.manager)
    page(client, trust)
    on_trust = row(page(client, trust), "Bea Baker")
    # The unit's own page: Bea's row there is drawn for it (the page is read), not taken
    # from the trust's; the next visit finds it kept.
    read = statements(client, ward)
    on_ward = row(page(client, ward), "Bea Baker")
    assert statements(client, ward) == read - VERSIONS_STATEMENTS
    assert f'href="{trust}/people/{rw.bea.id}"' in on_trust and "Ward 3" in on_trust
    assert f'href="{ward}/people/{rw.bea.id}"' in on_ward and "Ward 3" not in on_ward
    assert sorted(kept_contexts()) == [rw.trust.id] * 5 + [rw.ward.id] * 2
    assert row(page(client, trust), "Bea Baker") == on_trust
    # Another organisation she joins: her row there is its own too.
    accounts.add_membership(rw.admin, rw.bea, rw.elsewhere, "member")
    sign_in(rw.other_manager)
    elsewhere = f"/organisations/{rw.elsewhere.id}"
    page(client, elsewhere)
    on_elsewhere = row(page(client, elsewhere), "Bea Baker")
    assert f'href="{elsewhere}/people/{rw.bea.id}"' in on_elsewhere
    assert "Ward 3" not in on_elsewhere  # outside this organisation's scope
    sign_in(rw.manager)
    assert row(kept_then_fresh(client, trust), "Bea Baker") == on_trust
