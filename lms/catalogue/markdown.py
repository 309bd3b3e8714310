"""Course text: Markdown rendered to HTML, then sanitised, so nothing in a course file can
run script in a learner's browser. Also finds what the renderer would drop or show as
typed, so the loader can report it at its line instead of losing it silently."""

from __future__ import annotations

from typing import Any

import nh3
from markdown_it import MarkdownIt
from markdown_it.token import Token

#: Part of every course's content hash: raise it when rendering changes, so the next
#: import re-renders every course even though its files did not change.
RENDER_VERSION = 1

ALLOWED_TAGS = {
    "p", "h3", "h4", "h5", "h6", "ul", "ol", "li", "strong", "em", "blockquote", "a",
    "code", "pre", "hr", "br", "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href"}, "ol": {"start"}}
URL_SCHEMES = {"http", "https", "mailto"}
_LINK_PREFIXES = ("http://", "https://", "mailto:")

_renderer = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": True})
_renderer.enable(["table", "replacements", "smartquotes"])

# Parses raw HTML and any link target, only to find what the renderer would not keep.
_checker = MarkdownIt("commonmark", {"html": True, "linkify": False})
_checker.enable(["table"])
_checker.validateLink = lambda url: True  # type: ignore[method-assign]


def render_markdown(text: str) -> str:
    """Markdown to safe HTML. Headings ``#`` and ``##`` become ``<h3>``: the page around a
    step already has its ``<h1>`` and ``<h2>``."""
    tokens = _renderer.parse(text)
    for token in tokens:
        if token.type in ("heading_open", "heading_close") and token.tag in ("h1", "h2"):
            token.tag = "h3"
    html = _renderer.renderer.render(tokens, _renderer.options, {})
    return sanitise_html(html)


def sanitise_html(html: str) -> str:
    """Keep only a small set of tags; links only to http(s) and mailto, never opener-linked."""
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer",
        strip_comments=True,
        attribute_filter=_keep_attribute,
    )


def _keep_attribute(tag: str, attribute: str, value: str) -> str | None:
    if tag == "a" and attribute == "href" and not value.lower().startswith(_LINK_PREFIXES):
        return None  # relative and fragment links would point into the LMS's own pages
    return value


def markdown_problems(text: str) -> list[tuple[int, str]]:
    """What in ``text`` would be lost or shown as typed: ``[(line index from 0, message)]``."""
    lines = text.split("\n")
    found: list[tuple[int, str]] = []
    for token in _checker.parse(text):
        if token.type == "html_block":
            found.append((_first_line(token), _html_message(token.content)))
        elif token.type == "inline":
            for child in token.children or []:
                message = _inline_problem(child)
                if message is not None:
                    found.append((_line_of(child, token, lines), message))
    return found


def _first_line(token: Token) -> int:
    return token.map[0] if token.map else 0


def _html_message(content: str) -> str:
    snippet = content.strip().splitlines()[0][:60] if content.strip() else content
    return f'HTML is not allowed in course text; use Markdown instead (found "{snippet}")'


def _inline_problem(child: Token) -> str | None:
    if child.type == "html_inline" and not child.content.startswith("</"):
        return _html_message(child.content)
    if child.type == "image":
        return (
            f'images are not supported in course text (found "{child.attrs.get("src", "")}"); '
            "use a video or download step"
        )
    if child.type == "link_open":
        href = str(child.attrs.get("href", ""))
        if not href.lower().startswith(_LINK_PREFIXES):
            return (
                f'link to "{href}" would be removed: only http://, https:// and mailto: '
                "links are kept"
            )
    return None


def _line_of(child: Token, parent: Token, lines: list[str]) -> int:
    """The line of an inline token: the first line of its paragraph that holds its text."""
    start, end = parent.map if parent.map else (0, len(lines))
    needle: Any = child.attrs.get("src") or child.attrs.get("href") or child.content
    for index in range(start, min(end, len(lines))):
        if needle and str(needle) in lines[index]:
            return index
    return start
