"""The organisation's pages run a fixed number of statements, whatever the number of
people, enrolments and earlier editions they show (the query budgets)."""

from __future__ import annotations

from lms.testing.fixtures import count_queries
from tests.reports.conftest import ReportWorld, register


def test_pages_do_not_grow_with_the_rows(rw: ReportWorld, client, sign_in, factories):
    """The same number of queries for a handful of rows as for many."""
    urls = [
        f"/organisations/{rw.trust.id}",
        f"/organisations/{rw.trust.id}/dashboard",
        f"/organisations/{rw.trust.id}/enrolments",
        f"/organisations/{rw.trust.id}/attendance",
        f"/organisations/{rw.trust.id}/dashboard?unit={rw.ward.id}&course={rw.foundations.id}",
    ]
    sign_in(rw.manager)

    def counts() -> list[int]:
        found = []
        for url in urls:
            with count_queries() as queries:
                assert client.get(url).status_code == 200, url
            found.append(len(queries))
        return found

    before = counts()
    for n in range(30):
        person = factories.user(f"Extra {n:02d}", organisation=rw.ward if n % 2 else rw.trust)
        factories.enrol(person, rw.cohort, status="completed" if n % 3 else "active")
        factories.enrol(person, rw.team_cohort)
        register(rw.session, person, "present")
        other = factories.cohort(rw.teams, name=f"Extra cohort {n}")
        factories.enrol(person, other)
    assert counts() == before
    assert before[0] <= 10, before  # the organisation report: the page the benchmark measures


#: The people page's statements: the signed-in person, the organisation, their memberships
#: (the permission), the organisation tree, the courses to filter by, and the page of people
#: with their memberships, courses and the headcount (one statement).
PEOPLE_PAGE_STATEMENTS = 6
#: Unfiltered, who is on the page at which record version comes first: when every row is
#: already drawn (``lms.reports.people_rows``) that is all; otherwise the page is read.
VERSIONS_STATEMENTS = 1
#: A course (or a cohort) chosen as the filter: the cohorts of that course to choose from.
COHORTS_STATEMENTS = 1
#: A person's record: the first four as above, then their memberships and enrolments.
RECORD_STATEMENTS = 6
#: A unit chosen as the filter: its units, from the organisation tree once more.
UNIT_FILTER_STATEMENTS = 1


def test_the_people_page_and_a_record_run_a_fixed_number_of_statements(
    rw: ReportWorld, client, sign_in, factories
):
    """Whatever the number of people, of their enrolments and earlier editions, the page,
    filters or page number."""
    base = f"/organisations/{rw.trust.id}"
    urls = {
        base: PEOPLE_PAGE_STATEMENTS + VERSIONS_STATEMENTS,
        f"{base}?course={rw.foundations.id}&from=2000-01-01": PEOPLE_PAGE_STATEMENTS
        + COHORTS_STATEMENTS,
        f"{base}?unit={rw.ward.id}&cohort={rw.cohort.id}": PEOPLE_PAGE_STATEMENTS
        + COHORTS_STATEMENTS
        + UNIT_FILTER_STATEMENTS,
        f"{base}/people/{rw.ada.id}": RECORD_STATEMENTS,
    }
    sign_in(rw.manager)

    def counts() -> dict[str, int]:
        found = {}
        for url in urls:
            with count_queries() as queries:
                assert client.get(url).status_code == 200, url
            found[url] = len(queries)
        # Once the rows of an unfiltered page are drawn, only who is on it is read.
        for url in (base, f"{base}?page=2"):
            client.get(url)
            with count_queries() as queries:
                assert client.get(url).status_code == 200, url
            found[f"{url} again"] = len(queries)
        return found

    expected = {**urls, f"{base} again": PEOPLE_PAGE_STATEMENTS}
    expected[f"{base}?page=2 again"] = PEOPLE_PAGE_STATEMENTS
    assert counts() == expected
    editions = [
        factories.cohort(factories.course(title=f"Foundations ({year})", retired=True))
        for year in range(2015, 2025)
    ]
    for n in range(60):  # more than a page of people
        person = factories.user(f"Extra {n:02d}", organisation=rw.ward if n % 2 else rw.trust)
        factories.enrol(person, rw.cohort, status="completed" if n % 3 else "active")
        for cohort in editions:
            factories.enrol(person, cohort, status="completed" if n % 4 else "withdrawn")
        factories.enrol(rw.ada, factories.cohort(rw.teams, name=f"Teams {n}"))
    assert counts() == expected
