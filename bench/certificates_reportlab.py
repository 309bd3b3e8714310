"""The same certificate drawn with a bare ReportLab canvas: the yardstick for the cost of
rendering through HTML with xhtml2pdf (``cert_render_vs_reportlab``).

``draw_certificate(fields)`` takes the ``CertificateFields`` the HTML designs print
(``lms.certificates.rendering.fields.fields_of``) and draws the same text, fonts and QR
code on an A4 landscape page. ``lms.certificates.rendering.pdf.render_pdf(certificate)`` is
the LMS's own rendering, without the cache.

On its own, ``python bench/certificates_reportlab.py [--n 20]`` makes a throwaway SQLite
database with one issued certificate and prints both timings (median of ``n``) as JSON.
"""

from __future__ import annotations

import argparse
import io
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import segno
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import cm
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

ROOT = Path(__file__).resolve().parent.parent
FONTS = ROOT / "static" / "fonts"
_registered = False


def _register_fonts() -> None:
    global _registered
    if _registered:
        return
    pdfmetrics.registerFont(TTFont("BenchSans", str(FONTS / "DejaVuSans.ttf")))
    pdfmetrics.registerFont(TTFont("BenchSans-Bold", str(FONTS / "DejaVuSans-Bold.ttf")))
    _registered = True


def draw_certificate(fields: Any) -> bytes:
    """One page, A4 landscape: the text of the core completion design and its QR code."""
    _register_fonts()
    out = io.BytesIO()
    width, height = landscape(A4)
    pdf = canvas.Canvas(out, pagesize=(width, height))
    centre = width / 2
    y = height - 2 * cm
    for text, font, size, gap in (
        (fields.issuer.upper(), "BenchSans", 11, 0.9),
        (fields.title, "BenchSans-Bold", 30, 1.3),
        ("This certifies that", "BenchSans", 12, 1.0),
        (fields.name, "BenchSans-Bold", 28, 1.1),
        (fields.organisation, "BenchSans", 12, 0.9),
        ("has completed the course", "BenchSans", 12, 0.8),
        (fields.course_title, "BenchSans-Bold", 17, 1.2),
    ):
        if text:
            pdf.setFont(font, size)
            pdf.drawCentredString(centre, y, text)
        y -= gap * cm
    pdf.line(1.8 * cm, y, width - 1.8 * cm, y)
    y -= 0.6 * cm
    facts = [
        ("Dates", fields.dates),
        ("Completion", fields.finished),
        ("Delivery", fields.delivery_mode),
        ("Learning time", fields.learning_time),
        ("CPD hours", fields.cpd_hours),
        ("", fields.cpd_sentence),
        ("Participatory", fields.participatory),
        ("Facilitated by", fields.facilitators),
    ]
    row = y
    for label, value in facts:
        if not value:
            continue
        pdf.setFont("BenchSans-Bold", 10)
        pdf.drawString(1.8 * cm, row, label)
        pdf.setFont("BenchSans", 10 if label else 8.5)
        pdf.drawString(5.4 * cm, row, value)
        row -= 0.5 * cm
    pdf.setFont("BenchSans-Bold", 10)
    pdf.drawString(centre + 1 * cm, y, "Learning outcomes")
    pdf.setFont("BenchSans", 10)
    outcome_y = y - 0.5 * cm
    for outcome in fields.outcomes:
        pdf.drawString(centre + 1 * cm, outcome_y, f"• {outcome}"[:80])
        outcome_y -= 0.5 * cm
    y = min(row, outcome_y) - 0.3 * cm
    pdf.line(1.8 * cm, y, width - 1.8 * cm, y)
    y -= 0.7 * cm
    pdf.setFont("BenchSans-Bold", 11)
    pdf.drawString(1.8 * cm, y, f"Certificate number {fields.number}")
    pdf.setFont("BenchSans", 10)
    pdf.drawString(1.8 * cm, y - 0.5 * cm, f"Issued on {fields.issued_on} by {fields.issuer}")
    pdf.setFont("BenchSans", 8.5)
    pdf.drawString(1.8 * cm, y - 1.0 * cm, "Check that this certificate is genuine at")
    pdf.setFont("BenchSans", 10)
    pdf.drawString(1.8 * cm, y - 1.5 * cm, fields.verify_url)
    pdf.setFont("BenchSans", 8.5)
    pdf.drawString(1.8 * cm, y - 2.0 * cm, f"or scan the code. Verification code: {fields.code}")
    qr = io.BytesIO()
    segno.make(fields.verify_url, error="m", micro=False).save(qr, kind="png", scale=10, border=2)
    qr.seek(0)
    size = 3.5 * cm
    pdf.drawImage(ImageReader(qr), width - 1.8 * cm - size, y - 2.4 * cm, size, size)
    pdf.showPage()
    pdf.save()
    return out.getvalue()


def _median_seconds(work: Any, n: int) -> float:
    times = []
    for _ in range(n):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=20, help="renderings of each (median)")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    from lms.testing.fixtures import TEST_CONFIG, build_app

    with tempfile.TemporaryDirectory() as tmp:
        app = build_app(Path(tmp), **{k: v for k, v in TEST_CONFIG.items() if k != "TESTING"})
        with app.app_context():
            from lms.certificates import services as certificates
            from lms.certificates.rendering.fields import fields_of
            from lms.certificates.rendering.pdf import render_pdf
            from lms.progress import services as progress
            from lms.testing.factories import Factories

            f = Factories()
            course = f.course(
                outcomes=["Describe trauma in plain words", "Name the six principles"],
                modules=[[{"type": "text"}] * 3],
            )
            learner = f.user("Zoë Ångström", organisation=f.organisation())
            f.enrol(learner, f.cohort(course, facilitators=[f.user("Fay Facilitator")]))
            for step in course.modules[0].steps:
                progress.mark_done(learner, step)
            (certificate,) = certificates.confirm_name(learner, "display")
            fields = fields_of(certificate)
            render_pdf(certificate)  # warm: fonts read, templates compiled
            draw_certificate(fields)
            xhtml2pdf_s = _median_seconds(lambda: render_pdf(certificate), args.n)
            reportlab_s = _median_seconds(lambda: draw_certificate(fields), args.n)
    result = {
        "xhtml2pdf_ms": round(xhtml2pdf_s * 1000, 1),
        "reportlab_ms": round(reportlab_s * 1000, 1),
        "cert_render_vs_reportlab": round(xhtml2pdf_s / reportlab_s, 2),
    }
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
