"""A journey through the app in a real browser, with every page it visits checked.

Each page a journey lands on is checked before the journey moves on (``Tab.check``, which
the navigation helpers call for you):

1. axe finds no WCAG 2.2 A/AA violations;
2. every request the page made went to the app's own origin (``data:`` URLs are fine);
3. the page weighs at most ``PAGE_BUDGET`` bytes (response bodies, downloads and media
   range requests left out), and none of its own files failed to load;
4. a full-page screenshot goes to ``tests/e2e/artifacts/<test>-<n>-<slug>.png``.

Leaving a page that was not checked fails the test, so no page slips through.

With JavaScript switched off axe cannot run in the page itself (it waits on timers), so the
page's HTML, exactly as the browser holds it, is shown to axe in a twin page at the same
address, with the same stylesheet, in a context that has JavaScript.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from playwright.sync_api import Browser, BrowserContext, Locator, Page, Request, Route

ARTIFACTS = Path(__file__).parent / "artifacts"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
PAGE_BUDGET = 200 * 1024
VIEWPORT = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}  # a common phone, in CSS pixels
CHECKED_MARK = "__e2eChecked"

FOCUS_PROBLEM = """() => {
  const el = document.activeElement;
  if (!el || el === document.body || el === document.documentElement) {
    return "nothing has keyboard focus";
  }
  const style = getComputedStyle(el);
  if (style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0) { return ""; }
  const name = (el.innerText || el.value || el.getAttribute("aria-label") || "").trim();
  return `<${el.tagName.toLowerCase()}> "${name.slice(0, 60)}" has focus but no visible outline ` +
    `(outline: ${style.outlineStyle} ${style.outlineWidth}; ` +
    `:focus-visible ${el.matches(":focus-visible")})`;
}"""


def slugify(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60] or "page"


def format_violations(url: str, violations: list[dict[str, Any]]) -> str:
    """axe's findings as a reader would want them on a failed test."""
    lines = [f"axe found {len(violations)} accessibility problem(s) on {url}:"]
    for v in violations:
        lines.append(f"- {v['id']} ({v.get('impact')}): {v['help']}")
        lines.append(f"  {v.get('helpUrl', '')}")
        for node in v.get("nodes", [])[:5]:
            lines.append(f"    at {', '.join(map(str, node.get('target', [])))}")
            lines.append(f"       {node.get('html', '')[:200]}")
            summary = (node.get("failureSummary") or "").replace("\n", "\n         ")
            lines.append(f"       {summary}")
    return "\n".join(lines)


class AxeRunner:
    """Runs axe on a page; pages without JavaScript go through a twin page that has it."""

    def __init__(self, browser: Browser) -> None:
        from axe_playwright_python.base import AXE_SCRIPT

        self.script = AXE_SCRIPT
        self._twin_context = browser.new_context(viewport=VIEWPORT)
        self.install(self._twin_context)
        self._twin_html = ""
        self._twin_headers: dict[str, str] = {}
        self._twin_loads = 0
        self._twin_context.route("**/*", self._serve_twin)
        self._twin = self._twin_context.new_page()

    def install(self, context: BrowserContext) -> None:
        """Have axe in every page of ``context`` from the start (cheaper than injecting it
        into each page); pages without JavaScript never run it and use the twin."""
        context.add_init_script(script=self.script)

    def _serve_twin(self, route: Route) -> None:
        if route.request.resource_type == "document":
            route.fulfill(status=200, headers=self._twin_headers, body=self._twin_html)
        else:
            route.continue_()

    def violations(
        self, page: Page, *, js: bool, headers: dict[str, str] | None = None
    ) -> list[dict[str, Any]]:
        """axe's violations on ``page``; ``headers``: the page's own (its CSP, for the twin)."""
        target = page
        if not js:
            self._twin_html = page.content()
            self._twin_headers = {
                "content-type": "text/html; charset=utf-8",
                **{k: v for k, v in (headers or {}).items() if k == "content-security-policy"},
            }
            # Always a new document: a different query, and no fragment (going to the same
            # address with a #fragment would only scroll the twin's old page).
            self._twin_loads += 1
            address = page.url.split("#", 1)[0]
            address += ("&" if "?" in address else "?") + f"e2e-twin={self._twin_loads}"
            self._twin.goto(address, wait_until="load")
            assert self._twin.title() == page.title(), "The twin page shows another page"
            target = self._twin
        if not target.evaluate("() => typeof window.axe === 'object'"):
            target.evaluate(self.script)
        options = {"runOnly": {"type": "tag", "values": AXE_TAGS}, "resultTypes": ["violations"]}
        results = target.evaluate("options => window.axe.run(document, options)", options)
        return list(results["violations"])

    def close(self) -> None:
        self._twin_context.close()


