"""Every form, fuzzed: arbitrary text, unicode, very long, empty and NUL-carrying values,
repeated, extra and missing fields. No response is a 500; a request either succeeds (a
redirect, or the one-time code sheet) or writes nothing at all.

Each example runs in a savepoint that is rolled back, so every example starts from the
same world.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lms.accounts.models import MEMBERSHIP_ROLES, ORGANISATION_TYPES, REGIONS
from tests.route_tables.certificates import certificate_id
from tests.security.conftest import SecurityWorld
from tests.security.helpers import (
    PASSWORD,
    html_problems,
    rolled_back,
    snapshot_changes,
    table_snapshot,
)

FUZZ = settings(
    max_examples=30,
    deadline=None,
    database=None,  # nothing written to the working tree
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

_chars = st.characters(exclude_categories=["Cs"])  # lone surrogates can't be sent
ODD = st.sampled_from(
    [
        "",
        " ",
        "\x00",
        "a\x00b",
        "\x00" * 20,
        "\u202eevil",
        "\ufeff",
        "\U0001f642" * 40,
        "A" * 70_000,
        "%00",
        "' OR '1'='1' --",
        "../../../etc/passwd",
        "{{ 7 * 7 }}",
        "<script>alert(1)</script>",
        "\r\n\r\nSet-Cookie: x=1",
        "0",
        "-1",
        "9" * 5000,
        "9" * 20,
        "-" + "9" * 20,
        "9223372036854775808",
        "1e309",
        "NaN",
        "None",
        "İstanbul ß ǅ",
        "\t\v\f",
        "\\",
    ]
)
TEXT = st.one_of(
    st.text(_chars, max_size=40),
    st.text(_chars, min_size=100, max_size=3000),
    ODD,
    st.integers().map(str),
)


def value(plausible: list[str] | None = None) -> st.SearchStrategy[Any]:
    """One field's value: a plausible one, anything, or the field repeated."""
    options: list[st.SearchStrategy[Any]] = [TEXT, st.lists(TEXT, min_size=2, max_size=3)]
    if plausible:
        options.insert(0, st.sampled_from(plausible))
    return st.one_of(*options)


def form(fields: dict[str, list[str] | None]) -> st.SearchStrategy[dict[str, Any]]:
    """Any subset of ``fields`` (each plausible or arbitrary), plus maybe some extra ones."""
    chosen = st.fixed_dictionaries({}, optional={k: value(v) for k, v in fields.items()})
    extra = st.dictionaries(st.text(_chars, min_size=1, max_size=15), value(), max_size=2)
    return st.tuples(extra, chosen).map(lambda pair: {**pair[0], **pair[1]})


@dataclass
class Form:
    role: str
    url: Callable[[SecurityWorld], str]
    fields: Callable[[SecurityWorld], dict[str, list[str] | None]]
    session: dict[str, Any] = field(default_factory=dict)
    #: Fields sent as an uploaded file (multipart), with the value as the file's content.
    files: tuple[str, ...] = ()

    def post(self, client: Any, url: str, body: dict[str, Any]) -> Any:
        if not self.files:
            return client.post(url, data=body)
        data = dict(body)
        for name in self.files:
            if name in data:
                values = data[name] if isinstance(data[name], list) else [data[name]]
                data[name] = [
                    (io.BytesIO(str(v).encode("utf-8", "surrogatepass")), "people.csv")
                    for v in values
                ]
        return client.post(url, data=data, content_type="multipart/form-data")


def _ids(sw: SecurityWorld) -> list[str]:
    return [str(sw.org.id), str(sw.other_org.id), "", "0", "-5", "99999"]


def _step(sw: SecurityWorld, step: Any) -> str:
    return f"/courses/{step.module.course.slug}/steps/{step.key}"


# -- the cohort and live-session world: made once per test, below every example's savepoint


def _memo(sw: SecurityWorld, key: str, make: Callable[[], Any]) -> Any:
    made = sw.__dict__.setdefault("_fuzz", {})
    if key not in made:
        made[key] = make()
    return made[key]


