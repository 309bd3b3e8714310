"""Issuing certificates: the learner's confirmed name, then one certificate per enrolment.

Only the server issues: when the completion engine records a course completion, when a
register is taken (certificates of attendance), when a learner confirms their name, in a
bulk issue, or when ``flask lms certificates check`` looks at everyone again. Each issue is
one INSERT guarded by the unique (enrolment, issue number) constraint, so issuing twice,
or from two workers at once, leaves one certificate.
"""

from __future__ import annotations

import base64
import secrets
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import exists, select, update

from lms.accounts.models import User
from lms.audit import services as audit
from lms.catalogue.models import Course
from lms.certificates.designs import design
from lms.certificates.models import NAME_SOURCES, Certificate, CertificateCounter, CertificateName
from lms.certificates.rendering.fonts import unprintable
from lms.certificates.services.eligibility import (
    ISSUABLE_STATUSES,
    certificate_details,
    enrolments_of,
    has_certificate,
    is_eligible,
)
from lms.cohorts.models import Cohort, Enrolment
from lms.db import begin_write, insert_ignore, utcnow
from lms.errors import InvalidInput
from lms.events import after_commit, commit
from lms.extensions import db

CODE_BYTES = 20  # 160 random bits, written as 32 base32 characters


def new_code() -> str:
    """A public verification code: random, unguessable, unrelated to any id."""
    return base64.b32encode(secrets.token_bytes(CODE_BYTES)).decode("ascii").rstrip("=")


def normalise_code(typed: str) -> str:
    """A code as someone typed it (any case, spaces or dashes, 0 for O, 1 for I) in the
    form it is stored in; anything else comes back unchanged and matches nothing."""
    kept = "".join(ch for ch in typed.upper() if ch not in " -\t")
    return kept.replace("0", "O").replace("1", "I").replace("8", "B")


def next_number(year: int) -> str:
    """The next certificate number of ``year``, e.g. ``2026-000042``; call in a write
    transaction. The counter row is updated in one statement, so concurrent issues wait
    for each other here and never share a number."""
    insert_ignore(CertificateCounter, {"year": year, "last": 0}, ["year"])
    last = db.session.execute(
        update(CertificateCounter)
        .where(CertificateCounter.year == year)
        .values(last=CertificateCounter.last + 1)
        .returning(CertificateCounter.last)
        .execution_options(synchronize_session=False)
    ).scalar_one()
    return f"{year}-{last:06d}"


# -- the name to print ----------------------------------------------------------------------


def name_choices(user: User) -> dict[str, str]:
    """The names a learner may choose from: their display name, and their legal name if
    they gave one (on their account page)."""
    found = {"display": user.display_name.strip()}
    if user.legal_name and user.legal_name.strip():
        found["legal"] = user.legal_name.strip()
    return found


def confirmed_name(user: User) -> CertificateName | None:
    return db.session.scalar(select(CertificateName).where(CertificateName.user_id == user.id))


def printable_problem(name: str) -> str | None:
    """Why ``name`` can't be printed on a certificate, or None."""
    if not name:
        return "Your certificate needs a name. Add one on your account page first."
    missing = unprintable(name)
    if missing:
        return (
            "We can't print these characters on a certificate yet: "
            + " ".join(missing)
            + ". Please choose the other name, change it on your account page, or ask "
            "your facilitator for help."
        )
    return None


def confirm_name(user: User, source: str) -> list[Certificate]:
    """The learner confirms which name certificates print (``display`` or ``legal``).

    Certificates they have earned and not yet received are issued at once. A later change
    applies to certificates issued from then on; an admin can reissue earlier ones.
    Returns the certificates issued now.
    """
    choices = name_choices(user)
    if source not in choices:
        message = (
            "Please choose one of the names shown."
            if source in NAME_SOURCES
            else "Please choose which name to print."
        )
        raise InvalidInput(message, field_errors={"source": message})
    name = choices[source]
    problem = printable_problem(name)
    if problem:
        raise InvalidInput(problem, field_errors={"source": problem})
    begin_write()
    now = utcnow()
    if not insert_ignore(
        CertificateName,
        {"user_id": user.id, "name": name, "source": source, "confirmed_at": now},
        ["user_id"],
    ):
        db.session.execute(
            update(CertificateName)
            .where(CertificateName.user_id == user.id)
            .values(name=name, source=source, confirmed_at=now)
            .execution_options(synchronize_session=False)
        )
    audit.record(
        user, "certificate_name.confirm", user, f"{user.display_name} confirmed the name to print"
    )
    issued = [c for c in (issue_for(e) for e in enrolments_of(user)) if c is not None]
    commit()
    return issued


