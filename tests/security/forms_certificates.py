"""Certificate forms to fuzz: the name to print, reissue, revoke, bulk issue."""

from __future__ import annotations

from tests.route_tables.certificates import certificate_id
from tests.security.fuzzing import Form

CERTIFICATE_FORMS: dict[str, Form] = {
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
}
