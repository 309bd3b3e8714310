"""Signing in and out, one-time codes, choosing a password, and your own account page."""

from __future__ import annotations

from typing import Any, cast
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    after_this_request,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_required, login_user, logout_user
from werkzeug.wrappers import Response

from lms.accounts import services
from lms.accounts.forms import (
    CodeSignInForm,
    PasswordChangeForm,
    ProfileForm,
    SignInForm,
    WelcomeForm,
    show_problems,
)
from lms.accounts.models import User
from lms.accounts.permissions import can, require
from lms.db import utcnow
from lms.errors import InvalidInput
from lms.extensions import limiter

bp = Blueprint("accounts", __name__)

SIGN_IN_PROBLEM = (
    "That email/username and password don't match an account. Check them and try again."
)
TOO_MANY_SIGN_INS = (
    "Too many sign-in attempts. For your security, please wait a few minutes and try again."
)
TOO_MANY_REQUESTS = "That was a lot of requests in a short time. Please wait a few minutes."
# Pages someone who signed in with a one-time code may see before choosing a password.
BEFORE_PASSWORD = {None, "static", "accounts.sign_out", "accounts.welcome", "home.support"}


def _submitted_name() -> str:
    return (request.form.get("name") or request.form.get("username") or "").strip().lower()


def _did_not_sign_in(response: Response) -> bool:
    # Only attempts that sign nobody in count, so a whole training room behind one address
    # can sign in at once; a successful sign-in always redirects.
    return response.status_code not in (302, 303)


_limit_per_ip = limiter.shared_limit(
    lambda: current_app.config["SIGN_IN_LIMIT_PER_IP"],
    scope="sign-in-ip",
    methods=["POST"],
    deduct_when=_did_not_sign_in,
)
_limit_per_account = limiter.shared_limit(
    lambda: current_app.config["SIGN_IN_LIMIT_PER_ACCOUNT"],
    scope="sign-in-account",
    key_func=_submitted_name,
    methods=["POST"],
    deduct_when=_did_not_sign_in,
)


def _me() -> User:
    """The signed-in person as the model object (not the proxy), for passing to services."""
    return cast(User, current_user._get_current_object())


def local_path(target: str | None) -> str | None:
    """``target`` if it is a path on this site (never another site, even disguised)."""
    target = (target or "").strip()
    parts = urlsplit(target)
    if (
        not target.startswith("/")
        or target.startswith("//")
        or "\\" in target
        or parts.scheme
        or parts.netloc
        or any(ord(char) < 32 for char in target)
    ):
        return None
    return target


def _forget_remembered_sign_in() -> None:
    """Remove a "keep me signed in" cookie from this browser, whoever it belonged to."""

    @after_this_request
    def _delete(response: Response) -> Response:
        config = current_app.config
        # With the cookie's own flags: a browser ignores a removal of a __Host- cookie
        # that isn't marked Secure, and would keep the person signed in.
        response.delete_cookie(
            config.get("REMEMBER_COOKIE_NAME", "remember_token"),
            domain=config.get("REMEMBER_COOKIE_DOMAIN"),
            path=config.get("REMEMBER_COOKIE_PATH", "/"),
            secure=bool(config.get("REMEMBER_COOKIE_SECURE")),
            httponly=True,
            samesite=config.get("REMEMBER_COOKIE_SAMESITE"),
        )
        return response


def _start_session(user: User, *, remember: bool) -> None:
    """A fresh session for ``user``: nothing from before sign-in is carried over."""
    session.clear()
    login_user(user, remember=remember)
    session["seen"] = session["signed_in_at"] = utcnow().isoformat()
    if remember:
        session["remember_me"] = True
    else:
        _forget_remembered_sign_in()


@bp.app_errorhandler(429)
def too_many_attempts(_error: Exception) -> tuple[str, int]:
    signing_in = request.endpoint in ("accounts.sign_in", "accounts.sign_in_code")
    message = TOO_MANY_SIGN_INS if signing_in else TOO_MANY_REQUESTS
    return render_template("errors/error.html", status=429, message=message), 429