# -- issuing ----------------------------------------------------------------------------------


def issue_for(enrolment: Enrolment, actor: User | None = None) -> Certificate | None:
    """Issue the enrolment's certificate if it is earned, the name is confirmed and none
    was issued before; call inside a write transaction (the caller commits).

    Returns the new certificate, or None when there is nothing to issue.
    """
    if has_certificate(enrolment) or not is_eligible(enrolment):
        return None
    name = confirmed_name(enrolment.user)
    if name is None:
        return None
    course = enrolment.cohort.course
    chosen = design(course.certificate_template)
    now = utcnow()
    values = {
        "enrolment_id": enrolment.id,
        "user_id": enrolment.user_id,
        "cohort_id": enrolment.cohort_id,
        "course_id": course.id,
        "issue_number": 1,
        "kind": chosen.kind,
        "template_key": chosen.key,
        "template_version": chosen.version,
        "code": new_code(),
        "number": next_number(now.year),
        "issued_name": name.name,
        "issued_at": now,
        "content_version": course.content_version,
        "details": certificate_details(enrolment, now),
        "issued_by_id": actor.id if actor is not None else None,
        "status": "valid",
    }
    if not insert_ignore(Certificate, values, ["enrolment_id", "issue_number"]):
        return None  # someone else issued it a moment ago
    certificate = db.session.scalar(
        select(Certificate).where(
            Certificate.enrolment_id == enrolment.id, Certificate.issue_number == 1
        )
    )
    assert certificate is not None
    after_commit("lms_certificate_issued", certificate=certificate)
    audit.record(
        actor,
        "certificate.issue",
        certificate,
        f"Certificate {certificate.number} issued to {certificate.issued_name} "
        f"for “{certificate.course_title}”",
        user_id=enrolment.user_id,
        enrolment_id=enrolment.id,
    )
    return certificate


def issue_due(user: User, course: Course | None = None) -> list[Certificate]:
    """Issue every certificate ``user`` has earned (on ``course``) and not yet received,
    in its own write transaction. Returns those issued."""
    begin_write()
    issued = [c for c in (issue_for(e) for e in enrolments_of(user, course)) if c is not None]
    commit()
    return issued


@dataclass
class CheckResult:
    looked_at: int = 0
    issued: int = 0
    waiting_for_name: int = 0


def check_everyone(progress: Callable[[int], None] | None = None) -> CheckResult:
    """Look at every enrolment without a certificate again and issue what is earned, so
    nothing depends on an event that was missed. ``progress`` is told each one done."""
    candidates = list(
        db.session.scalars(
            select(Enrolment.id)
            .join(Cohort, Cohort.id == Enrolment.cohort_id)
            .where(
                Enrolment.status.in_(ISSUABLE_STATUSES),
                ~exists().where(Certificate.enrolment_id == Enrolment.id),
            )
            .order_by(Enrolment.id)
        )
    )
    result = CheckResult()
    for enrolment_id in candidates:
        begin_write()
        enrolment = db.session.get(Enrolment, enrolment_id)
        if enrolment is not None:
            result.looked_at += 1
            if issue_for(enrolment) is not None:
                result.issued += 1
            elif (
                not has_certificate(enrolment)
                and confirmed_name(enrolment.user) is None
                and is_eligible(enrolment)
            ):
                result.waiting_for_name += 1
        commit()
        if progress is not None:
            progress(1)
    return result
