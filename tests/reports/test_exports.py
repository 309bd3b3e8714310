"""Exports: the same rows as the page, CSV that parses back, XLSX, formula injection, and
memory that stays flat for 100,000 rows."""

from __future__ import annotations

import io
import tracemalloc
from datetime import date
from typing import Any

import openpyxl
import pytest
from sqlalchemy import insert, select

from lms.cohorts.models import Enrolment
from lms.extensions import db
from lms.reports import queries
from lms.reports.exports import cell_text, csv_chunks, neutralise, write_csv
from lms.reports.tables import TABLES, export_csv
from tests.reports.conftest import ReportWorld, headings, read_csv

DANGEROUS = ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx", "\x00=cmd|' /C calc'!A0"]


@pytest.mark.parametrize("value", DANGEROUS)
def test_formula_starts_are_neutralised(value: str):
    safe = neutralise(value)
    assert safe.startswith("'")
    assert "\x00" not in safe
    assert cell_text(value) == safe


def test_a_formula_behind_control_characters_is_neutralised_too():
    # a spreadsheet drops the invisible characters and would then see the formula
    assert neutralise("\x01=2+2") == "'=2+2"
    assert neutralise("\x1b\x02@SUM(A1)") == "'@SUM(A1)"
    assert neutralise("Ada\x07 Archer") == "Ada Archer"


def test_every_csv_cell_is_quoted_so_other_separators_stay_inside():
    chunks = "".join(csv_chunks(["Name"], [["Smith;=1+1"], ["Ada"]]))
    assert chunks.splitlines()[1:] == ['"Smith;=1+1"', '"Ada"']


def test_plain_values_are_left_alone():
    assert neutralise("Ada Archer") == "Ada Archer"
    assert neutralise("O'Brien - ward 3") == "O'Brien - ward 3"
    assert cell_text(date(2026, 1, 31)) == "2026-01-31"
    assert cell_text(None) == "" and cell_text(3) == "3"


def test_people_csv_has_the_pages_people_and_nobody_elses(rw: ReportWorld, client, sign_in):
    sign_in(rw.manager)
    response = client.get(f"/organisations/{rw.trust.id}/export/people.csv")
    assert 'attachment; filename="people-organisation-' in response.headers["Content-Disposition"]
    assert headings(response) == list(TABLES["people"].columns)
    rows = read_csv(response)
    names = {row["Name"] for row in rows}
    assert names == {"Ada Archer", "Bea Baker", "Cal Cole", "Maya Manager", "Wes Ward"}
    bea = [row for row in rows if row["Name"] == "Bea Baker"]
    assert {(r["Course"], r["Status"]) for r in bea} == {
        ("Foundations", "In progress"),
        ("Teams", "In progress"),
    }
    assert {r["Service number"] for r in bea} == {"SN-042"}
    assert {r["Organisation"] for r in bea} == {"Ward 3"}
    cal = [row for row in rows if row["Name"] == "Cal Cole"]
    assert cal == [
        {
            "Name": "Cal Cole",
            "Service number": "",
            "Organisation": "Riverside Trust",
            "Role": "Member",
            "Course": "",
            "Status": "",
        }
    ]


def test_exports_apply_the_pages_filters(rw: ReportWorld, client, sign_in):
    sign_in(rw.manager)
    url = f"/organisations/{rw.trust.id}/export/enrolments.csv"
    everyone = read_csv(client.get(url))
    assert {(r["Name"], r["Course"]) for r in everyone} == {
        ("Ada Archer", "Foundations"),
        ("Bea Baker", "Foundations"),
        ("Bea Baker", "Teams"),
    }
    ward = read_csv(client.get(url, query_string={"unit": rw.ward.id, "course": rw.teams.id}))
    assert [(r["Name"], r["Course"], r["Cohort"], r["Status"]) for r in ward] == [
        ("Bea Baker", "Teams", "Teams autumn", "In progress")
    ]
    ada = next(r for r in everyone if r["Name"] == "Ada Archer")
    assert ada["Status"] == "Completed"
    assert date.fromisoformat(ada["Completed on"]) <= date.today()
    future = read_csv(client.get(url, query_string={"from": "2999-01-01"}))
    assert future == []


def test_every_organisation_table_downloads_as_csv_and_xlsx(rw: ReportWorld, client, sign_in):
    sign_in(rw.manager)
    for key, table in TABLES.items():
        if "organisation" not in table.scopes:
            continue
        csv_rows = read_csv(client.get(f"/organisations/{rw.trust.id}/export/{key}.csv"))
        response = client.get(f"/organisations/{rw.trust.id}/export/{key}.xlsx")
        assert response.status_code == 200, key
        assert response.mimetype.endswith("spreadsheetml.sheet")
        sheet = openpyxl.load_workbook(io.BytesIO(response.get_data())).active
        values = list(sheet.iter_rows(values_only=True))
        assert list(values[0]) == list(table.columns), key
        assert len(values) - 1 == len(csv_rows), key
        text = str(values)
        assert "Oona Outsider" not in text and "Oona Outsider" not in str(csv_rows), key


