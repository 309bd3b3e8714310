"""Wiring of the app: extensions, security headers, sessions, plugins, blueprints, CLI."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Flask, abort, flash, g, redirect, request, session, url_for
from flask_login import current_user, logout_user
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter, Map

from lms.app import csrf_token
from lms.db import MAX_ID, configure_sqlite, set_write_intent, utcnow
from lms.errors import register_error_handlers
from lms.events import discard_pending_events
from lms.extensions import csrf, db, limiter, login_manager, migrate
from lms.headers import init_security_headers


def init_extensions(app: Flask) -> None:
    proxies = int(app.config.get("PROXY_COUNT") or 0)
    if proxies > 0:
        # Trust that many proxies' X-Forwarded-For/-Proto: the client's real address for the
        # per-IP limits, and https for secure cookies. Never more than really stand in front.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)  # type: ignore[method-assign]
    configure_sqlite(app)
    db.init_app(app)
    migrate.init_app(app, db, directory=str(_migrations_dir()))
    csrf.init_app(app)
    app.jinja_env.globals["csrf_token"] = csrf_token
    login_manager.init_app(app)
    login_manager.login_view = "accounts.sign_in"
    login_manager.login_message = "Please sign in to see that page."
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"
    app.config.setdefault("RATELIMIT_ENABLED", True)
    limiter.init_app(app)
    init_security_headers(app)
    register_error_handlers(app)
    app.jinja_env.add_extension("jinja2.ext.do")

    from lms import models  # noqa: F401 - every table is known to metadata and migrations
    from lms.accounts.models import User
    from lms.accounts.permissions import load_signed_in

    @login_manager.user_loader
    def load_user(identity: str) -> User | None:
        user_id, _, version = identity.partition(":")
        if not user_id.isdigit():
            return None
        user = load_signed_in(min(int(user_id), MAX_ID))
        if user is None or str(user.session_version) != version or not user.active:
            return None
        return user

    @app.before_request
    def _refuse_nul_characters() -> None:
        # Nobody types a NUL, and PostgreSQL can't hold one in text: bad input (400), not a
        # database error (500) from whichever query meets it first.
        fields = list(request.args.items(multi=True))
        if request.method not in ("GET", "HEAD", "OPTIONS"):
            fields += request.form.items(multi=True)
        # (A multipart part whose name can't be read has the name None.)
        if "\x00" in request.path or any("\x00" in (k or "") + v for k, v in fields):
            abort(400)

    @app.before_request
    def _reads_first() -> None:
        # A request reads without SQLite's write lock; services take it (``begin_write``)
        # only for their writes, so one person's page never waits for another's.
        set_write_intent(False)

    @app.before_request
    def _idle_timeout() -> Any:
        if request.endpoint == "static" or not current_user.is_authenticated:
            return None
        now = utcnow()
        limit = timedelta(minutes=int(app.config["IDLE_TIMEOUT_MINUTES"]))
        last = session.get("seen")
        started = str(session.setdefault("signed_in_at", now.isoformat()))
        too_long = now - _parse(started) > app.config["PERMANENT_SESSION_LIFETIME"]
        idle = last is not None and now - _parse(str(last)) > limit
        if not session.get("remember_me") and (idle or too_long):
            logout_user()
            session.clear()
            flash(
                "You were signed out after a while without activity, to keep your "
                "account safe on a shared computer.",
                "info",
            )
            return redirect(url_for("accounts.sign_in", next=request.full_path))
        if not last or now - _parse(last) > timedelta(seconds=60):
            session["seen"] = now.isoformat()
        return None

    @app.after_request
    def _no_store_for_people(response: Any) -> Any:
        # A signed-in page must not come back from the browser's cache after sign-out.
        if request.endpoint == "static" or "Cache-Control" in response.headers:
            return response
        if "_user_id" in session:
            response.headers["Cache-Control"] = "no-store"
        return response

    @app.teardown_request
    def _reset_intent(_exc: BaseException | None) -> None:
        set_write_intent(False)
        discard_pending_events()

    @app.context_processor
    def _template_helpers() -> dict[str, Any]:
        from lms.accounts.permissions import can
        from lms.navigation import nav_items
        from lms.plugins.slots import render_slot

        return {
            "can": can,
            "slot": render_slot,
            "nav_items": nav_items,
            "g": g,
            "csrf_token": csrf_token,  # over Flask-WTF's own (its context processor's too)
        }


def _parse(value: str) -> Any:
    from datetime import datetime

    return datetime.fromisoformat(value)


def _migrations_dir() -> Any:
    from lms import _find

    return _find("migrations")


def init_plugins(app: Flask) -> None:
    from lms.plugins.manager import PluginHost

    host = PluginHost(raise_errors=bool(app.config.get("TESTING")))
    host.load(app.config["PLUGINS"], app.config.get("PLUGIN_PATHS") or {})
    # The core's own listeners: certificates follow completions and registers.
    from lms.certificates.listeners import CertificateListener

    host.pm.register(CertificateListener(), name=CertificateListener.name)
    app.extensions["lms_plugins"] = host


@migrate.configure
def _plugin_migrations(config: Any) -> Any:
    """Each loaded plugin's migrations are an Alembic branch in its own folder."""
    import os

    from flask import current_app

    host = current_app.extensions["lms_plugins"]
    locations = [os.path.join(_migrations_dir(), "versions")]
    locations += [str(p.migrations_dir) for p in host.plugins.values() if p.migrations_dir]
    config.set_main_option("path_separator", "os")
    config.set_main_option("version_locations", os.pathsep.join(locations))
    return config


class DatabaseId(IntegerConverter):
    """``<int:...>`` in URLs: no larger than a database integer holds, so an absurd id is a
    404 like any other unknown one, not an overflow in the database driver (a 500)."""

    def __init__(self, map: Map, *args: Any, **kwargs: Any) -> None:
        if not args:
            kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def register_blueprints(app: Flask) -> None:
    app.url_map.converters["int"] = DatabaseId
    from lms.accounts.views import bp as accounts
    from lms.admin.views import bp as admin
    from lms.catalogue.views import bp as catalogue
    from lms.certificates.views import bp as certificates
    from lms.cohorts.views import bp as cohorts
    from lms.home.views import bp as home
    from lms.live.views import bp as live
    from lms.progress.views import bp as progress
    from lms.reports.views import bp as reports

    for bp in (home, accounts, catalogue, progress, cohorts, live, certificates, reports, admin):
        app.register_blueprint(bp)
    host = app.extensions["lms_plugins"]
    for plugin_name, bp in host.registries.blueprints:
        app.register_blueprint(bp, url_prefix=f"/p/{plugin_name}")


def register_cli(app: Flask) -> None:
    from lms.cli import lms_cli

    app.cli.add_command(lms_cli)
    host = app.extensions["lms_plugins"]
    import click

    for plugin_name, commands in host.collect("lms_cli_commands"):
        group = click.Group(plugin_name, help=f"Commands of the {plugin_name} plugin.")
        for command in commands:
            group.add_command(command)
        app.cli.add_command(group)