def _session(sw: SecurityWorld) -> Any:
    """A session of the world's cohort a week away, with the learner booked on it."""

    def make() -> Any:
        from lms.live import services as live

        start = datetime.now(UTC) + timedelta(days=7)
        made = live.schedule_session(
            sw.facilitator,
            cohort=sw.cohort,
            title="Fuzzed session",
            starts_at=start,
            ends_at=start + timedelta(hours=1),
            timezone="Europe/London",
            online_url="https://teams.microsoft.com/l/meetup-join/fuzz",
            capacity=10,
        )
        live.book(sw.learner, made)
        return made

    return _memo(sw, "session", make)


def _booking_id(sw: SecurityWorld) -> int:
    from lms.live import services as live

    session = _session(sw)
    return _memo(sw, "booking", lambda: live.bookings_of(session)[0].id)


def _enrolment_id(sw: SecurityWorld) -> int:
    from sqlalchemy import select

    from lms.cohorts.models import Enrolment
    from lms.extensions import db

    return _memo(
        sw,
        "enrolment",
        lambda: db.session.scalar(
            select(Enrolment.id).where(
                Enrolment.user_id == sw.learner.id, Enrolment.cohort_id == sw.cohort.id
            )
        ),
    )


def _cohort_of(sw: SecurityWorld, mode: str) -> Any:
    from lms.testing.factories import Factories

    return _memo(
        sw, f"cohort-{mode}", lambda: Factories().cohort(sw.course, enrolment_mode=mode, capacity=5)
    )


def _upload_id(sw: SecurityWorld) -> int:
    """A checked upload of the world's cohort: one new person, one row with a problem."""
    from lms.cohorts import services as cohorts

    data = (
        "name,email,username,organisation\n"
        f"Nia New,nia.new@example.org,,{sw.org.name}\n"
        "Lost,lost@example.org,,Nowhere\n"
    ).encode()
    return _memo(
        sw,
        "upload",
        lambda: cohorts.preview_upload(sw.facilitator, sw.cohort, filename="p.csv", data=data).id,
    )


def _cohort_fields(sw: SecurityWorld) -> dict[str, list[str] | None]:
    return {
        "course": [str(sw.course.id), "", "0", "99999"],
        "name": ["Fuzz cohort"],
        "starts_on": ["2027-01-31", "31/01/2027", "2027-02-30", "tomorrow"],
        "ends_on": ["2027-03-01", "01/03/2027", "2026-01-01"],
        "timezone": ["Europe/London", "UTC", "Mars/Olympus", ""],
        "facilitators": [str(sw.facilitator.id), str(sw.learner.id), "99999", "x"],
        "add_facilitators": [sw.other_facilitator.email, "nobody@example.org, ,,"],
        "capacity": ["12", "0", "-3", "²", "9" * 30, "9" * 5000, ""],
        "enrolment_mode": ["open", "invitation", "manager", "everyone"],
        "plugins": ["feedback", "nope"],
    }


def _details_fields(sw: SecurityWorld) -> dict[str, list[str] | None]:
    return {
        "title": ["Reflective practice"],
        "description": ["What we will do."],
        "online_url": ["https://teams.microsoft.com/l/x", "javascript:alert(1)", "ftp://x"],
        "venue": ["Room 3"],
        "access_notes": ["Bring ID."],
        "capacity": ["12", "0", "²", "٣", "9" * 30, "9" * 5000, "-1", ""],
    }


def _times_fields(sw: SecurityWorld) -> dict[str, list[str] | None]:
    later = (datetime.now(UTC) + timedelta(days=20)).date().isoformat()
    return {
        "date": [later, "2020-01-01", "2027-02-30", "31/01/2027"],
        "start_time": ["10:00", "25:00", "9", "10:00:00"],
        "end_time": ["11:30", "09:00", "24:00"],
        "timezone": ["Europe/London", "America/Cayman", "Nowhere/Else", ""],
        "deadline_date": [later, "2020-01-01", ""],
        "deadline_time": ["17:00", "", "99:99"],
    }


