"""The exception tree services raise, and the one place that turns it into a response."""

from __future__ import annotations

from typing import Any

from flask import Flask, flash, jsonify, redirect, render_template, request
from werkzeug.wrappers import Response


class LMSError(Exception):
    """A problem with a message fit for the person who caused it."""

    status = 400

    def __init__(self, message: str, *, field_errors: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field_errors = field_errors or {}


class InvalidInput(LMSError):
    status = 400


class NotAllowed(LMSError):
    status = 403


class NotFound(LMSError):
    status = 404


class Conflict(LMSError):
    status = 409


def _wants_json() -> bool:
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return (
        best == "application/json"
        and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]
    )


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(LMSError)
    def handle_lms_error(error: LMSError) -> Any:
        if _wants_json():
            return jsonify(error=error.message, fields=error.field_errors), error.status
        if isinstance(error, NotAllowed | NotFound) or request.method in ("GET", "HEAD"):
            return (
                render_template("errors/error.html", status=error.status, message=error.message),
                error.status,
            )
        flash(error.message, "problem")
        target = request.referrer if _same_origin(request.referrer) else request.path
        return redirect(target or "/", code=303)

    for status, message in {
        400: "Something about that request didn't work. Please go back and try again.",
        403: "This page isn't available to your account.",
        404: "We couldn't find that page.",
        405: "That action can't be done from this address.",
        413: "That file is too large.",
        500: "Something went wrong on our side. Nothing you did caused it; please try again.",
    }.items():
        app.register_error_handler(status, _http_error(status, message))


def _http_error(status: int, message: str) -> Any:
    def handler(error: Exception) -> tuple[str | Response, int]:
        if _wants_json():
            return jsonify(error=message), status
        return render_template("errors/error.html", status=status, message=message), status

    return handler


def _same_origin(url: str | None) -> bool:
    if not url:
        return False
    return url.startswith(request.host_url)
