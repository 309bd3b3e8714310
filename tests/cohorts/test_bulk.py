"""Bulk enrolment end to end: upload, dry-run preview, confirm in one transaction, code sheet."""

from __future__ import annotations

import io
import re

import pytest
from sqlalchemy import select

from lms.accounts.models import OneTimeCode, User
from lms.accounts.services import redeem_one_time_code
from lms.cohorts import services as cohorts
from lms.cohorts.models import BulkEnrolmentUpload, Enrolment
from lms.extensions import db
from lms.testing.fixtures import count_queries
from tests.cohorts.conftest import enrolment_of, snapshot, text

CODE = re.compile(r"\b([A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{2})\b")


def upload_file(client, cohort, data: bytes, filename: str = "people.csv"):
    return client.post(
        f"/facilitate/cohorts/{cohort.id}/bulk",
        data={"file": (io.BytesIO(data), filename)},
        content_type="multipart/form-data",
    )


def confirm(client, place, upload=None):
    upload = upload or latest_upload()
    return client.post(f"/facilitate/cohorts/{place.cohort.id}/bulk/{upload.id}/confirm")


def latest_upload() -> BulkEnrolmentUpload:
    db.session.expire_all()
    upload = db.session.scalar(select(BulkEnrolmentUpload).order_by(BulkEnrolmentUpload.id.desc()))
    assert upload is not None
    return upload


@pytest.fixture
def people(place, factories):
    """Someone with an account in the organisation, someone already enrolled, and someone
    who belongs to another organisation."""
    f = factories
    known = f.user("Kay Known", email="kay@example.org", organisation=place.org)
    enrolled = f.user("Eli Enrolled", username="eli.e", organisation=place.org)
    f.enrol(enrolled, place.cohort)
    elsewhere = f.user("Oona Other", email="oona@example.org", organisation=place.other_org)
    return known, enrolled, elsewhere


MIXED = (
    b"Name,Email,Username,Organisation,Service number\n"
    b"Nia New,NIA@example.org,,Northfield Trust,\n"  # 2 new account, email
    b"Pat Prison,,pat.p,northfield trust,A123\n"  # 3 new account, one-time code
    b"Kay Known,kay@example.org,,Northfield Trust,\n"  # 4 existing account
    b"Eli Enrolled,,eli.e,Northfield Trust,\n"  # 5 already enrolled
    b",nobody@example.org,,Northfield Trust,\n"  # 6 missing name
    b"No Contact,,,Northfield Trust,\n"  # 7 neither email nor username
    b"Bad Email,not-an-email,,Northfield Trust,\n"  # 8 invalid email
    b"Bad Username,,Has Spaces,Northfield Trust,\n"  # 9 bad username
    b"Lost Soul,lost@example.org,,Nowhere House,\n"  # 10 unknown organisation
    b"Nia Again,nia@example.org,,Northfield Trust,\n"  # 11 duplicate of line 2
    b"Oona Other,oona@example.org,,Northfield Trust,\n"  # 12 another organisation
)


def test_preview_lists_what_will_happen_row_by_row_and_writes_no_people(
    as_facilitator, place, people
):
    before = snapshot()
    response = upload_file(as_facilitator, place.cohort, MIXED)
    upload = latest_upload()
    assert response.status_code == 303
    assert response.headers["Location"].endswith(
        f"/facilitate/cohorts/{place.cohort.id}/bulk/{upload.id}"
    )
    after = snapshot()
    assert after.pop("BulkEnrolmentUpload") == before.pop("BulkEnrolmentUpload") + 1
    assert after == before  # no people, memberships, enrolments or codes yet
    actions = {row["line"]: (row["action"], row.get("reason", "")) for row in upload.rows}
    assert actions["2"][0] == actions["3"][0] == "new"
    assert actions["4"][0] == "existing"
    assert actions["5"][0] == "enrolled"
    reasons = {line: reason for line, (action, reason) in actions.items() if action == "error"}
    assert "name is missing" in reasons["6"]
    assert "email address or a username" in reasons["7"]
    assert "isn't a valid email address" in reasons["8"]
    assert "can't be a username" in reasons["9"]
    assert "no organisation called “Nowhere House”" in reasons["10"]
    assert "same email as line 2" in reasons["11"]
    assert "different organisation" in reasons["12"]
    page = text(as_facilitator.get(response.headers["Location"]))
    assert "2</strong> new accounts" in page and "7</strong> rows with a problem" in page
    assert "Confirm and enrol" in page
    # Every new person gets a code for the name they will sign in with; the site sends no email.
    assert "Gets a one-time sign-in code for nia@example.org" in page
    assert "Gets a one-time sign-in code for pat.p" in page
    assert "one card for each new person" in page and "doesn't send email" in page
    for reason in reasons.values():
        assert reason in page