def _register_fields(sw: SecurityWorld) -> dict[str, list[str] | None]:
    booking = _booking_id(sw)
    return {
        f"status-{booking}": ["present", "partial", "absent", "excused", "cancelled", "gone"],
        f"minutes-{booking}": ["30", "0", "-5", "²", "٣", "9" * 30, "9" * 5000, "60.5"],
        "status-99999": ["present"],
    }


COHORT_AND_LIVE_FORMS: dict[str, Form] = {
    "cohort: new": Form("facilitator", lambda sw: "/facilitate/cohorts/new", _cohort_fields),
    "cohort: edit": Form(
        "facilitator", lambda sw: f"/facilitate/cohorts/{sw.cohort.id}/edit", _cohort_fields
    ),
    "cohort: enrol someone": Form(
        "facilitator",
        lambda sw: f"/facilitate/cohorts/{sw.cohort.id}/enrol",
        lambda sw: {"person": [sw.other_learner.email, "nobody", sw.learner.email]},
    ),
    "cohort: withdraw": Form(
        "facilitator",
        lambda sw: f"/facilitate/cohorts/{sw.cohort.id}/enrolments/{_enrolment_id(sw)}/withdraw",
        lambda sw: {"reason": ["Moved jobs."]},
    ),
    "cohort: defer": Form(
        "facilitator",
        lambda sw: f"/facilitate/cohorts/{sw.cohort.id}/enrolments/{_enrolment_id(sw)}/defer",
        lambda sw: {
            "cohort": [str(sw.peer_cohort.id), str(sw.cohort.id), "", "99999"],
            "reason": ["Later suits them."],
        },
    ),
    "cohort: re-enrol": Form(
        "facilitator",
        lambda sw: f"/facilitate/cohorts/{sw.cohort.id}/enrolments/{_enrolment_id(sw)}/reenrol",
        lambda sw: {},
    ),
    "cohort: print codes": Form(
        "facilitator",
        lambda sw: f"/facilitate/cohorts/{sw.cohort.id}/codes",
        lambda sw: {"people": [str(sw.learner.id), "99999", "", "x"]},
    ),
    "cohort: bulk upload": Form(
        "facilitator",
        lambda sw: f"/facilitate/cohorts/{sw.cohort.id}/bulk",
        lambda sw: {
            "file": [
                f"name,email,organisation\nNia,nia@example.org,{sw.org.name}\n",
                "name,username,organisation\nPat,pat.p,Nowhere\n",
                "name;email;organisation\nA;a@example.org;" + sw.org.name,
                "PK\x03\x04 not really a workbook",
                "",
            ]
        },
        files=("file",),
    ),
    "cohort: bulk confirm": Form(
        "facilitator",
        lambda sw: f"/facilitate/cohorts/{sw.cohort.id}/bulk/{_upload_id(sw)}/confirm",
        lambda sw: {},
    ),
    "cohort: bulk delete": Form(
        "facilitator",
        lambda sw: f"/facilitate/cohorts/{sw.cohort.id}/bulk/{_upload_id(sw)}/delete",
        lambda sw: {},
    ),
    "cohort: join an open cohort": Form(
        "other_learner", lambda sw: f"/cohorts/{_cohort_of(sw, 'open').id}/join", lambda sw: {}
    ),
    "manager: book places": Form(
        "manager",
        lambda sw: f"/organisations/{sw.org.id}/book/{_cohort_of(sw, 'manager').id}",
        lambda sw: {"people": [str(sw.learner.id), str(sw.other_learner.id), "99999", "x"]},
    ),
    "session: new": Form(
        "facilitator",
        lambda sw: f"/cohorts/{sw.cohort.id}/sessions/new",
        lambda sw: {**_details_fields(sw), **_times_fields(sw)},
    ),
    "session: edit": Form(
        "facilitator", lambda sw: f"/sessions/{_session(sw).id}/edit", _details_fields
    ),
    "session: reschedule": Form(
        "facilitator", lambda sw: f"/sessions/{_session(sw).id}/reschedule", _times_fields
    ),
    "session: cancel": Form(
        "facilitator",
        lambda sw: f"/sessions/{_session(sw).id}/cancel",
        lambda sw: {"reason": ["Cancelled by the establishment: staffing"]},
    ),
    "session: book": Form("learner", lambda sw: f"/sessions/{_session(sw).id}/book", lambda sw: {}),
    "booking: cancel": Form(
        "learner", lambda sw: f"/bookings/{_booking_id(sw)}/cancel", lambda sw: {}
    ),
    "register": Form(
        "facilitator", lambda sw: f"/sessions/{_session(sw).id}/register", _register_fields
    ),
    "register: add someone": Form(
        "facilitator",
        lambda sw: f"/sessions/{_session(sw).id}/register/add",
        lambda sw: {
            "person": [str(sw.learner.id), str(sw.other_learner.id), "99999", "x", ""],
            "name": ["Officer Dana Reid", ""],
        },
    ),
    "calendar: new link": Form("learner", lambda sw: "/calendar/link", lambda sw: {}),
    "calendar: revoke link": Form("learner", lambda sw: "/calendar/revoke", lambda sw: {}),
}

