"""The reports area: an organisation's pages and exports (its managers and admins), a
cohort's report (its facilitators and admins), the reports across organisations (admins),
and plugins' reports (none loaded here: the key is unknown, so 404 once allowed in)."""

from __future__ import annotations

from typing import Any

SIGN_IN, OK, FORBIDDEN, NOT_FOUND = "sign-in", 200, 403, 404
ROLES = ("anonymous", "learner", "other_learner", "facilitator", "manager", "admin")


def only(allowed: dict[str, Any]) -> dict[str, Any]:
    return {"anonymous": SIGN_IN, **{role: allowed.get(role, FORBIDDEN) for role in ROLES[1:]}}


MANAGERS = {"manager": OK, "admin": OK}
RUNS_COHORT = {"facilitator": OK, "admin": OK}
ORG = {"organisation_id": "org.id"}
COHORT = {"cohort_id": "cohort.id"}

ROUTES: dict[str, tuple[str, dict[str, Any], dict[str, Any]]] = {
    # One person's record, from their organisation's people page.
    "reports.person": ("GET", {**ORG, "user_id": "learner.id"}, only(MANAGERS)),
    "reports.dashboard": ("GET", ORG, only(MANAGERS)),
    "reports.enrolments_table": ("GET", ORG, only(MANAGERS)),
    "reports.attendance_table": ("GET", ORG, only(MANAGERS)),
    "reports.organisation_export": (
        "GET",
        {**ORG, "key": "'people'", "fmt": "'csv'"},
        only(MANAGERS),
    ),
    "reports.organisation_plugin_report": (
        "GET",
        {**ORG, "key": "'sample-notes'"},
        only({"manager": NOT_FOUND, "admin": NOT_FOUND}),
    ),
    "reports.organisation_plugin_export": (
        "GET",
        {**ORG, "key": "'sample-notes'", "fmt": "'xlsx'"},
        only({"manager": NOT_FOUND, "admin": NOT_FOUND}),
    ),
    "reports.cohort": ("GET", COHORT, only(RUNS_COHORT)),
    "reports.cohort_export": (
        "GET",
        {**COHORT, "key": "'progress'", "fmt": "'xlsx'"},
        only(RUNS_COHORT),
    ),
    "reports.cohort_plugin_report": (
        "GET",
        {**COHORT, "key": "'sample-notes'"},
        only({"facilitator": NOT_FOUND, "admin": NOT_FOUND}),
    ),
    "reports.cohort_plugin_export": (
        "GET",
        {**COHORT, "key": "'sample-notes'", "fmt": "'csv'"},
        only({"facilitator": NOT_FOUND, "admin": NOT_FOUND}),
    ),
    "reports.reports": ("GET", {}, only({"facilitator": OK, "manager": OK, "admin": OK})),
    "reports.regions_report": ("GET", {}, only({"admin": OK})),
    "reports.site_export": ("GET", {"key": "'regions'", "fmt": "'csv'"}, only({"admin": OK})),
    "reports.site_plugin_report": ("GET", {"key": "'sample-notes'"}, only({"admin": NOT_FOUND})),
    "reports.site_plugin_export": (
        "GET",
        {"key": "'sample-notes'", "fmt": "'csv'"},
        only({"admin": NOT_FOUND}),
    ),
}
