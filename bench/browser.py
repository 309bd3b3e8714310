"""A tiny browser (http.client: no redirects followed, cookies kept by hand), enough to
sign in through the real form with its CSRF token."""

from __future__ import annotations

import http.client
import re
import urllib.parse
from http.cookies import SimpleCookie

import click

USER_AGENT = "lms-bench/1.0"
CSRF_RE = re.compile(r'<input[^>]*name="csrf_token"[^>]*>')
VALUE_RE = re.compile(r'value="([^"]+)"')


class Browser:
    """Cookies kept by hand: the LMS marks them Secure even on this plain-http loopback."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}

    @property
    def cookie_header(self) -> str:
        return "; ".join(f"{k}={v}" for k, v in self.cookies.items())

    def request(
        self, method: str, path: str, form: dict[str, str] | None = None
    ) -> tuple[int, http.client.HTTPMessage, str]:
        headers = {"User-Agent": USER_AGENT}
        if self.cookies:
            headers["Cookie"] = self.cookie_header
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            text = response.read().decode("utf-8", "replace")
        finally:
            conn.close()
        for raw in response.headers.get_all("Set-Cookie") or []:
            parsed = SimpleCookie()
            parsed.load(raw)
            for name, morsel in parsed.items():
                expired = morsel["max-age"] == "0" or "1970" in morsel["expires"]
                if expired or not morsel.value:
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
        return response.status, response.headers, text

    def csrf_token(self, path: str) -> str:
        status, _headers, text = self.request("GET", path)
        match = CSRF_RE.search(text)
        value = VALUE_RE.search(match.group(0)) if match else None
        if status != 200 or value is None:
            raise click.ClickException(f"No CSRF token on {path} (HTTP {status})")
        return value.group(1)

    def sign_in(self, name: str, password: str) -> None:
        token = self.csrf_token("/sign-in")
        status, _headers, _ = self.request(
            "POST",
            "/sign-in",
            {"csrf_token": token, "name": name, "password": password, "next": ""},
        )
        if status not in (302, 303):
            raise click.ClickException(f"Signing in as {name} failed (HTTP {status})")

    def refresh(self, path: str) -> bool:
        """GET ``path`` so the cookie is current; True if the server wanted to change it."""
        before = dict(self.cookies)
        status, _h, _t = self.request("GET", path)
        if status != 200:
            raise click.ClickException(f"GET {path} answered HTTP {status}")
        return before != self.cookies


def signed_in_headers(
    port: int, email: str, password: str, path: str
) -> tuple[dict[str, str], bool]:
    """wrk's headers for someone just signed in who has fetched ``path`` twice (a first
    visit may record something, a step view), and whether the second fetch changed the
    cookie (it should not).

    A browser stores the cookie each answer sets, so the time it last saw the site (kept in
    the session for the idle sign-out, rewritten once it is a minute old) is never older
    than that. wrk sends one cookie for a whole run: a cookie kept from an earlier run
    would have the server rewrite the session on every request, so each run asks for its
    own."""
    browser = Browser(port)
    browser.sign_in(email, password)
    browser.refresh(path)
    churn = browser.refresh(path)
    return {"Cookie": browser.cookie_header, "User-Agent": USER_AGENT}, churn
