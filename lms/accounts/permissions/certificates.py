"""Rules for certificates.

A learner reaches only their own certificates; a manager those of people in the
organisations (and units) they manage; admins all. Only admins reissue or revoke.
Facilitators issue in bulk for their cohorts (and their sessions' attendees) and take the
PDFs of that bulk issue; verification by code needs no account at all.
"""

from __future__ import annotations

from typing import Any

from lms.accounts.models import User
from lms.accounts.permissions.facts import facilitates, hosts, is_manager, manages_person
from lms.accounts.permissions.registry import rule
from lms.certificates.models import Certificate, CertificateBatch
from lms.cohorts.models import Cohort
from lms.live.models import LiveSession


@rule("view_certificate")
def _view_certificate(user: User, certificate: Certificate) -> bool:
    return certificate.user_id == user.id or user.is_admin or manages_person(user, certificate.user)


@rule("download_certificate")
def _download_certificate(user: User, certificate: Certificate) -> bool:
    """A valid certificate for whoever may see it; a revoked or replaced one for admins."""
    if not _view_certificate(user, certificate):
        return False
    return certificate.is_valid or user.is_admin


@rule("reissue_certificate", "revoke_certificate")
def _change_certificate(user: User, _certificate: Certificate) -> bool:
    return user.is_admin


@rule("view_people_certificates")
def _view_people_certificates(user: User, _obj: Any) -> bool:
    return user.is_admin or is_manager(user)


@rule("issue_cohort_certificates")
def _issue_cohort_certificates(user: User, cohort: Cohort) -> bool:
    return user.is_admin or facilitates(user, cohort)


@rule("issue_session_certificates")
def _issue_session_certificates(user: User, session: LiveSession) -> bool:
    return session.cohort is not None and hosts(user, session)


@rule("view_certificate_batch")
def _view_certificate_batch(user: User, batch: CertificateBatch) -> bool:
    return user.is_admin or facilitates(user, batch.cohort)