def test_xlsx_holds_numbers_dates_and_neutralised_text(rw: ReportWorld, client, sign_in):
    rw.bea.display_name = '=HYPERLINK("http://evil.example","Click")'
    db.session.flush()
    sign_in(rw.manager)
    response = client.get(f"/organisations/{rw.trust.id}/export/enrolments.xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(response.get_data())).active
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    names = {row[0] for row in rows}
    assert '\'=HYPERLINK("http://evil.example","Click")' in names
    ada = next(row for row in rows if row[0] == "Ada Archer")
    assert ada[5].date() <= date.today()  # "Enrolled on" is a real date
    by_course = client.get(f"/organisations/{rw.trust.id}/export/completion-by-course.xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(by_course.get_data())).active
    foundations = next(
        r for r in sheet.iter_rows(min_row=2, values_only=True) if r[0] == "Foundations"
    )
    assert foundations[1:] == (2, 1, 1, 0, 50)  # numbers, not text
    csv_rows = read_csv(client.get(f"/organisations/{rw.trust.id}/export/enrolments.csv"))
    assert '\'=HYPERLINK("http://evil.example","Click")' in {r["Name"] for r in csv_rows}


def test_other_managers_get_nothing(rw: ReportWorld, client, sign_in):
    for person in (rw.other_manager, rw.ward_manager, rw.ada, rw.facilitator):
        sign_in(person)
        for key in ("people", "enrolments", "employer-attendance"):
            response = client.get(f"/organisations/{rw.trust.id}/export/{key}.csv")
            assert response.status_code == 403, (person.display_name, key)
            assert "Bea Baker" not in response.get_data(as_text=True)


def test_unknown_tables_and_formats_are_not_found(rw: ReportWorld, client, sign_in):
    sign_in(rw.manager)
    base = f"/organisations/{rw.trust.id}/export"
    assert client.get(f"{base}/regions.csv").status_code == 404  # not an organisation table
    assert client.get(f"{base}/progress.csv").status_code == 404
    assert client.get(f"{base}/nothing.csv").status_code == 404
    assert client.get(f"{base}/people.pdf").status_code == 404


def _many_enrolments(rw: ReportWorld, n: int) -> None:
    """``n`` enrolments of five of the trust's people, written in bulk."""
    from lms.cohorts.models import Cohort

    people = [rw.ada.id, rw.bea.id, rw.cal.id, rw.manager.id, rw.ward_manager.id]
    db.session.execute(
        insert(Cohort),
        [
            {"course_id": rw.foundations.id, "name": f"Bulk {i:05d}", "enrolment_mode": "open"}
            for i in range(n // len(people))
        ],
    )
    cohort_ids = db.session.scalars(
        select(Cohort.id).where(Cohort.name.like("Bulk %")).order_by(Cohort.id)
    ).all()
    db.session.execute(
        insert(Enrolment),
        [
            {"user_id": person, "cohort_id": cohort, "status": "active", "source": "admin"}
            for cohort in cohort_ids
            for person in people
        ],
    )


def test_a_100000_row_export_never_holds_the_rows(rw: ReportWorld, monkeypatch):
    """100,000 rows as tuples alone take well over 30 MB; the export peaks far below, and
    reads the rows from the database in chunks."""
    n = 100_000
    _many_enrolments(rw, n)
    chunks: list[int] = []

    def counting(query: Any) -> Any:
        result = db.session.execute(query.execution_options(yield_per=queries.CHUNK))
        for partition in result.partitions():
            chunks.append(len(partition))
            yield from (tuple(row) for row in partition)

    monkeypatch.setattr("lms.reports.queries.enrolments.streamed", counting)

    class Sink(io.TextIOBase):
        def __init__(self) -> None:
            self.size = 0
            self.head = ""

        def write(self, text: str) -> int:
            if len(self.head) < 2000:
                self.head += text[:2000]
            self.size += len(text)
            return len(text)

    sink = Sink()
    tracemalloc.start()
    try:
        written = export_csv(sink, "enrolments", rw.trust.id)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert written == n + 3  # and the world's own three
    assert sink.size > 5_000_000
    assert peak < 12 * 1024 * 1024, f"peak {peak / 1e6:.1f} MB"
    assert len(chunks) > 50 and max(chunks) <= queries.CHUNK
    assert sink.head.startswith('\ufeff"Name","Service number","Organisation","Course","Cohort"')


def test_write_csv_counts_rows_and_round_trips():
    out = io.StringIO()
    rows = [("Ada", 3, date(2026, 1, 2)), ("=bad", None, None)]
    assert write_csv(out, ("Name", "Count", "Day"), rows) == 2
    lines = out.getvalue().lstrip("\ufeff").splitlines()
    assert lines == ['"Name","Count","Day"', '"Ada","3","2026-01-02"', '"\'=bad","",""']
