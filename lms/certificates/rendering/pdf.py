"""A certificate as a PDF: the design's HTML through xhtml2pdf, hardened.

- fonts come only from static/fonts/ (all four faces of each family registered);
- ``link_callback`` resolves only files inside static/fonts/ and static/images/, and the
  resource policy refuses the network; anything else stops the rendering;
- anything xhtml2pdf reports as an error or a warning (a font it could not read, a glyph
  no font has) is a failed rendering, never a silently broken PDF;
- learner-supplied text reaches the HTML only through Jinja's autoescaping.
"""

from __future__ import annotations

import io
import logging
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from flask import current_app, render_template

from lms.certificates.designs import design
from lms.certificates.models import Certificate
from lms.certificates.rendering.fields import CertificateRenderError, fields_of
from lms.certificates.rendering.fonts import (
    FAMILIES,
    font_faces,
    fonts_dir,
    in_fonts,
    text_direction,
)

if TYPE_CHECKING:
    from xhtml2pdf.config.resources import ResourceAccessPolicy

# segno, xhtml2pdf and ReportLab are imported when a certificate is first rendered, so a
# worker that never renders one does not carry them (tens of MB).

log = logging.getLogger("lms.certificates")

PAGE_SIZES = {"A4": "a4 landscape", "Letter": "letter landscape"}
#: Folders under static/ a design may use (fonts, and images such as a logo).
ASSET_FOLDERS = ("fonts", "images")
# xhtml2pdf and ReportLab keep module-level state (font registries, caches): one rendering
# at a time per process.
_render_lock = threading.Lock()


def page_size(value: str | None = None) -> str:
    chosen = value or current_app.config.get("CERTIFICATE_PAGE_SIZE") or "A4"
    if chosen not in PAGE_SIZES:
        raise CertificateRenderError(
            f"CERTIFICATE_PAGE_SIZE is {chosen!r}; it can be {' or '.join(PAGE_SIZES)}."
        )
    return chosen


def qr_data_uri(url: str) -> str:
    """A QR code of ``url`` (error correction M) as a PNG data URI. The design sizes it to
    3.5 cm with CSS (xhtml2pdf draws an SVG at its own size whatever the CSS says); ten
    pixels a module keeps it sharp at that size."""
    import segno

    qr = segno.make(url, error="m", micro=False)
    return str(qr.png_data_uri(border=2, scale=10))


def _asset_roots() -> list[Path]:
    static = fonts_dir().parent.resolve()
    return [static / folder for folder in ASSET_FOLDERS]


def link_callback(uri: str, _rel: str | None = None) -> str:
    """Where a design's ``src``/``url()`` points: a file of ours, or a refusal."""
    if uri.startswith(("data:image/png;", "data:image/svg+xml;", "data:image/jpeg;")):
        return uri
    relative = uri.removeprefix("/static/")
    static = fonts_dir().parent.resolve()
    candidate = (static / relative).resolve()
    for root in _asset_roots():
        if candidate.is_relative_to(root) and candidate.is_file():
            return str(candidate)
    raise CertificateRenderError(
        f"A certificate design may only use files in static/fonts or static/images; "
        f"it asked for {uri[:120]!r}."
    )


def _policy() -> ResourceAccessPolicy:
    from xhtml2pdf.config.resources import ResourceAccessPolicy

    roots = _asset_roots()
    return ResourceAccessPolicy.server(roots[0], extra_roots=tuple(roots[1:]), allow_remote=False)


def certificate_html(certificate: Certificate, size: str | None = None) -> str:
    chosen = design(certificate.template_key)
    fields = fields_of(certificate)
    return render_template(
        "certificates/pdf/page.html",
        design_template=chosen.template,
        c=fields,
        certificate=certificate,
        # The names plugin designs have used since the hook was added.
        name=fields.name,
        course_title=fields.course_title,
        qr=qr_data_uri(fields.verify_url),
        font_faces=font_faces(),
        fallback_families=[f for f in FAMILIES if f.css_class],
        page_css=PAGE_SIZES[page_size(size)],
        in_fonts=in_fonts,
        text_direction=text_direction,
    )


class _Collect(logging.Handler):
    """Keeps what xhtml2pdf logs at WARNING or above during one rendering."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage()[:300])


def html_to_pdf(html: str) -> bytes:
    """Render ``html`` (a certificate design) to PDF bytes, or raise."""
    from xhtml2pdf import pisa

    out = io.BytesIO()
    collected = _Collect()
    xhtml2pdf_log = logging.getLogger("xhtml2pdf")
    with _render_lock:
        xhtml2pdf_log.addHandler(collected)
        try:
            result = pisa.CreatePDF(
                html,
                dest=out,
                encoding="utf-8",
                link_callback=link_callback,
                resource_policy=_policy(),
            )
        finally:
            xhtml2pdf_log.removeHandler(collected)
    if result.err or result.warn or collected.messages:
        said = "; ".join(collected.messages) or "see the xhtml2pdf log"
        raise CertificateRenderError(
            f"The certificate could not be drawn properly ({result.err} error(s), "
            f"{result.warn} warning(s)): {said}"
        )
    return out.getvalue()


def render_pdf(certificate: Certificate, size: str | None = None) -> bytes:
    """The certificate as PDF bytes, rendered now (no cache): what the benchmark times."""
    return html_to_pdf(certificate_html(certificate, size))
