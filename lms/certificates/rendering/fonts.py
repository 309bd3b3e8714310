"""The fonts certificates are printed in, shipped in static/fonts/ (licences beside them).

xhtml2pdf draws each run of text in one font and picks no fallback per glyph, so text is
split into runs by which font can draw each character (read from the fonts' cmap tables
with fontTools): DejaVu Sans for Latin, Greek, Cyrillic and Arabic, Droid Sans Fallback for
Chinese and Japanese. Every family is registered with all four faces.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from markupsafe import Markup, escape


@dataclass(frozen=True)
class Family:
    """A font family as the PDF's CSS names it, with a file for each of the four faces."""

    name: str
    css_class: str
    regular: str
    bold: str
    italic: str
    bold_italic: str

    def faces(self) -> list[tuple[str, str, str]]:
        """(file, font-weight, font-style) for each face."""
        return [
            (self.regular, "normal", "normal"),
            (self.bold, "bold", "normal"),
            (self.italic, "normal", "italic"),
            (self.bold_italic, "bold", "italic"),
        ]


MAIN = Family(
    "CertificateSans",
    "",
    "DejaVuSans.ttf",
    "DejaVuSans-Bold.ttf",
    "DejaVuSans-Oblique.ttf",
    "DejaVuSans-BoldOblique.ttf",
)
# One face only, so it stands in for all four (a missing face would make xhtml2pdf fall
# back to another family for bold or italic text).
CJK = Family(
    "CertificateCJK",
    "font-cjk",
    "DroidSansFallbackFull.ttf",
    "DroidSansFallbackFull.ttf",
    "DroidSansFallbackFull.ttf",
    "DroidSansFallbackFull.ttf",
)
#: In order of preference: a character goes to the first family that can draw it.
FAMILIES = (MAIN, CJK)
#: Files whose glyphs decide which family draws a character (the regular and bold faces;
#: learner-supplied text is never set in italics, where DejaVu has no Arabic).
_COVERAGE_FACES = {MAIN.name: (MAIN.regular, MAIN.bold), CJK.name: (CJK.regular,)}


def fonts_dir() -> Path:
    """static/fonts/ of the app being served (or of the source tree)."""
    from flask import current_app, has_app_context

    if has_app_context() and current_app.static_folder:
        return Path(current_app.static_folder) / "fonts"
    from lms import _find

    return Path(_find("static")) / "fonts"


@cache
def _cmap(path: str) -> frozenset[int]:
    from fontTools.ttLib import TTFont  # on first use: a worker may never need it

    font = TTFont(path, lazy=True)
    try:
        return frozenset(font.getBestCmap() or {})
    finally:
        font.close()


@cache
def _coverage(folder: str, family_name: str) -> frozenset[int]:
    """Code points every coverage face of the family can draw."""
    sets = [_cmap(str(Path(folder) / name)) for name in _COVERAGE_FACES[family_name]]
    return frozenset.intersection(*sets)


def _ignorable(char: str) -> bool:
    """Spaces and invisible marks (joiners, direction marks) need no glyph of their own."""
    return char.isspace() or unicodedata.category(char) in ("Cf", "Cc")


Coverage = list[tuple[Family, frozenset[int]]]


def _coverages() -> Coverage:
    folder = str(fonts_dir())
    return [(family, _coverage(folder, family.name)) for family in FAMILIES]


def family_for(char: str, coverages: Coverage | None = None) -> Family | None:
    if _ignorable(char):
        return None
    for family, points in coverages or _coverages():
        if ord(char) in points:
            return family
    return None


def unprintable(text: str) -> list[str]:
    """The characters of ``text`` no shipped font can draw, each once, in order."""
    coverages = _coverages()
    missing: dict[str, None] = {}
    for char in text:
        if not _ignorable(char) and family_for(char, coverages) is None:
            missing[char] = None
    return list(missing)


def in_fonts(text: str) -> Markup:
    """``text`` escaped, with the runs the main font can't draw wrapped in a span that sets
    the family that can (``<span class="font-cjk">山田</span>``)."""
    pieces: list[Markup] = []
    current: Family | None = MAIN
    run: list[str] = []

    def flush() -> None:
        if not run:
            return
        chunk = escape("".join(run))
        if current is not None and current is not MAIN:
            chunk = Markup('<span class="{}">{}</span>').format(current.css_class, chunk)
        pieces.append(chunk)
        run.clear()

    coverages = _coverages()
    for char in text:
        family = family_for(char, coverages)
        if family is not None and family is not current:
            flush()
            current = family
        run.append(char)
    flush()
    return Markup("").join(pieces)


_RTL = ("R", "AL")
_LTR = ("L",)


def text_direction(text: str) -> str:
    """``rtl`` when the first strongly directional character is right-to-left (Arabic,
    Hebrew), else ``ltr``: the direction of a paragraph holding only ``text``."""
    for char in text:
        kind = unicodedata.bidirectional(char)
        if kind in _RTL:
            return "rtl"
        if kind in _LTR:
            return "ltr"
    return "ltr"


def font_faces() -> list[tuple[str, str, str, str]]:
    """(family, file under static/fonts/, weight, style) of every face, for the @font-face
    rules of the page (names and files need no quoting, so nothing is escaped in CSS)."""
    return [
        (family.name, filename, weight, style)
        for family in FAMILIES
        for filename, weight, style in family.faces()
    ]
