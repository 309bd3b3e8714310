"""Forms of the core to fuzz: signing in, one's account, administration, learning; and
FORMS, every form the fuzz tests post (these and each area's)."""

from __future__ import annotations

from typing import Any

from lms.accounts.models import MEMBERSHIP_ROLES, ORGANISATION_TYPES, REGIONS
from tests.security.conftest import SecurityWorld
from tests.security.forms_certificates import CERTIFICATE_FORMS
from tests.security.forms_cohorts import COHORT_FORMS
from tests.security.forms_live import LIVE_FORMS
from tests.security.fuzzing import Form
from tests.security.helpers import PASSWORD


def _ids(sw: SecurityWorld) -> list[str]:
    return [str(sw.org.id), str(sw.other_org.id), "", "0", "-5", "99999"]


def _step(sw: SecurityWorld, step: Any) -> str:
    return f"/courses/{step.module.course.slug}/steps/{step.key}"


CORE_FORMS: dict[str, Form] = {
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
    "content note: continue": Form(
        "learner",
        lambda sw: f"/courses/{sw.course.slug}/modules/{sw.module.key}/continue",
        lambda sw: {"next_step": ["intro", "think", "missing"]},
    ),
}

FORMS: dict[str, Form] = {
    **CORE_FORMS,
    **CERTIFICATE_FORMS,
    **COHORT_FORMS,
    **LIVE_FORMS,
}