class Journey:
    """One test's pages, across as many fresh browser contexts as it opens."""

    def __init__(self, browser: Browser, base_url: str, test_name: str, axe: AxeRunner) -> None:
        self.browser = browser
        self.base_url = base_url.rstrip("/")
        self.origin = "{0.scheme}://{0.netloc}".format(urlsplit(self.base_url))
        self.name = slugify(test_name)
        self.axe = axe
        self.pages_checked = 0
        self.tabs: list[Tab] = []
        for old in ARTIFACTS.glob(f"{self.name}-*.png"):  # an earlier run's screenshots
            old.unlink(missing_ok=True)

    def open(self, *, js: bool = True, viewport: dict[str, int] | None = None) -> Tab:
        """A fresh browser context (no cookies) with one page in it; ``viewport``, e.g.
        ``PHONE``, for a smaller screen than a desktop's."""
        context = self.browser.new_context(
            java_script_enabled=js,
            viewport=viewport or VIEWPORT,
            is_mobile=viewport is not None and viewport["width"] < 700,
            has_touch=viewport is not None and viewport["width"] < 700,
        )
        context.set_default_timeout(15_000)
        if js:
            self.axe.install(context)
        tab = Tab(self, context, context.new_page(), js=js)
        self.tabs.append(tab)
        return tab

    def finish(self) -> None:
        """Every tab's last page must have been checked too."""
        try:
            for tab in self.tabs:
                if not tab.closed:
                    tab.assert_checked()
        finally:
            self.close()

    def close(self) -> None:
        for tab in self.tabs:
            tab.close()

    def screenshot_path(self, slug: str) -> Path:
        self.pages_checked += 1
        ARTIFACTS.mkdir(exist_ok=True)
        return ARTIFACTS / f"{self.name}-{self.pages_checked:02d}-{slugify(slug)}.png"