FORMS: dict[str, Form] = {
    "sign in": Form(
        "anonymous",
        lambda sw: "/sign-in",
        lambda sw: {
            "name": [sw.learner.email, "nobody@example.org"],
            "password": ["wrong password", ""],
            "remember": ["y"],
            "next": ["/", "//evil.example", "https://evil.example", "/\\evil.example"],
        },
    ),
    "sign in with code": Form(
        "anonymous",
        lambda sw: "/sign-in/code",
        lambda sw: {"username": ["lena", sw.learner.email], "code": ["ABCD-EFGH-JK"]},
    ),
    "welcome (set password)": Form(
        "learner",
        lambda sw: "/welcome",
        lambda sw: {
            "kind": ["password", "pin"],
            "password": ["a lovely long passphrase", "246813"],
            "confirm": ["a lovely long passphrase", "246813"],
        },
        session={"must_set_password": True},
    ),
    "account details": Form(
        "learner",
        lambda sw: "/account",
        lambda sw: {
            "display_name": ["Lena L."],
            "pronouns": ["she/her"],
            "legal_name": ["Lena Learner-Smith"],
        },
    ),
    "change password": Form(
        "learner",
        lambda sw: "/account/password",
        lambda sw: {
            "current_password": [PASSWORD],
            "kind": ["password", "pin"],
            "new_password": ["a lovely long passphrase"],
            "confirm": ["a lovely long passphrase"],
        },
    ),
    "admin: new organisation": Form(
        "admin",
        lambda sw: "/admin/organisations/new",
        lambda sw: {
            "name": ["Fuzz House"],
            "type": list(ORGANISATION_TYPES),
            "region": list(REGIONS),
            "parent": _ids(sw),
        },
    ),
    "admin: edit organisation": Form(
        "admin",
        lambda sw: f"/admin/organisations/{sw.org.id}/edit",
        lambda sw: {
            "name": ["Northfield Renamed", sw.other_org.name],
            "type": list(ORGANISATION_TYPES),
            "region": list(REGIONS),
            "parent": _ids(sw),
        },
    ),
    "admin: new person": Form(
        "admin",
        lambda sw: "/admin/people/new",
        lambda sw: {
            "display_name": ["Nia New"],
            "email": ["nia@example.org", sw.learner.email, "not an email"],
            "username": ["nia.new", "x"],
            "no_email": ["y"],
            "password": ["a lovely long passphrase"],
            "organisation": _ids(sw),
            "role": list(MEMBERSHIP_ROLES),
            "service_number": ["A1234"],
        },
    ),
    "admin: person details": Form(
        "admin",
        lambda sw: f"/admin/people/{sw.learner.id}/details",
        lambda sw: {
            "display_name": ["Lena Renamed"],
            "email": ["lena.new@example.org", sw.other_learner.email],
            "username": ["lena.l"],
        },
    ),
    "admin: add membership": Form(
        "admin",
        lambda sw: f"/admin/people/{sw.learner.id}/memberships",
        lambda sw: {
            "organisation": _ids(sw),
            "role": list(MEMBERSHIP_ROLES),
            "service_number": ["B-77"],
        },
    ),
    "admin: set admin": Form(
        "admin",
        lambda sw: f"/admin/people/{sw.learner.id}/admin",
        lambda sw: {"admin": ["yes", "no"]},
    ),
    "reflection": Form(
        "learner",
        lambda sw: _step(sw, sw.reflection_step) + "/reflection",
        lambda sw: {"body": ["A thought."], "share": ["yes"]},
    ),
    "reflection sharing": Form(
        "learner",
        lambda sw: f"/reflections/{sw.reflection.id}/sharing",
        lambda sw: {"share": ["yes", "no"]},
    ),
    "quiz": Form(
        "learner",
        lambda sw: _step(sw, sw.quiz_step) + "/quiz",
        lambda sw: {"q0": ["1", "2", "3", "0", "-1"], "q1": ["1"]},
    ),
    "certificates: the name to print": Form(
        "learner",
        lambda sw: "/certificates/name",
        lambda sw: {"source": ["display", "legal"]},
    ),
    "certificates: reissue": Form(
        "admin",
        lambda sw: f"/certificates/{certificate_id(sw.world)}/reissue",
        lambda sw: {"source": ["display", "legal"], "reason": ["Name changed"]},
    ),
    "certificates: revoke": Form(
        "admin",
        lambda sw: f"/certificates/{certificate_id(sw.world)}/revoke",
        lambda sw: {"reason": ["Issued by mistake"]},
    ),
    "certificates: bulk issue": Form(
        "facilitator",
        lambda sw: f"/cohorts/{sw.cohort.id}/certificates/issue",
        lambda sw: {},
    ),
    "content note: continue": Form(
        "learner",
        lambda sw: f"/courses/{sw.course.slug}/modules/{sw.module.key}/continue",
        lambda sw: {"next_step": ["intro", "think", "missing"]},
    ),
    **COHORT_AND_LIVE_FORMS,
}