@bp.before_app_request
def _choose_a_password_first() -> Any:
    if not session.get("must_set_password") or request.endpoint in BEFORE_PASSWORD:
        return None
    if not current_user.is_authenticated:
        session.pop("must_set_password", None)
        return None
    return redirect(url_for("accounts.welcome"))


@bp.route("/sign-in", methods=["GET", "POST"])
@_limit_per_ip
@_limit_per_account
def sign_in() -> Any:
    form = SignInForm(next=request.args.get("next", ""))
    target = local_path(form.next.data) or url_for("home.dashboard")
    if request.method == "GET" and current_user.is_authenticated:
        return redirect(target)
    problem = None
    if form.validate_on_submit():
        user = services.authenticate(form.name.data or "", form.password.data or "")
        if user is not None:
            _start_session(user, remember=bool(form.remember.data))
            return redirect(target, code=303)
        problem = SIGN_IN_PROBLEM
    return render_template("accounts/sign_in.html", form=form, problem=problem)


@bp.route("/sign-in/code", methods=["GET", "POST"])
@_limit_per_ip
@_limit_per_account
def sign_in_code() -> Any:
    form = CodeSignInForm(username=request.args.get("username", ""))
    problem = None
    if form.validate_on_submit():
        try:
            user = services.redeem_one_time_code(form.username.data or "", form.code.data or "")
        except InvalidInput as error:
            problem = error.message
        else:
            _start_session(user, remember=False)
            session["must_set_password"] = True
            return redirect(url_for("accounts.welcome"), code=303)
    return render_template("accounts/sign_in_code.html", form=form, problem=problem)


@bp.route("/welcome", methods=["GET", "POST"])
@login_required
def welcome() -> Any:
    require(can(current_user, "use_site"))
    if not session.get("must_set_password"):
        return redirect(url_for("accounts.account"))
    user = _me()
    form = WelcomeForm()
    if form.validate_on_submit():
        kind = form.kind.data or "password"
        try:
            services.set_password(user, form.password.data or "", kind=kind)
        except InvalidInput as error:
            show_problems(form, error)
        else:
            session.pop("must_set_password", None)
            login_user(user)  # the new session version, so this session carries on
            what = "PIN" if kind == "pin" else "password"
            name = "username" if user.username else "email address"
            flash(f"You're all set. Next time, sign in with your {name} and your {what}.")
            return redirect(url_for("home.dashboard"), code=303)
    return render_template("accounts/welcome.html", form=form, user=user)


@bp.post("/sign-out")
def sign_out() -> Response:
    if current_user.is_authenticated:
        # A copy of this session's cookies (or a remember-me cookie) stops working too.
        services.end_sessions(cast(User, current_user._get_current_object()))
    logout_user()
    session.clear()
    _forget_remembered_sign_in()
    flash("You've signed out. If this is a shared computer, you can close the browser now.")
    return redirect(url_for("accounts.sign_in"), code=303)


@bp.route("/account", methods=["GET", "POST"])
@login_required
def account() -> Any:
    require(can(current_user, "use_site"))
    user = _me()
    form = ProfileForm(obj=user)
    if form.validate_on_submit():
        try:
            services.update_profile(
                user,
                display_name=form.display_name.data or "",
                pronouns=form.pronouns.data,
                legal_name=form.legal_name.data,
            )
        except InvalidInput as error:
            show_problems(form, error)
        else:
            flash("Your details are saved.")
            return redirect(url_for("accounts.account"), code=303)
    return render_template(
        "accounts/account.html", form=form, password_form=PasswordChangeForm(formdata=None)
    )


@bp.post("/account/password")
@login_required
def change_password() -> Any:
    require(can(current_user, "use_site"))
    user = _me()
    form = PasswordChangeForm()
    if form.validate_on_submit():
        try:
            services.change_password(
                user,
                form.current_password.data or "",
                form.new_password.data or "",
                kind=form.kind.data or "password",
            )
        except InvalidInput as error:
            show_problems(form, error)
        else:
            login_user(user, remember=bool(session.get("remember_me")))
            flash(
                "Your new password is saved. If you were signed in anywhere else, "
                "you've been signed out there."
            )
            return redirect(url_for("accounts.account"), code=303)
    profile = ProfileForm(obj=user, formdata=None)
    return render_template("accounts/account.html", form=profile, password_form=form)
