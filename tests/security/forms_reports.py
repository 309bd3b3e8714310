"""Pages to fuzz through their query strings: lists (PAGES, with QUERY) and reports
(REPORTS, with FILTERS)."""

from __future__ import annotations

from hypothesis import strategies as st

from tests.security.fuzzing import TEXT

QUERY = st.dictionaries(st.sampled_from(["q", "page", "action", "next"]), TEXT, max_size=4)
PAGES = {
    "admin people": ("admin", "/admin/people"),
    "admin audit": ("admin", "/admin/audit"),
    "admin organisations": ("admin", "/admin/organisations"),
    "organisation report": ("manager", "/organisations/{org}"),
    "sign-in page": ("anonymous", "/sign-in"),
}

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