def test_confirm_applies_everything_at_once_and_shows_codes_once(as_facilitator, place, people):
    upload_file(as_facilitator, place.cohort, MIXED)
    upload = latest_upload()
    response = as_facilitator.post(
        f"/facilitate/cohorts/{place.cohort.id}/bulk/{upload.id}/confirm"
    )
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    page = text(response)
    cards = sheet_cards(page)
    assert set(cards) == {"Nia New", "Pat Prison"}  # a card for each new account, none for Kay
    assert cards["Pat Prison"][0] == "pat.p" and cards["Nia New"][0] == "nia@example.org"
    codes = [cards["Pat Prison"][1]]
    assert "http://lms.test/sign-in/code" in page
    assert "Use it before" in page and "Europe/London" in page.replace(" ", "_")
    assert "3 people enrolled" in page and "2 new accounts" in page and "7 rows" in page

    nia = db.session.scalar(select(User).where(User.email == "nia@example.org"))
    pat = db.session.scalar(select(User).where(User.username == "pat.p"))
    known, _enrolled, elsewhere = people
    for person in (nia, pat, known):
        enrolment = enrolment_of(person, place.cohort)
        assert enrolment is not None and (enrolment.status, enrolment.source) == ("active", "csv")
    assert enrolment_of(elsewhere, place.cohort) is None
    assert pat.memberships[0].organisation_id == place.org.id
    assert pat.memberships[0].service_number == "A123" and pat.password_hash is None
    assert redeem_one_time_code("pat.p", codes[0]).id == pat.id

    # The preview page, afterwards, says what was done but never shows the code again.
    again = text(as_facilitator.get(f"/facilitate/cohorts/{place.cohort.id}/bulk/{upload.id}"))
    assert codes[0] not in again and "shown once" in again and "Confirm and enrol" not in again


def sheet_cards(page: str) -> dict[str, tuple[str, str]]:
    """The code sheet's cards: name -> (what they sign in with, their code)."""
    found = re.findall(
        r"Signing in for ([^<]+)</h2>.*?<dt>Sign in with</dt><dd[^>]*>([^<]+)</dd>\s*"
        r"<dt>Your one-time code</dt><dd[^>]*>([A-Z0-9-]+)</dd>",
        page,
        flags=re.S,
    )
    return {name: (sign_in_name, code) for name, sign_in_name, code in found}


def test_a_new_person_with_email_signs_in_with_the_code_and_chooses_a_password(
    app, as_facilitator, place
):
    data = b"name,email,organisation\nNia New,nia@example.org,Northfield Trust\n"
    upload_file(as_facilitator, place.cohort, data)
    card = sheet_cards(text(confirm(as_facilitator, place)))["Nia New"]
    assert card[0] == "nia@example.org"

    nia = app.test_client()  # another browser
    # Without a password, the email address alone gets nobody in.
    refused = nia.post("/sign-in", data={"name": "nia@example.org", "password": "anything at all"})
    assert refused.status_code == 200 and "don't match an account" in text(refused)
    response = nia.post("/sign-in/code", data={"username": "NIA@example.org", "code": card[1]})
    assert response.status_code == 303 and response.headers["Location"].endswith("/welcome")
    welcome = text(nia.get("/welcome"))
    assert "your email address, <strong>nia@example.org</strong>" in welcome
    secret = "a long walk by the river"
    done = nia.post("/welcome", data={"kind": "password", "password": secret, "confirm": secret})
    assert done.status_code == 303
    assert "sign in with your email address and your password" in text(nia.get("/"))
    nia.post("/sign-out")
    again = nia.post("/sign-in", data={"name": "nia@example.org", "password": secret})
    assert again.status_code == 303
    # The code worked once.
    nia.post("/sign-out")
    used = nia.post("/sign-in/code", data={"username": "nia@example.org", "code": card[1]})
    assert "no longer works" in text(used)


