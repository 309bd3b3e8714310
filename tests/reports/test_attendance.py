"""Attendance exports: the employer-importable file, per session and per date range."""

from __future__ import annotations

from datetime import timedelta

from lms.reports.queries.attendance import EMPLOYER_COLUMNS
from tests.reports.conftest import ReportWorld, add_session, headings, read_csv, register


def test_employer_file_columns_hours_and_cpd_hours(rw: ReportWorld, client, sign_in):
    sign_in(rw.manager)
    response = client.get(f"/organisations/{rw.trust.id}/export/employer-attendance.csv")
    assert (
        headings(response)
        == list(EMPLOYER_COLUMNS)
        == [
            "Name",
            "Service number",
            "Organisation",
            "Course",
            "Session date",
            "Hours",
            "CPD hours",
            "Attendance",
        ]
    )
    rows = {row["Name"]: row for row in read_csv(response)}
    assert set(rows) == {"Ada Archer", "Bea Baker"}  # not the other organisation's person
    day = rw.session.starts_at.date().isoformat()
    assert rows["Ada Archer"] == {
        "Name": "Ada Archer",
        "Service number": "",
        "Organisation": "Riverside Trust",
        "Course": "Foundations",
        "Session date": day,
        "Hours": "1.50",
        "CPD hours": "1.50",
        "Attendance": "Present",
    }
    assert rows["Bea Baker"]["Service number"] == "SN-042"
    assert rows["Bea Baker"]["Organisation"] == "Ward 3"
    assert (rows["Bea Baker"]["Hours"], rows["Bea Baker"]["CPD hours"]) == ("1.50", "0.75")
    assert rows["Bea Baker"]["Attendance"] == "Part of the session"


def test_cancelled_and_future_sessions_never_count(rw: ReportWorld, client, sign_in):
    later = add_session(rw.cohort, "Next week", rw.session.starts_at + timedelta(days=30))
    register(later, rw.ada, None)
    sign_in(rw.facilitator)
    rows = read_csv(client.get(f"/facilitate/cohorts/{rw.cohort.id}/export/attendance.csv"))
    assert {row["Session"] for row in rows} == {"Opening circle"}
    # The cohort's report includes everyone on the cohort, whatever their organisation.
    assert {row["Name"] for row in rows} == {"Ada Archer", "Bea Baker", "Oona Outsider"}
    assert next(r for r in rows if r["Name"] == "Oona Outsider")["CPD hours"] == "0.00"


def test_per_session_and_per_date_range(rw: ReportWorld, client, sign_in):
    second = add_session(rw.cohort, "Second circle", rw.session.starts_at + timedelta(days=1))
    register(second, rw.ada, "excused")
    register(second, rw.bea, None)
    sign_in(rw.facilitator)
    url = f"/facilitate/cohorts/{rw.cohort.id}/export/employer-attendance.csv"
    one = read_csv(client.get(url, query_string={"session": second.id}))
    assert {(r["Name"], r["Attendance"], r["CPD hours"]) for r in one} == {
        ("Ada Archer", "Excused", "0.00"),
        ("Bea Baker", "Not recorded", "0.00"),
    }
    day = second.starts_at.date().isoformat()
    ranged = read_csv(client.get(url, query_string={"from": day, "to": day}))
    assert {r["Session date"] for r in ranged} == {day}
    report = client.get(f"/facilitate/cohorts/{rw.cohort.id}/report").get_data(as_text=True)
    assert f"session={second.id}" in report  # each session links its own file


def test_name_only_bookings_appear_in_the_cohort_report_not_the_organisations(
    rw: ReportWorld, client, sign_in
):
    from lms.extensions import db
    from lms.live.models import Attendance, Booking

    booking = Booking(session_id=rw.session.id, name="Visitor Val", status="booked")
    db.session.add(booking)
    db.session.flush()
    db.session.add(Attendance(session_id=rw.session.id, booking_id=booking.id, status="present"))
    db.session.flush()
    sign_in(rw.facilitator)
    cohort_rows = read_csv(
        client.get(f"/facilitate/cohorts/{rw.cohort.id}/export/employer-attendance.csv")
    )
    assert "Visitor Val" in {r["Name"] for r in cohort_rows}
    sign_in(rw.manager)
    org_rows = read_csv(client.get(f"/organisations/{rw.trust.id}/export/employer-attendance.csv"))
    assert "Visitor Val" not in {r["Name"] for r in org_rows}