def _succeeded(response: Any) -> bool:
    if response.status_code in (302, 303):
        return True
    # The printable one-time code sheet: shown once, never cached.
    return response.status_code == 200 and response.headers.get("Cache-Control") == "no-store"


@pytest.mark.parametrize("name", sorted(FORMS))
@FUZZ
@given(data=st.data())
def test_fuzzed_form_never_errors_and_writes_all_or_nothing(
    app: Flask, sw: SecurityWorld, browser: Any, name: str, data: st.DataObject
) -> None:
    spec = FORMS[name]
    url = spec.url(sw)  # what the form needs is made once, below every example's savepoint
    body = data.draw(form(spec.fields(sw)), label="form")
    with rolled_back():
        client = browser(sw.user(spec.role), **spec.session)
        before = table_snapshot()
        response = spec.post(client, url, body)
        changed = snapshot_changes(before, table_snapshot())
        assert response.status_code < 500, response.status_code
        if changed:
            assert _succeeded(response), (response.status_code, changed)
        if response.status_code in (302, 303):
            location = response.headers["Location"]
            assert location.startswith("/") and not location.startswith("//"), location
        if response.mimetype == "text/html":
            assert html_problems(response.get_data(as_text=True)) == []


QUERY = st.dictionaries(st.sampled_from(["q", "page", "action", "next"]), TEXT, max_size=4)
PAGES = {
    "admin people": ("admin", "/admin/people"),
    "admin audit": ("admin", "/admin/audit"),
    "admin organisations": ("admin", "/admin/organisations"),
    "organisation report": ("manager", "/organisations/{org}"),
    "sign-in page": ("anonymous", "/sign-in"),
}


@pytest.mark.parametrize("name", sorted(PAGES))
@FUZZ
@given(query=QUERY)
def test_fuzzed_query_strings_never_error(
    app: Flask, sw: SecurityWorld, browser: Any, name: str, query: dict[str, str]
) -> None:
    role, url = PAGES[name]
    with rolled_back():
        response = browser(sw.user(role)).get(url.format(org=sw.org.id), query_string=query)
        assert response.status_code < 500
        if response.mimetype == "text/html":
            assert html_problems(response.get_data(as_text=True)) == []


