"""Rendering: the PDF says what it should in every script, embeds its fonts, fetches
nothing outside static/fonts and static/images, and fails loudly rather than quietly."""

from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path

import pytest
from pypdf import PdfReader

from lms.certificates import services as certificates
from lms.certificates.rendering import pdf as rendering
from lms.certificates.rendering.cache import cached_pdf
from lms.certificates.rendering.fields import CertificateRenderError, verify_url
from lms.extensions import db
from tests.certificates.conftest import OUTCOMES, certificate_of, complete

ARTIFACTS = Path(__file__).parent / "artifacts"

NAMES = {
    "latin": "Zoë Ångström-Łukasiewicz",
    "greek": "Ελένη Παπαδοπούλου",
    "cyrillic": "Анна Кузнецова",
    "arabic": "فاطمة الزهراء",
    "chinese": "王小明",
    "japanese": "山田 花子 さくら",
}


def _issue_for(cw, name: str):
    cw.learner.display_name = name
    db.session.flush()
    complete(cw.learner, cw.course)
    certificates.confirm_name(cw.learner, "display")
    return certificate_of(cw.learner)


def _text(data: bytes) -> tuple[str, PdfReader]:
    reader = PdfReader(io.BytesIO(data))
    assert len(reader.pages) == 1, "a certificate is one page"
    return reader.pages[0].extract_text(), reader


def _fonts(reader: PdfReader) -> dict[str, bool]:
    """Each font of the page, and whether the file carries it (FontFile2 for TrueType)."""
    found = {}
    resources = reader.pages[0]["/Resources"]["/Font"]
    for ref in resources.values():
        font = ref.get_object()
        name = str(font["/BaseFont"]).split("+")[-1].lstrip("/")
        descriptor = font.get("/FontDescriptor")
        embedded = bool(descriptor) and any(
            key in descriptor.get_object() for key in ("/FontFile", "/FontFile2", "/FontFile3")
        )
        found[name] = embedded
    return found


def _page_png(data: bytes, slug: str, tmp_path: Path) -> Path:
    """Page 1 at 60 dpi, kept in tests/certificates/artifacts/ to be looked at."""
    pdf = tmp_path / f"{slug}.pdf"
    pdf.write_bytes(data)
    pdftoppm = shutil.which("pdftoppm")
    assert pdftoppm is not None, "pdftoppm (Debian poppler-utils) is needed"
    subprocess.run(  # noqa: S603 - poppler's own tool on our own file
        [
            pdftoppm,
            "-png",
            "-r",
            "60",
            "-f",
            "1",
            "-l",
            "1",
            "-singlefile",
            str(pdf),
            str(tmp_path / slug),
        ],
        check=True,
    )
    ARTIFACTS.mkdir(exist_ok=True)
    target = ARTIFACTS / f"{slug}.png"
    shutil.copy(tmp_path / f"{slug}.png", target)
    return target


@pytest.mark.parametrize("script", sorted(NAMES))
def test_names_in_every_script_come_out_as_text_with_fonts_embedded(cw, tmp_path, script):
    name = NAMES[script]
    certificate = _issue_for(cw, name)
    data = rendering.render_pdf(certificate)
    text, reader = _text(data)
    squashed = "".join(text.split())
    if script == "arabic":
        # Drawn right to left in joined (presentation) forms: compare the letters' identity.
        import unicodedata

        letters = "".join(unicodedata.normalize("NFKC", ch) for ch in squashed)
        assert "".join(reversed("فاطمة")) in letters or "فاطمة" in letters
    else:
        assert "".join(name.split()) in squashed, text
    for expected in (
        "Certificate of completion",
        "Trauma-informed practice: foundations",
        certificate.number,
        verify_url(certificate.code),
        "One CPD hour equals one hour of structured learning, excluding breaks.",
        "Northfield Cert Trust",
        "Fay Facilitator",
        "1 hour 30 minutes",
        OUTCOMES[0],
    ):
        assert "".join(expected.split()) in squashed, expected
    fonts = _fonts(reader)
    assert fonts.get("DejaVuSans-Bold") is True
    # ReportLab names Helvetica in every page's preamble without drawing a glyph in it;
    # every font text is drawn in is embedded.
    assert all(embedded for font, embedded in fonts.items() if font != "Helvetica"), fonts
    if script in ("chinese", "japanese"):
        assert fonts.get("DroidSansFallback") is True
    png = _page_png(data, f"certificate-{script}", tmp_path)
    assert png.stat().st_size > 5000