class Tab:
    """A page in its own browser context; navigate with the helpers so each page is checked."""

    def __init__(self, journey: Journey, context: BrowserContext, page: Page, *, js: bool) -> None:
        self.journey = journey
        self.context = context
        self.page = page
        self.js = js
        self.closed = False
        self._requests: list[Request] = []
        self._downloads: set[str] = set()
        page.on("request", lambda request: self._requests.append(request))
        page.on("download", lambda download: self._downloads.add(download.url))

    # -- navigation ---------------------------------------------------------------------

    def url(self, path: str) -> str:
        return self.journey.base_url + path

    def goto(self, path: str, name: str | None = None) -> Page:
        self._leaving()
        self.page.goto(self.url(path))
        self.check(name)
        return self.page

    def click(self, target: Locator, name: str | None = None) -> Page:
        """Click something that loads a new page, then check that page."""
        return self._navigate(target.click, name)

    def press(self, key: str, name: str | None = None) -> Page:
        """Press a key (Enter, Space) on the focused element; it loads a new page."""
        return self._navigate(lambda: self.page.keyboard.press(key), name)

    def back(self, name: str | None = None) -> Page:
        """The browser's Back button. The page may come back from the back/forward cache,
        which fires no load event, so wait for the document to be complete instead."""
        self._leaving()
        self.page.go_back(wait_until="commit")
        deadline = time.monotonic() + 10
        while self.page.evaluate("document.readyState") != "complete":
            assert time.monotonic() < deadline, f"{self.page.url} never finished loading"
            time.sleep(0.05)
        self.check(name, wait=False)
        return self.page

    def _navigate(self, action: Callable[[], Any], name: str | None) -> Page:
        self._leaving()
        with self.page.expect_navigation(wait_until="load"):
            action()
        self.check(name)
        return self.page

    def _leaving(self) -> None:
        if self.page.url != "about:blank":
            self.assert_checked()

    def assert_checked(self) -> None:
        checked = self.page.evaluate(f"() => window.{CHECKED_MARK} === true")
        assert checked, f"The journey left {self.page.url} without checking it (Tab.check)."

    # -- the checks ---------------------------------------------------------------------

    def check(self, name: str | None = None, *, wait: bool = True) -> None:
        """Check the page the tab is on now (see the module's docstring)."""
        page = self.page
        if wait:
            page.wait_for_load_state("load")
        requests, self._requests = self._requests, []
        problems: list[str] = []

        foreign = [
            r.url
            for r in requests
            if not r.url.startswith("data:") and not r.url.startswith(self.journey.origin + "/")
        ]
        if foreign:
            problems.append(f"Requests to other origins from {page.url}: {foreign}")

        total, sizes, failed = self._weigh(requests)
        if total > PAGE_BUDGET:
            listing = "\n".join(f"  {size:>8} {url}" for url, size in sizes)
            problems.append(
                f"{page.url} weighs {total} bytes, over the {PAGE_BUDGET} budget:\n{listing}"
            )
        if failed:
            problems.append(f"Files of {page.url} failed to load: {failed}")

        documents = [
            r for r in requests if r.is_navigation_request() and r.frame == page.main_frame
        ]
        response = documents[-1].response() if documents else None
        headers = response.all_headers() if response is not None else {}
        violations = self.journey.axe.violations(page, js=self.js, headers=headers)
        if violations:
            problems.append(format_violations(page.url, violations))

        slug = name or page.title().split(" · ")[0]
        page.screenshot(path=self.journey.screenshot_path(slug), full_page=True)
        page.evaluate(f"() => {{ window.{CHECKED_MARK} = true; }}")
        self._requests = []  # what axe itself fetched (stylesheets) belongs to no page
        assert not problems, "\n\n".join(problems)

    def _weigh(self, requests: list[Request]) -> tuple[int, list[tuple[str, int]], list[str]]:
        total = 0
        sizes: list[tuple[str, int]] = []
        failed: list[str] = []
        for request in requests:
            if request.url.startswith("data:") or request.url in self._downloads:
                continue
            if request.resource_type == "media" or "range" in request.headers:
                continue
            response = request.response()
            if response is None:
                failed.append(f"{request.url} ({request.failure or 'no response'})")
                continue
            if request.resource_type != "document" and response.status >= 400:
                failed.append(f"{request.url} ({response.status})")
            if 300 <= response.status < 400 and response.status != 304:
                continue  # a redirect has no body to speak of
            try:
                size = len(response.body())
            except Exception:
                size = request.sizes()["responseBodySize"]
            total += size
            sizes.append((request.url, size))
        return total, sizes, failed

    # -- keyboard -----------------------------------------------------------------------

    def focus_problem(self) -> str:
        return str(self.page.evaluate(FOCUS_PROBLEM))

    def tab_to(self, target: Locator, *, limit: int = 80) -> None:
        """Press Tab until ``target`` has focus, checking every stop shows where focus is."""
        for _ in range(limit):
            self.page.keyboard.press("Tab")
            problem = self.focus_problem()
            assert not problem, f"On {self.page.url}: {problem}"
            if target.evaluate("el => el === document.activeElement"):
                return
        raise AssertionError(f"Tab never reached {target} on {self.page.url}")

    def skip_to_main(self) -> None:
        """From the top of a fresh page: Tab to the skip link and follow it."""
        self.page.keyboard.press("Tab")
        assert not self.focus_problem(), self.focus_problem()
        skip = self.page.get_by_role("link", name="Skip to main content")
        assert skip.evaluate("el => el === document.activeElement"), "The skip link is not first"
        self.page.keyboard.press("Enter")

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            self.context.close()


# -- steps many journeys share -------------------------------------------------------------

DEMO_PASSWORD = "demo-password"


def nav_link(page: Page, name: str) -> Locator:
    """A link in the site's main navigation."""
    return page.get_by_role("navigation", name="Main").get_by_role("link", name=name, exact=True)


def sign_in(tab: Tab, name: str, secret: str = DEMO_PASSWORD) -> Page:
    """Sign in on the sign-in page as someone would, leaving "Keep me signed in" unticked."""
    page = tab.goto("/sign-in", "sign-in")
    page.get_by_label("Email or username").fill(name)
    page.get_by_label("Password or PIN").fill(secret)
    return tab.click(page.get_by_role("button", name="Sign in"))


def sign_out(tab: Tab) -> Page:
    page = tab.click(tab.page.get_by_role("button", name="Sign out"))
    assert page.get_by_text("You've signed out.").is_visible()
    return page
