"""Security headers on every response: the content security policy and its companions.

The headers never change while the app runs, so they are put together once at start-up;
HSTS goes only on requests that arrived over https.
"""

from __future__ import annotations

from flask import Flask, Response, request

CSP = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "media-src": "'self'",
    "font-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'none'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}
PERMISSIONS = {"camera": "()", "microphone": "()", "geolocation": "()"}
HSTS = "max-age=31556926; includeSubDomains"


def security_headers() -> dict[str, str]:
    return {
        "Content-Security-Policy": "; ".join(f"{k} {v}" for k, v in CSP.items()),
        "Permissions-Policy": ", ".join(f"{k}={v}" for k, v in PERMISSIONS.items()),
        "X-Frame-Options": "DENY",
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "same-origin",
    }


def init_security_headers(app: Flask) -> None:
    headers = security_headers()
    hsts = bool(app.config["SESSION_COOKIE_SECURE"])

    @app.after_request
    def _security_headers(response: Response) -> Response:
        response.headers.update(headers)
        if hsts and (
            request.is_secure or request.headers.get("X-Forwarded-Proto", "http") == "https"
        ):
            response.headers["Strict-Transport-Security"] = HSTS
        return response
