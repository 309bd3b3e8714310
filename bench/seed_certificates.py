"""Certificates for the seeded database: one for every completed enrolment.

One learner (the *certificate holder*) confirms their name through the real service, which
issues their certificates exactly as the site would. Everyone else's are written in batches
with SQLAlchemy Core: the same columns, a confirmed display name, random codes, yearly
numbers, and what the certificate says taken from the real ``certificate_details`` of one
enrolment per cohort (the name and date are the person's own). The yearly counters are then
set past the numbers used, so certificates issued later follow on.
"""

from __future__ import annotations

import base64
import random
from collections import defaultdict
from datetime import datetime
from typing import Any

BATCH = 5_000


def _code(rng: random.Random) -> str:
    return base64.b32encode(rng.getrandbits(160).to_bytes(20, "big")).decode().rstrip("=")


def seed_certificates(rng: random.Random) -> dict[str, Any]:
    """Issue a certificate for every completed enrolment (call in the seeded app's context)."""
    from sqlalchemy import insert, select

    from lms.accounts.models import User
    from lms.catalogue.models import Course
    from lms.certificates.designs import kind_of
    from lms.certificates.models import Certificate, CertificateCounter, CertificateName
    from lms.certificates.services import confirm_name
    from lms.certificates.services.eligibility import certificate_details
    from lms.cohorts.models import Cohort, Enrolment
    from lms.extensions import db

    done = db.session.execute(
        select(
            Enrolment.id,
            Enrolment.user_id,
            Enrolment.cohort_id,
            Cohort.course_id,
            Enrolment.completed_at,
            User.display_name,
            Course.retired,
            Course.certificate_template,
        )
        .join(Cohort, Cohort.id == Enrolment.cohort_id)
        .join(Course, Course.id == Cohort.course_id)
        .join(User, User.id == Enrolment.user_id)
        .where(Enrolment.status == "completed")
        .order_by(Enrolment.id)
    ).all()
    if not done:
        return {"certificates": 0}
    # the holder's certificate is on a live course, issued by the service; the rest written
    held = next(
        (r for r in done if not r.retired and kind_of(r.certificate_template) == "completion"),
        done[0],
    )
    holder_id = held.user_id
    others = [row for row in done if row.id != held.id]

    details: dict[int, dict[str, Any]] = {}
    for row in others:
        if row.cohort_id not in details:
            enrolment = db.session.get(Enrolment, row.id)
            assert enrolment is not None
            details[row.cohort_id] = certificate_details(enrolment, row.completed_at)
    counters: dict[int, int] = defaultdict(int)
    names: dict[int, str] = {}
    certificates: list[dict[str, Any]] = []
    for row in others:
        issued_at: datetime = row.completed_at
        counters[issued_at.year] += 1
        if row.user_id != holder_id:  # the holder confirms their own, below
            names[row.user_id] = row.display_name
        certificates.append(
            {
                "enrolment_id": row.id,
                "user_id": row.user_id,
                "cohort_id": row.cohort_id,
                "course_id": row.course_id,
                "issue_number": 1,
                "kind": kind_of(row.certificate_template),
                "template_key": row.certificate_template,
                "template_version": 1,
                "code": _code(rng),
                "number": f"{issued_at.year}-{counters[issued_at.year]:06d}",
                "issued_name": row.display_name,
                "issued_at": issued_at,
                "content_version": 1,
                "details": {
                    **details[row.cohort_id],
                    "finished_on": issued_at.date().isoformat(),
                },
                "status": "valid",
            }
        )
    for start in range(0, len(certificates), BATCH):
        db.session.execute(insert(Certificate), certificates[start : start + BATCH])
    db.session.execute(
        insert(CertificateName),
        [
            {"user_id": uid, "name": name, "source": "display", "confirmed_at": datetime.now()}
            for uid, name in names.items()
        ],
    )
    db.session.execute(
        insert(CertificateCounter), [{"year": y, "last": n} for y, n in counters.items()]
    )
    db.session.commit()

    holder = db.session.get(User, holder_id)
    assert holder is not None
    issued = confirm_name(holder, "display")  # the real thing, for the download measured
    return {
        "certificates": len(certificates) + len(issued),
        "certificate_holder": {
            "email": holder.email,
            "user_id": holder.id,
            "certificate_id": issued[0].id if issued else None,
        },
    }