def test_a4_landscape_by_default_and_letter_when_configured(app, cw, issued):
    reader = PdfReader(io.BytesIO(rendering.render_pdf(issued)))
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (842, 595)
    app.config["CERTIFICATE_PAGE_SIZE"] = "Letter"
    try:
        reader = PdfReader(io.BytesIO(rendering.render_pdf(issued)))
    finally:
        app.config["CERTIFICATE_PAGE_SIZE"] = "A4"
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (792, 612)
    with pytest.raises(CertificateRenderError, match="A4 or Letter"):
        rendering.render_pdf(issued, "A3")


def test_the_qr_code_points_at_the_verification_address(cw, issued):
    html = rendering.certificate_html(issued)
    assert 'src="data:image/png;base64,' in html
    assert "img.qr { width: 3.5cm; height: 3.5cm; }" in html
    import segno

    qr = segno.make(verify_url(issued.code), error="m")
    assert qr.error == "M"


def test_a_name_with_markup_is_printed_as_text(cw, tmp_path):
    payload = "<script>alert(1)</script> <b>Bold</b> &amp;"
    certificate = _issue_for(cw, f"Lena {payload}")
    html = rendering.certificate_html(certificate)
    assert "<script>" not in html and "<b>Bold</b>" not in html
    text, _reader = _text(rendering.render_pdf(certificate))
    assert "<script>alert(1)</script>" in text and "<b>Bold</b>" in text
    _page_png(rendering.render_pdf(certificate), "certificate-markup", tmp_path)


@pytest.mark.parametrize(
    "uri",
    [
        "https://example.org/logo.png",
        "http://127.0.0.1:5000/static/fonts/DejaVuSans.ttf",
        "file:///etc/passwd",
        "/etc/passwd",
        "../lms/config.py",
        "fonts/../../lms/config.py",
        "fonts/missing.ttf",
        "data:text/html,<script>alert(1)</script>",
    ],
)
def test_a_design_can_fetch_nothing_but_our_fonts_and_images(app, db, uri):
    with pytest.raises(CertificateRenderError):
        rendering.link_callback(uri)
    page = f'<html><body><p>x</p><img src="{uri}"></body></html>'
    with pytest.raises(CertificateRenderError):
        rendering.html_to_pdf(page)


def test_our_fonts_resolve(app, db):
    assert rendering.link_callback("fonts/DejaVuSans.ttf").endswith("static/fonts/DejaVuSans.ttf")


def test_a_warning_from_xhtml2pdf_is_an_error(app, db):
    # A character no font has is a warning in xhtml2pdf's log, and a failed certificate here.
    with pytest.raises(CertificateRenderError, match="warning"):
        rendering.html_to_pdf("<html><body><p>राम</p></body></html>")


def test_a_second_download_does_not_render_again(app, cw, issued, monkeypatch):
    calls = []
    real = rendering.render_pdf
    monkeypatch.setattr(rendering, "render_pdf", lambda *a: calls.append(a) or real(*a))
    first = cached_pdf(issued)
    second = cached_pdf(issued)
    assert first == second and len(calls) == 1
    assert first.read_bytes().startswith(b"%PDF")
    assert not list(first.parent.glob(".rendering-*"))  # no temporary file left behind
    cached_pdf(issued, "Letter")
    assert len(calls) == 2  # another page size is another file


def test_a_plugins_design_is_used_for_its_courses(make_app):
    from tests.plugins.conftest import PLUGIN_PATHS

    app = make_app(PLUGINS=["sample"], PLUGIN_PATHS={"sample": PLUGIN_PATHS["sample"]})
    with app.app_context():
        from lms.testing.factories import Factories

        f = Factories()
        course = f.course(
            title="Sample plugin course",
            certificate_template="sample-certificate",
            modules=[[{"type": "text"}]],
        )
        learner = f.user("Pia Plugin")
        f.enrol(learner, f.cohort(course))
        db.session.commit()
        certificates.confirm_name(learner, "display")
        complete(learner, course)
        certificate = certificate_of(learner)
        assert (certificate.template_key, certificate.kind) == ("sample-certificate", "completion")
        text, _reader = _text(rendering.render_pdf(certificate))
    assert "Certificate of taking part" in text
    assert "Pia Plugin took part in Sample plugin course." in text
