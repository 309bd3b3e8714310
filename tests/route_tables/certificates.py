"""Certificates: a learner's own, managers' and admins' views, bulk issues, verification.

The callables give the world's learner a certificate first: they finish the world course
(its last step) and confirm their display name, which issues it.
"""

from __future__ import annotations

from typing import Any

ROLES = ("anonymous", "learner", "other_learner", "facilitator", "manager", "admin")
SIGN_IN = "sign-in"
OK, SEE_OTHER, BAD, FORBIDDEN, NOT_FOUND = 200, 303, 400, 403, 404


def only(allowed: dict[str, Any], default: Any = FORBIDDEN) -> dict[str, Any]:
    return {"anonymous": SIGN_IN, **{role: allowed.get(role, default) for role in ROLES[1:]}}


def everyone_signed_in(status: int = OK) -> dict[str, Any]:
    return {"anonymous": SIGN_IN, **{role: status for role in ROLES[1:]}}


def learners_certificate(world: Any) -> Any:
    """The world's learner's certificate (made the first time it is asked for)."""
    from sqlalchemy import select

    from lms.certificates import services as certificates
    from lms.certificates.models import Certificate
    from lms.extensions import db
    from lms.progress import services as progress

    found = db.session.scalar(select(Certificate).where(Certificate.user_id == world.learner.id))
    if found is not None:
        return found
    for step in world.module.steps:
        if step.type != "reflection":  # the world's reflection is already saved
            progress.mark_done(world.learner, step)
    certificates.confirm_name(world.learner, "display")
    found = db.session.scalar(select(Certificate).where(Certificate.user_id == world.learner.id))
    assert found is not None, "the world's learner should have earned a certificate"
    return found


def certificate_id(world: Any) -> int:
    return int(learners_certificate(world).id)


def certificate_code(world: Any) -> str:
    return str(learners_certificate(world).code)


def batch_id(world: Any) -> int:
    from lms.certificates import services as certificates

    learners_certificate(world)
    return int(certificates.start_for_cohort(world.facilitator, world.cohort).id)


def attended_session_id(world: Any) -> int:
    """A session of the world's cohort that ended yesterday, the learner present."""
    from datetime import UTC, datetime, timedelta

    from lms.live import services as live
    from lms.live.services import RegisterEntry

    start = datetime.now(UTC) - timedelta(days=1, hours=2)
    session = live.schedule_session(
        world.facilitator,
        cohort=world.cohort,
        title="Route walk session that took place",
        starts_at=start,
        ends_at=start + timedelta(hours=1),
        timezone="Europe/London",
        online_url="https://teams.microsoft.com/l/meetup-join/route-walk-past",
    )
    booking = live.add_to_register(world.facilitator, session, user=world.learner)
    live.record_attendance(world.facilitator, session, [RegisterEntry(booking.id, "present")])
    return int(session.id)


CAN_SEE = {"learner": OK, "manager": OK, "admin": OK}
HOSTS = {"facilitator": OK, "admin": OK}

ROUTES: dict[str, tuple[str, dict[str, Any], dict[str, Any]]] = {
    "certificates.mine": ("GET", {}, everyone_signed_in()),
    "certificates.name": ("GET", {}, everyone_signed_in()),
    "certificates.show": ("GET", {"certificate_id": certificate_id}, only(CAN_SEE)),
    "certificates.pdf": ("GET", {"certificate_id": certificate_id}, only(CAN_SEE)),
    # An empty form: the reason is missing, so the page comes back with the problem.
    "certificates.reissue": (
        "POST",
        {"certificate_id": certificate_id},
        only({"admin": BAD}),
    ),
    "certificates.revoke": ("POST", {"certificate_id": certificate_id}, only({"admin": BAD})),
    "certificates.people": ("GET", {}, only({"manager": OK, "admin": OK})),
    "certificates.cohort": ("GET", {"cohort_id": "cohort.id"}, only(HOSTS)),
    "certificates.issue_cohort": (
        "POST",
        {"cohort_id": "cohort.id"},
        only({"facilitator": SEE_OTHER, "admin": SEE_OTHER}),
    ),
    "certificates.issue_session": (
        "POST",
        {"session_id": attended_session_id},
        only({"facilitator": SEE_OTHER, "admin": SEE_OTHER}),
    ),
    "certificates.batch": ("GET", {"batch_id": batch_id}, only(HOSTS)),
    "certificates.continue_batch": (
        "POST",
        {"batch_id": batch_id},
        only({"facilitator": SEE_OTHER, "admin": SEE_OTHER}),
    ),
    "certificates.batch_zip": ("GET", {"batch_id": batch_id}, only(HOSTS)),
    # Verification needs no account: the same page for everyone.
    "certificates.verify_form": ("GET", {}, {role: OK for role in ROLES}),
    "certificates.verify": ("GET", {"code": certificate_code}, {role: OK for role in ROLES}),
}