FILTERS = st.dictionaries(
    st.sampled_from(["course", "cohort", "unit", "from", "to", "session", "page"]),
    st.one_of(TEXT, st.sampled_from(["2026-01-31", "31/01/2026", "2026-02-30", "1", "0"])),
    max_size=6,
)
REPORTS = {
    "organisation people": ("manager", "/organisations/{org}"),
    "organisation dashboard": ("manager", "/organisations/{org}/dashboard"),
    "organisation attendance": ("manager", "/organisations/{org}/attendance"),
    "organisation export": ("manager", "/organisations/{org}/export/enrolments.csv"),
    "cohort report": ("facilitator", "/facilitate/cohorts/{cohort}/report"),
    "regions": ("admin", "/reports/regions"),
}


@pytest.mark.parametrize("name", sorted(REPORTS))
@FUZZ
@given(query=FILTERS)
def test_fuzzed_report_filters_never_error(
    app: Flask, sw: SecurityWorld, browser: Any, name: str, query: dict[str, str]
) -> None:
    """Any filter values: the report, or a 400 that says what to change; never a 500."""
    role, url = REPORTS[name]
    with rolled_back():
        before = table_snapshot()
        response = browser(sw.user(role)).get(
            url.format(org=sw.org.id, cohort=sw.cohort.id), query_string=query
        )
        assert response.status_code in (200, 400), response.status_code
        nul = any("\x00" in value for value in query.values())  # refused up front
        if response.status_code == 400 and not nul:
            assert "Please check the filters" in response.get_data(as_text=True)
        if response.mimetype == "text/html":
            assert html_problems(response.get_data(as_text=True)) == []
        else:
            response.get_data()  # the whole file streams without an error
        assert snapshot_changes(before, table_snapshot()) == []


@pytest.mark.parametrize("page", ["9223372036854775808", "1" + "0" * 30, "-" + "9" * 20, "0"])
def test_absurd_page_numbers_are_an_empty_page_not_an_error(
    app: Flask, sw: SecurityWorld, browser: Any, page: str
) -> None:
    admin, manager = browser(sw.admin), browser(sw.manager)
    for client, url in [
        (admin, "/admin/people"),
        (admin, "/admin/audit"),
        (admin, "/admin/organisations"),
        (manager, f"/organisations/{sw.org.id}"),
    ]:
        assert client.get(url, query_string={"page": page}).status_code == 200, url


@pytest.mark.parametrize("name", sorted(FORMS))
def test_a_nul_character_anywhere_is_bad_input(
    app: Flask, sw: SecurityWorld, browser: Any, name: str
) -> None:
    """PostgreSQL can't store NUL in text, so it is refused up front on every database."""
    spec = FORMS[name]
    url = spec.url(sw)  # made once, below every attempt's savepoint (NUL is refused first)
    plausible = {k: (v or ["x"])[0] for k, v in spec.fields(sw).items()}
    for field_name in plausible:
        body = {**plausible, field_name: f"{plausible[field_name]}\x00"}
        with rolled_back():
            client = browser(sw.user(spec.role), **spec.session)
            before = table_snapshot()
            response = spec.post(client, url, body)
            assert response.status_code == 400, (field_name, response.status_code)
            assert snapshot_changes(before, table_snapshot()) == []


def test_a_nul_character_in_a_query_or_path_is_bad_input(
    app: Flask, sw: SecurityWorld, browser: Any
) -> None:
    admin = browser(sw.admin)
    assert admin.get("/admin/audit", query_string={"action": "x\x00"}).status_code == 400
    assert admin.get("/admin/people", query_string={"q\x00": "x"}).status_code == 400
    assert browser(sw.learner).get("/courses/a%00b").status_code == 400
    assert browser(None).post("/sign-in", data={"name": "\x00", "password": "x"}).status_code == 400
