"""What a certificate prints, as plain values: for the HTML designs and anything else that
draws a certificate (the benchmark draws the same with ReportLab alone)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from flask import current_app, has_request_context, request, url_for

from lms.certificates.models import KINDS, Certificate
from lms.certificates.services.eligibility import CPD_SENTENCE


class CertificateRenderError(RuntimeError):
    """A certificate could not be drawn properly; nothing half-made is kept or sent."""


@dataclass(frozen=True)
class CertificateFields:
    kind: str
    title: str
    name: str
    organisation: str
    issuer: str
    course_title: str
    dates: str
    finished: str
    delivery_mode: str
    learning_time: str
    cpd_hours: str
    cpd_sentence: str
    participatory: str
    outcomes: tuple[str, ...]
    facilitators: str
    number: str
    issued_on: str
    verify_url: str
    code: str


def long_date(value: date | str | None) -> str:
    if not value:
        return ""
    day = date.fromisoformat(value) if isinstance(value, str) else value
    return f"{day.day} {day:%B %Y}"


def learning_time(minutes: int) -> str:
    hours, rest = divmod(int(minutes), 60)
    parts = []
    if hours:
        parts.append(f"{hours} hour{'s' if hours != 1 else ''}")
    if rest or not hours:
        parts.append(f"{rest} minute{'s' if rest != 1 else ''}")
    return " ".join(parts)


def hours_text(hours: float) -> str:
    text = f"{float(hours):.2f}".rstrip("0").rstrip(".")
    return text or "0"


def verify_url(code: str) -> str:
    """The address that checks ``code``: from ``PUBLIC_BASE_URL`` when set, else from the
    request being served, else from ``SERVER_NAME``."""
    base = current_app.config.get("PUBLIC_BASE_URL")
    path = url_for("certificates.verify", code=code) if has_request_context() else None
    if base:
        if path is None:
            with current_app.test_request_context():
                path = url_for("certificates.verify", code=code)
        return str(base).rstrip("/") + path
    if has_request_context():
        return request.url_root.rstrip("/") + str(path)
    if current_app.config.get("SERVER_NAME"):
        return url_for("certificates.verify", code=code, _external=True)
    raise CertificateRenderError(
        "Certificates print their verification address, and there is no request to take "
        "it from: set PUBLIC_BASE_URL (LMS_PUBLIC_BASE_URL), e.g. https://learning.example.org."
    )


def fields_of(certificate: Certificate) -> CertificateFields:
    details: dict[str, Any] = certificate.details or {}
    kind = certificate.kind
    starts, ends = details.get("starts_on"), details.get("ends_on")
    if starts and ends:
        dates = f"{long_date(starts)} to {long_date(ends)}"
    else:
        dates = long_date(starts or ends)
    finished = long_date(details.get("finished_on"))
    finished = (
        f"Last attended on {finished}" if kind == "attendance" else f"Completed on {finished}"
    )
    config = current_app.config
    return CertificateFields(
        kind=kind,
        title=KINDS.get(kind, "Certificate"),
        name=certificate.issued_name,
        organisation=str(details.get("organisation") or ""),
        issuer=str(config.get("CERTIFICATE_ISSUER") or config.get("SITE_NAME") or ""),
        course_title=certificate.course_title,
        dates=dates,
        finished=finished,
        delivery_mode=str(details.get("delivery_mode") or ""),
        learning_time=learning_time(int(details.get("learning_minutes") or 0)),
        cpd_hours=hours_text(float(details.get("cpd_hours") or 0)),
        cpd_sentence=CPD_SENTENCE,
        participatory=(
            "Yes: learning with others, through discussion and shared activities"
            if details.get("participatory")
            else "No: self-directed learning"
        ),
        outcomes=tuple(str(o) for o in details.get("outcomes") or ()),
        facilitators=", ".join(details.get("facilitators") or ()),
        number=certificate.number,
        issued_on=long_date(certificate.issued_at.date()),
        verify_url=verify_url(certificate.code),
        code=certificate.display_code,
    )
