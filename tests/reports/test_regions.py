"""The admins' report by region and sector: small numbers never show."""

from __future__ import annotations

from lms.reports.queries.regions import FEWER, HIDDEN, share, shown
from tests.reports.conftest import ReportWorld, read_csv


def test_the_rule():
    assert [shown(n) for n in (0, 1, 4, 5, 7, 8, 12, 13)] == [0, FEWER, FEWER, 5, 5, 10, 10, 15]
    assert share(4, 100) == HIDDEN and share(5, 4) == HIDDEN and share(5, 10) == 50


def test_small_groups_show_fewer_than_5_and_nothing_else(
    rw: ReportWorld, client, sign_in, factories
):
    big = factories.organisation("Big Prison", type="prison", region="London")
    for n in range(12):
        person = factories.user(f"Pat {n}", organisation=big)
        factories.enrol(person, rw.cohort, status="completed" if n < 6 else "active")
    sign_in(rw.admin)
    response = client.get("/reports/regions")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    for name in ("Ada Archer", "Big Prison", "Riverside Trust", "Pat 1"):
        assert name not in body  # groups only, never organisations or people
    rows = {
        (r["Region"], r["Sector"]): r for r in read_csv(client.get("/reports/export/regions.csv"))
    }
    # 12 people, 12 enrolments, 6 completed: rounded to 10, 10, 5; 50%.
    assert rows[("London", "Prison establishment")] == {
        "Region": "London",
        "Sector": "Prison establishment",
        "People": "10",
        "Enrolments": "10",
        "Completed": "5",
        "% completed": "50",
    }
    # Riverside (with its ward): 5 people, 3 enrolments, 1 completed.
    assert rows[("North West", "NHS trust")] == {
        "Region": "North West",
        "Sector": "NHS trust",
        "People": "5",
        "Enrolments": "fewer than 5",
        "Completed": "fewer than 5",
        "% completed": "not shown",
    }
    # Hillside: 2 people: nothing but "fewer than 5".
    assert rows[("Wales", "Women's centre")]["People"] == "fewer than 5"
    assert rows[("Wales", "Women's centre")]["Enrolments"] == "not shown"
    total = rows[("All regions", "All sectors")]
    assert total["People"] == str(5 * round(19 / 5 + 1e-9))  # 12 + 5 + 2, rounded


def test_only_admins(rw: ReportWorld, client, sign_in):
    for person in (rw.manager, rw.facilitator, rw.ada):
        sign_in(person)
        assert client.get("/reports/regions").status_code == 403
        assert client.get("/reports/export/regions.csv").status_code == 403
