"""The base of the LMS's forms: Flask-WTF's ``FlaskForm``, carrying the page's CSRF token."""

from __future__ import annotations

from typing import Any

from flask import current_app, has_request_context
from flask_wtf import FlaskForm

from lms.app import csrf_token


class Form(FlaskForm):
    """A form whose CSRF field carries the request's token as ``lms.app.csrf_token`` signs
    it (without zlib), made before Flask-WTF's field asks for one and reused by every form
    and button of the page. Forms whose ``Meta`` sets ``csrf = False`` are left alone."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        if (
            getattr(self.Meta, "csrf", True) is not False
            and has_request_context()
            and current_app.config.get("WTF_CSRF_ENABLED", True)
        ):
            csrf_token()
        super().__init__(*args, **kwargs)