def test_people_with_email_and_no_password_can_be_given_codes(as_facilitator, place, factories):
    """Accounts made by a file before every new account got a code can still be let in."""
    waiting = factories.user(
        "Em Ail", email="em@example.org", password=None, organisation=place.org
    )
    factories.enrol(waiting, place.cohort)
    page = text(as_facilitator.get(f"/facilitate/cohorts/{place.cohort.id}/codes"))
    assert "Em Ail" in page
    response = as_facilitator.post(
        f"/facilitate/cohorts/{place.cohort.id}/codes", data={"people": [waiting.id]}
    )
    card = sheet_cards(text(response))["Em Ail"]
    assert card[0] == "em@example.org"
    assert redeem_one_time_code("em@example.org", card[1]).id == waiting.id


def test_confirming_twice_does_nothing_the_second_time(as_facilitator, place, people):
    upload_file(as_facilitator, place.cohort, MIXED)
    upload = latest_upload()
    url = f"/facilitate/cohorts/{place.cohort.id}/bulk/{upload.id}/confirm"
    as_facilitator.post(url)
    before = snapshot()
    second = as_facilitator.post(url)
    assert second.status_code == 303
    assert snapshot() == before
    assert "already been applied" in text(as_facilitator.get(second.headers["Location"]))
    assert cohorts.apply_upload(place.facilitator, latest_upload()).already_applied


def test_nothing_is_half_applied_when_something_changed_since_the_preview(
    as_facilitator, place, factories
):
    data = b"name,username,organisation\nAmy,amy.a,Northfield Trust\nBen,ben.b,Northfield Trust\n"
    upload_file(as_facilitator, place.cohort, data)
    upload = latest_upload()
    # Meanwhile someone else gives "ben.b" to a person of another organisation.
    factories.user("Ben Elsewhere", username="ben.b", organisation=place.other_org)
    before = snapshot()
    response = as_facilitator.post(
        f"/facilitate/cohorts/{place.cohort.id}/bulk/{upload.id}/confirm"
    )
    assert response.status_code == 303
    assert snapshot() == before
    assert latest_upload().applied_at is None
    page = text(as_facilitator.get(response.headers["Location"]))
    assert "changed since the preview (line 3)" in page and "Nothing was changed" in page


def test_capacity_marks_the_rows_that_do_not_fit(as_facilitator, place, factories):
    place.cohort.capacity = 3
    factories.enrol(factories.user(), place.cohort)
    data = b"name,email,organisation\n" + b"".join(
        f"P{i},p{i}@example.org,Northfield Trust\n".encode() for i in range(4)
    )
    upload_file(as_facilitator, place.cohort, data)
    rows = latest_upload().rows
    assert [r["action"] for r in rows] == ["new", "new", "error", "error"]
    assert "cohort is full" in rows[2]["reason"]
    confirm(as_facilitator, place)
    assert cohorts.places_taken(place.cohort) == 3


def test_someone_who_withdrew_is_re_enrolled_and_a_person_without_organisation_joins(
    as_facilitator, place, factories
):
    gone = factories.user("Gil Gone", email="gil@example.org", organisation=place.org)
    factories.enrol(gone, place.cohort, status="withdrawn")
    loose = factories.user("Lou Loose", email="lou@example.org")
    data = (
        b"name,email,organisation\n"
        b"Gil,gil@example.org,Northfield Trust\n"
        b"Lou,lou@example.org,Northfield Trust\n"
    )
    upload_file(as_facilitator, place.cohort, data)
    assert [r["action"] for r in latest_upload().rows] == ["existing", "existing"]
    confirm(as_facilitator, place)
    assert enrolment_of(gone, place.cohort).status == "active"
    assert enrolment_of(loose, place.cohort).status == "active"
    db.session.refresh(loose)
    assert [m.organisation_id for m in loose.memberships] == [place.org.id]


