"""Admins correcting certificates: reissue (the old one says it was replaced) and revoke.

Both keep the history: nothing is deleted, the old certificate's code keeps answering on
the verification page with what happened to it. Both are audited.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from lms.accounts.models import User
from lms.audit import services as audit
from lms.certificates.designs import design
from lms.certificates.models import Certificate
from lms.certificates.services.issuing import name_choices, new_code, next_number, printable_problem
from lms.db import begin_write, utcnow
from lms.errors import Conflict, InvalidInput
from lms.events import after_commit, commit
from lms.extensions import db

MAX_REASON = 300


def _reason(text: str | None, what: str) -> str:
    reason = (text or "").strip()
    if not reason:
        message = f"Please say why the certificate is being {what}; the record keeps it."
        raise InvalidInput(message, field_errors={"reason": message})
    if len(reason) > MAX_REASON:
        message = f"The reason can be up to {MAX_REASON} characters."
        raise InvalidInput(message, field_errors={"reason": message})
    return reason


def _locked(certificate: Certificate) -> Certificate:
    """Re-read the certificate holding its row (PostgreSQL) until the commit."""
    db.session.execute(
        select(Certificate.id).where(Certificate.id == certificate.id).with_for_update()
    )
    db.session.refresh(certificate)
    return certificate


def reissue(
    actor: User, certificate: Certificate, *, source: str, reason: str | None
) -> Certificate:
    """Replace a valid certificate with a new one (new code and number) printing the
    learner's ``display`` or ``legal`` name with the course's current design version."""
    why = _reason(reason, "reissued")
    choices = name_choices(certificate.user)
    if source not in choices:
        message = "Please choose one of the learner's names."
        raise InvalidInput(message, field_errors={"source": message})
    problem = printable_problem(choices[source])
    if problem:
        raise InvalidInput(problem, field_errors={"source": problem})
    begin_write()
    old = _locked(certificate)
    if not old.is_valid:
        raise Conflict(
            f"Only a valid certificate can be reissued; this one is {old.status_label.lower()}."
        )
    chosen = design(old.course.certificate_template)
    now = utcnow()
    old.status = "superseded"
    old.status_reason = why
    old.status_changed_at = now
    old.status_changed_by_id = actor.id
    db.session.flush()
    number = (
        db.session.scalar(
            select(func.max(Certificate.issue_number)).where(
                Certificate.enrolment_id == old.enrolment_id
            )
        )
        or 0
    )
    new = Certificate(
        enrolment_id=old.enrolment_id,
        user_id=old.user_id,
        cohort_id=old.cohort_id,
        course_id=old.course_id,
        issue_number=number + 1,
        kind=old.kind,
        template_key=chosen.key,
        template_version=chosen.version,
        code=new_code(),
        number=next_number(now.year),
        issued_name=choices[source],
        issued_at=now,
        content_version=old.content_version,
        details=dict(old.details),
        issued_by_id=actor.id,
        status="valid",
    )
    db.session.add(new)
    try:
        db.session.flush()
    except IntegrityError as error:
        db.session.rollback()
        raise Conflict(
            "Someone else changed this certificate at the same moment. Please look again."
        ) from error
    old.replaced_by_id = new.id
    audit.record(
        actor,
        "certificate.reissue",
        old,
        f"Certificate {old.number} replaced by {new.number} ({why})",
        replaced_by=new.id,
        reason=why,
    )
    after_commit("lms_certificate_issued", certificate=new)
    commit()
    return new


def revoke(actor: User, certificate: Certificate, *, reason: str | None) -> Certificate:
    """Withdraw a valid certificate: its code then says it was revoked, and when."""
    why = _reason(reason, "revoked")
    begin_write()
    certificate = _locked(certificate)
    if not certificate.is_valid:
        raise Conflict(
            "Only a valid certificate can be revoked; this one is "
            f"{certificate.status_label.lower()}."
        )
    certificate.status = "revoked"
    certificate.status_reason = why
    certificate.status_changed_at = utcnow()
    certificate.status_changed_by_id = actor.id
    audit.record(
        actor,
        "certificate.revoke",
        certificate,
        f"Certificate {certificate.number} revoked ({why})",
        reason=why,
    )
    commit()
    return certificate
