"""The Flask application class: Flask, with links, the session cookie's serializer and the
CSRF token made once instead of on every request, and signed values left uncompressed
while they are small."""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app, g, session
from flask.globals import _cv_request
from flask.sessions import SecureCookieSessionInterface
from flask_wtf.csrf import generate_csrf
from itsdangerous import URLSafeTimedSerializer
from itsdangerous.encoding import base64_encode
from itsdangerous.url_safe import URLSafeSerializerMixin

#: Built URLs kept at most; the cache starts again when full (links are cheap to rebuild).
URL_CACHE_SIZE = 20_000

#: Signed payloads up to this many bytes are not compressed.
COMPRESS_OVER = 1024


class CompactSerializer(URLSafeTimedSerializer):
    """itsdangerous' URL-safe timed serializer, which tries zlib on every payload it signs.
    zlib's set-up alone costs about 50 µs, more than all the rest of the signing, and a
    session of a few hundred bytes or a 42-byte CSRF token gains little or nothing from it:
    so only payloads over ``COMPRESS_OVER`` bytes (a session holding several messages) are
    tried. Compressed payloads still load, so cookies and tokens signed before keep working."""

    def dump_payload(self, obj: Any) -> bytes:
        plain: bytes = super(URLSafeSerializerMixin, self).dump_payload(obj)
        if len(plain) > COMPRESS_OVER:
            compressed: bytes = super().dump_payload(obj)
            return compressed
        return base64_encode(plain)


class SessionCookies(SecureCookieSessionInterface):
    """Flask's signed session cookie, with its serializer made once per set of secret keys
    rather than twice a request (reading the cookie and writing it), compact while small."""

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        if not app.secret_key:
            return None
        fallbacks = tuple(app.config.get("SECRET_KEY_FALLBACKS") or ())
        return _serializer(
            app,
            "lms_session_serializer",
            (*fallbacks, app.secret_key),  # the current key last, as itsdangerous expects
            salt=self.salt,
            serializer=self.serializer,
            signer_kwargs={
                "key_derivation": self.key_derivation,
                "digest_method": self.digest_method,
            },
        )


def _serializer(app: Flask, name: str, keys: Any, **options: Any) -> CompactSerializer:
    """The app's ``CompactSerializer`` called ``name``, made once per set of ``keys``."""
    made = app.extensions.get(name)
    if made is None or made[0] != keys:
        made = (keys, CompactSerializer(list(keys), **options))
        app.extensions[name] = made
    serializer: CompactSerializer = made[1]
    return serializer


def csrf_token() -> str:
    """The request's CSRF token, as Flask-WTF makes and checks it (the session's random
    token, signed with the ``wtf-csrf-token`` salt), signed by ``CompactSerializer``. It is
    kept in ``g`` where Flask-WTF keeps it, so the forms of the same page reuse it."""
    secret: str | bytes | None = (
        current_app.config.get("WTF_CSRF_SECRET_KEY") or current_app.secret_key
    )
    if secret and "csrf_token" not in g and session.get("csrf_token"):
        signing = _serializer(current_app, "lms_csrf_serializer", (secret,), salt="wtf-csrf-token")
        g.csrf_token = signing.dumps(session["csrf_token"])
    # the token just made; or, for a new session, Flask-WTF's own (and its error without a
    # secret key)
    return generate_csrf()


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