@pytest.mark.parametrize(
    ("data", "filename", "words"),
    [
        (b"", "empty.csv", "This file is empty"),
        (b"name,organisation\nSam,X\n", "people.csv", "needs columns called"),
        (b"PK\x03\x04\x14\x00", "people.xlsx", "Excel workbook"),
        (b"\x00\x01\x02binary", "photo.csv", "isn't plain text"),
    ],
)
def test_bad_files_are_explained_and_nothing_is_stored(
    as_facilitator, place, data, filename, words
):
    before = snapshot()
    response = upload_file(as_facilitator, place.cohort, data, filename)
    assert response.status_code == 400
    assert words in text(response)
    assert snapshot() == before


def test_no_file_chosen(as_facilitator, place):
    before = snapshot()
    response = as_facilitator.post(f"/facilitate/cohorts/{place.cohort.id}/bulk", data={})
    assert response.status_code == 400
    assert "Please choose a CSV file" in text(response)
    assert snapshot() == before


def test_ten_thousand_rows_get_a_clear_too_many_rows_message(as_facilitator, place):
    data = b"name,email,organisation\n" + b"".join(
        f"P{i},p{i}@example.org,Northfield Trust\n".encode() for i in range(10_000)
    )
    before = snapshot()
    response = upload_file(as_facilitator, place.cohort, data)
    assert response.status_code == 400
    assert "10,000 rows" in text(response) and "5,000" in text(response)
    assert snapshot() == before


def test_a_file_over_the_size_limit(app, as_facilitator, place):
    app.config["BULK_ENROLMENT_MAX_BYTES"] = 1024
    try:
        response = upload_file(as_facilitator, place.cohort, b"name,email,organisation\n" * 100)
    finally:
        del app.config["BULK_ENROLMENT_MAX_BYTES"]
    assert response.status_code == 400
    assert "the most we can take at once is 1 KB" in text(response)


def test_wrong_encoding_is_read_as_windows_text_and_said(as_facilitator, place):
    data = "name,email,organisation\nZoë,zoe@example.org,Northfield Trust\n".encode("cp1252")
    response = upload_file(as_facilitator, place.cohort, data)
    page = text(as_facilitator.get(response.headers["Location"]))
    assert "Zoë" in page and "cp1252" in page


def test_checking_ten_thousand_rows_takes_a_fixed_number_of_queries(app, db, place, factories):
    for i in range(0, 50):
        factories.user(f"Known {i}", email=f"p{i}@example.org", organisation=place.org)
    app.config["BULK_ENROLMENT_MAX_ROWS"] = 10_000
    orgs = ["Northfield Trust", "Elsewhere Centre", "Nowhere"]
    data = b"name,email,organisation\n" + b"".join(
        f"P{i},p{i}@example.org,{orgs[i % 3]}\n".encode() for i in range(10_000)
    )
    small = b"name,email,organisation\nP1,p1@example.org,Northfield Trust\n"
    try:
        cohorts.preview_upload(place.facilitator, place.cohort, filename="warm.csv", data=small)
        with count_queries() as few:
            cohorts.preview_upload(place.facilitator, place.cohort, filename="a.csv", data=small)
        with count_queries() as many:
            upload = cohorts.preview_upload(
                place.facilitator, place.cohort, filename="b.csv", data=data
            )
    finally:
        del app.config["BULK_ENROLMENT_MAX_ROWS"]
    assert len(upload.rows) == 10_000
    assert len(many) == len(few) <= 12, (few, many)
    assert sum(1 for r in upload.rows if r["action"] == "existing") == 17  # p0..p48, every third


