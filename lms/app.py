"""The Flask application class: Flask, with links and the session cookie's serializer made
once instead of on every request."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask.globals import _cv_request
from flask.sessions import SecureCookieSessionInterface
from itsdangerous import URLSafeTimedSerializer

#: Built URLs kept at most; the cache starts again when full (links are cheap to rebuild).
URL_CACHE_SIZE = 20_000


class SessionCookies(SecureCookieSessionInterface):
    """Flask's signed session cookie, with its serializer made once per set of secret keys
    rather than twice a request (reading the cookie and writing it)."""

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        keys = (app.secret_key, tuple(app.config.get("SECRET_KEY_FALLBACKS") or ()))
        made = app.extensions.get("lms_session_serializer")
        if made is None or made[0] != keys:
            made = (keys, super().get_signing_serializer(app))
            app.extensions["lms_session_serializer"] = made
        serializer: URLSafeTimedSerializer | None = made[1]
        return serializer


class LMSFlask(Flask):
    """Flask whose ``url_for`` remembers the relative URLs it has built.

    A page links to the same few endpoints over and over (the navigation, every course, every
    person in a report), and Werkzeug builds each from its rule every time. A relative URL
    depends only on the endpoint, its values and the script root, so inside a request, with
    no anchor, method, scheme or external address asked for, one built URL serves every later
    request. URL defaults functions would make the values depend on the request: with any
    registered, nothing is cached.
    """

    session_interface = SessionCookies()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._built_urls: dict[tuple[Any, ...], str] = {}

    def url_for(
        self,
        /,
        endpoint: str,
        *,
        _anchor: str | None = None,
        _method: str | None = None,
        _scheme: str | None = None,
        _external: bool | None = None,
        **values: Any,
    ) -> str:
        ctx = _cv_request.get(None)
        if (
            ctx is None
            or _external
            or _anchor is not None
            or _method is not None
            or _scheme is not None
            or endpoint[:1] == "."
            or self.url_default_functions
            or ctx.url_adapter is None
        ):
            return super().url_for(
                endpoint,
                _anchor=_anchor,
                _method=_method,
                _scheme=_scheme,
                _external=_external,
                **values,
            )
        adapter = ctx.url_adapter
        try:
            key = (adapter.script_name, adapter.subdomain, endpoint, *sorted(values.items()))
            url = self._built_urls.get(key)
        except TypeError:  # a list of values for one name: not hashable, build it
            return super().url_for(endpoint, **values)
        if url is None:
            url = super().url_for(endpoint, **values)
            if len(self._built_urls) >= URL_CACHE_SIZE:
                self._built_urls.clear()
            self._built_urls[key] = url
        return url
