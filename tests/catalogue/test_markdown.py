"""Course text is rendered, then sanitised: nothing in a course file can run script."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from lms.catalogue.markdown import (
    ALLOWED_ATTRIBUTES,
    ALLOWED_TAGS,
    markdown_problems,
    render_markdown,
    sanitise_html,
)

PAYLOADS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    '<a href="javascript:alert(1)">click</a>',
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click](  javascript:alert(1) )",
    "<javascript:alert(1)>",
    "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "![x](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)",
    "<svg onload=alert(1)><circle/></svg>",
    "<iframe src=https://evil.example></iframe>",
    '<p style="background:url(javascript:alert(1))">x</p>',
    "[click](vbscript:msgbox(1))",
    '[x](https://ok.example "title" onmouseover="alert(1)")',
    "<!-- <script>alert(1)</script> -->",
    "```\n</code></pre><script>alert(1)</script>\n```",
]


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.append((tag, attrs))


def assert_inert(html: str) -> None:
    parser = _Tags()
    parser.feed(html)
    for tag, attrs in parser.found:
        assert tag in ALLOWED_TAGS, html
        for name, value in attrs:
            assert name in ALLOWED_ATTRIBUTES.get(tag, set()) | {"rel"}, html
            if name == "href":
                assert (value or "").startswith(("http://", "https://", "mailto:")), html
    assert "<script" not in html.lower() and "<svg" not in html.lower()


@pytest.mark.parametrize("payload", PAYLOADS)
def test_xss_payloads_come_out_inert(payload: str) -> None:
    assert_inert(render_markdown(payload))
    assert_inert(sanitise_html(payload))


@pytest.mark.parametrize("payload", PAYLOADS[:13])
def test_the_loader_is_told_about_html_images_and_bad_links(payload: str) -> None:
    assert markdown_problems(payload), payload


def test_ordinary_markdown_renders() -> None:
    html = render_markdown(
        "# Title\n\n## Part\n\n### Section\n\nSome **bold**, *em* and `code`, "
        "[a link](https://example.org) and <mailto:help@example.org>.\n\n"
        "1. one\n2. two\n\n> quoted\n\n---\n\n| a | b |\n|---|---|\n| 1 | 2 |\n"
    )
    assert "<h3>Title</h3>" in html and "<h3>Part</h3>" in html and "<h3>Section</h3>" in html
    assert "<strong>bold</strong>" in html and "<em>em</em>" in html
    assert '<a href="https://example.org" rel="noopener noreferrer">a link</a>' in html
    assert 'href="mailto:help@example.org"' in html
    assert "<ol>" in html and "<blockquote>" in html and "<hr>" in html
    assert "<table>" in html and "<td>1</td>" in html
    assert markdown_problems("Plain text with a [link](https://example.org).") == []


def test_relative_links_are_dropped_and_reported() -> None:
    assert "href" not in render_markdown("[handout](files/handout.pdf)")
    assert markdown_problems("Words\n\nmore [handout](files/handout.pdf)") == [
        (
            2,
            'link to "files/handout.pdf" would be removed: only http://, https:// and '
            "mailto: links are kept",
        )
    ]