def test_only_people_who_run_the_cohort_can_see_an_upload(client, sign_in, place, factories):
    upload = cohorts.preview_upload(
        place.facilitator,
        place.cohort,
        filename="a.csv",
        data=b"name,email,organisation\nSecret Person,secret@example.org,Northfield Trust\n",
    )
    other = factories.cohort(place.course, facilitators=[factories.user()])
    sign_in(other.facilitators[0])
    assert client.get(f"/facilitate/cohorts/{place.cohort.id}/bulk/{upload.id}").status_code == 403
    # An upload can't be reached through another cohort's address either.
    assert client.get(f"/facilitate/cohorts/{other.id}/bulk/{upload.id}").status_code == 404


def test_code_users_from_the_sheet_can_be_given_new_codes(as_facilitator, place):
    upload_file(
        as_facilitator, place.cohort, b"name,username,organisation\nPat,pat.p,Northfield Trust\n"
    )
    first = CODE.findall(
        text(
            as_facilitator.post(
                f"/facilitate/cohorts/{place.cohort.id}/bulk/{latest_upload().id}/confirm"
            )
        )
    )
    page = text(as_facilitator.get(f"/facilitate/cohorts/{place.cohort.id}/codes"))
    assert "Pat" in page
    pat = db.session.scalar(select(User).where(User.username == "pat.p"))
    response = as_facilitator.post(
        f"/facilitate/cohorts/{place.cohort.id}/codes", data={"people": [pat.id]}
    )
    second = CODE.findall(text(response))
    assert len(second) == 1 and second != first
    assert response.headers["Cache-Control"] == "no-store"
    live = db.session.scalars(
        select(OneTimeCode).where(OneTimeCode.user_id == pat.id, OneTimeCode.used_at.is_(None))
    ).all()
    assert len(live) == 2  # the first one was ended when the second was issued
    assert redeem_one_time_code("pat.p", second[0]).id == pat.id


def test_no_codes_for_people_with_a_password_and_none_chosen(as_facilitator, place, factories):
    person = factories.user("Has Password", username="has.pw", organisation=place.org)
    factories.enrol(person, place.cohort)
    page = text(as_facilitator.get(f"/facilitate/cohorts/{place.cohort.id}/codes"))
    assert "Has Password" not in page and "no codes to print" in page
    waiting = factories.user("Wai Ting", username="wai.t", password=None, organisation=place.org)
    factories.enrol(waiting, place.cohort)
    before = snapshot()
    response = as_facilitator.post(f"/facilitate/cohorts/{place.cohort.id}/codes", data={})
    assert response.status_code == 200 and snapshot() == before
    assert "Please choose at least one person" in text(response)
    refused = as_facilitator.post(
        f"/facilitate/cohorts/{place.cohort.id}/codes", data={"people": [person.id]}
    )
    assert "nobody to print a code for" in text(refused) and snapshot() == before


def test_example_file_downloads(as_facilitator, place):
    response = as_facilitator.get(f"/facilitate/cohorts/{place.cohort.id}/bulk/template.csv")
    assert response.mimetype == "text/csv"
    assert response.get_data(as_text=True).startswith("name,email,username,organisation")


def test_enrolments_made_by_a_file_are_counted_by_source(as_facilitator, place):
    upload_file(
        as_facilitator, place.cohort, b"name,email,organisation\nA,a@example.org,Northfield Trust\n"
    )
    confirm(as_facilitator, place)
    sources = db.session.scalars(
        select(Enrolment.source).where(Enrolment.cohort_id == place.cohort.id)
    ).all()
    assert sources == ["csv"]


def test_the_codes_page_ticks_everyone_waiting(as_facilitator, place, factories):
    waiting = factories.user("Wai Ting", username="wai.t", password=None, organisation=place.org)
    factories.enrol(waiting, place.cohort)
    page = text(as_facilitator.get(f"/facilitate/cohorts/{place.cohort.id}/codes"))
    assert re.search(rf'<input checked[^>]*value="{waiting.id}"', page)
