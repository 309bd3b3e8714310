"""Pages of the admin area: organisations, people, one-time codes, the audit log, plugins."""

from __future__ import annotations

from datetime import UTC
from typing import Any, cast
from zoneinfo import ZoneInfo

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from lms.accounts import services as accounts
from lms.accounts.forms import choices, show_problems
from lms.accounts.models import Membership, Organisation, User
from lms.accounts.permissions import can, require
from lms.admin import services as admin
from lms.admin.forms import MembershipForm, OrganisationForm, PersonDetailsForm, PersonForm
from lms.db import get_or_404
from lms.errors import LMSError
from lms.extensions import db, login_manager

bp = Blueprint("admin", __name__, url_prefix="/admin")
UK_TIME = ZoneInfo("Europe/London")


@bp.before_request
def _signed_in_first() -> Any:
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    return None


def _me() -> User:
    return cast(User, current_user._get_current_object())


def _page() -> int:
    # Beyond the last page is an empty page; an absurd number would overflow the SQL OFFSET.
    return min(max(request.args.get("page", 1, type=int) or 1, 1), 1_000_000)


def _organisation(org_id: int | None) -> Organisation | None:
    return db.session.get(Organisation, org_id) if org_id else None


def _code_sheet(user: User, code: accounts.IssuedCode) -> Response:
    """The printable sheet: shown only in this response, never stored or shown again."""
    expires = code.expires_at.replace(tzinfo=UTC).astimezone(UK_TIME)
    response = current_app.make_response(
        render_template("admin/code_sheet.html", person=user, code=code, expires=expires)
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("")
def index() -> str:
    require(can(current_user, "administer"))
    plugins = current_app.extensions["lms_plugins"].plugins
    return render_template("admin/index.html", counts=admin.overview_counts(), plugins=plugins)


# -- organisations ------------------------------------------------------------------------


@bp.get("/organisations")
def organisations() -> str:
    require(can(current_user, "manage_organisations"))
    page, members = admin.organisations_page(_page())
    return render_template("admin/organisations.html", page=page, members=members)


@bp.route("/organisations/new", methods=["GET", "POST"])
def new_organisation() -> Any:
    require(can(current_user, "manage_organisations"))
    form = OrganisationForm()
    form.parent.choices = choices(admin.organisation_choices(none_label="Not part of another"))
    if form.validate_on_submit():
        try:
            org = accounts.create_organisation(
                _me(),
                name=form.name.data or "",
                type=form.type.data or "",
                region=form.region.data or "",
                parent=_organisation(form.parent.data),
            )
        except LMSError as error:
            show_problems(form, error)
        else:
            flash(f"{org.name} has been added.")
            return redirect(url_for("admin.organisations"), code=303)
    return render_template("admin/organisation_form.html", form=form, organisation=None)


@bp.route("/organisations/<int:org_id>/edit", methods=["GET", "POST"])
def edit_organisation(org_id: int) -> Any:
    org = get_or_404(Organisation, org_id)
    require(can(current_user, "manage_organisations", org))
    form = OrganisationForm(obj=org, parent=org.parent_id)
    form.parent.choices = choices(
        admin.organisation_choices(exclude=org, none_label="Not part of another")
    )
    if form.validate_on_submit():
        try:
            accounts.update_organisation(
                _me(),
                org,
                name=form.name.data or "",
                type=form.type.data or "",
                region=form.region.data or "",
                parent=_organisation(form.parent.data),
            )
        except LMSError as error:
            show_problems(form, error)
        else:
            flash(f"Your changes to {org.name} are saved.")
            return redirect(url_for("admin.organisations"), code=303)
    return render_template("admin/organisation_form.html", form=form, organisation=org)


# -- people -------------------------------------------------------------------------------


@bp.get("/people")
def people() -> str:
    require(can(current_user, "manage_users"))
    search = request.args.get("q", "").strip()[:100]
    page = admin.people_page(search, _page())
    return render_template("admin/people.html", page=page, search=search)


@bp.route("/people/new", methods=["GET", "POST"])
def new_person() -> Any:
    require(can(current_user, "manage_users"))
    form = PersonForm()
    form.organisation.choices = choices(admin.organisation_choices(none_label="None for now"))
    if form.validate_on_submit():
        org = _organisation(form.organisation.data)
        common = {
            "display_name": form.display_name.data or "",
            "username": form.username.data,
            "organisation": org,
            "role": form.role.data or "member",
            "service_number": form.service_number.data,
        }
        try:
            if form.no_email.data:
                user, code = accounts.create_user_with_code(_me(), **common)
                return _code_sheet(user, code)
            user = accounts.create_user(
                _me(), email=form.email.data, password=form.password.data or None, **common
            )
        except LMSError as error:
            show_problems(form, error)
        else:
            flash(f"{user.display_name}'s account has been created.")
            return redirect(url_for("admin.person", user_id=user.id), code=303)
    return render_template("admin/person_new.html", form=form)


def _person_page(user: User, **forms: Any) -> str:
    details = forms.get("details") or PersonDetailsForm(obj=user, formdata=None)
    membership = forms.get("membership") or MembershipForm(formdata=None)
    membership.organisation.choices = choices(admin.organisation_choices(none_label="Choose one"))
    return render_template(
        "admin/person.html",
        person=user,
        details=details,
        membership_form=membership,
        waiting_code=admin.waiting_code(user),
    )


@bp.get("/people/<int:user_id>")
def person(user_id: int) -> str:
    user = get_or_404(User, user_id)
    require(can(current_user, "manage_users", user))
    return _person_page(user)


@bp.post("/people/<int:user_id>/details")
def person_details(user_id: int) -> Any:
    user = get_or_404(User, user_id)
    require(can(current_user, "manage_users", user))
    form = PersonDetailsForm()
    try:
        accounts.update_user(
            _me(),
            user,
            display_name=form.display_name.data or "",
            email=form.email.data,
            username=form.username.data,
        )
    except LMSError as error:
        show_problems(form, error)
        return _person_page(user, details=form)
    flash("The details are saved.")
    return redirect(url_for("admin.person", user_id=user.id), code=303)


@bp.post("/people/<int:user_id>/memberships")
def add_membership(user_id: int) -> Any:
    user = get_or_404(User, user_id)
    require(can(current_user, "manage_users", user))
    form = MembershipForm()
    form.organisation.choices = choices(admin.organisation_choices(none_label="Choose one"))
    org = _organisation(form.organisation.data)
    if org is None:
        form.organisation.errors = ["Please choose an organisation."]
        return _person_page(user, membership=form)
    try:
        accounts.add_membership(
            _me(), user, org, form.role.data or "", service_number=form.service_number.data
        )
    except LMSError as error:
        show_problems(form, error)
        return _person_page(user, membership=form)
    flash(f"{user.display_name} is now in {org.name}.")
    return redirect(url_for("admin.person", user_id=user.id), code=303)


@bp.post("/people/<int:user_id>/memberships/<int:membership_id>/remove")
def remove_membership(user_id: int, membership_id: int) -> Response:
    membership = get_or_404(Membership, membership_id)
    if membership.user_id != user_id:
        return redirect(url_for("admin.person", user_id=user_id), code=303)
    require(can(current_user, "manage_users", membership.user))
    name = membership.organisation.name
    accounts.remove_membership(_me(), membership)
    flash(f"Removed from {name}.")
    return redirect(url_for("admin.person", user_id=user_id), code=303)


@bp.post("/people/<int:user_id>/admin")
def set_admin(user_id: int) -> Response:
    user = get_or_404(User, user_id)
    require(can(current_user, "administer", user))
    make_admin = request.form.get("admin") == "yes"
    try:
        accounts.set_admin(_me(), user, make_admin)
    except LMSError as error:
        flash(error.message, "problem")
    else:
        now = "is now an admin" if make_admin else "is no longer an admin"
        flash(f"{user.display_name} {now}.")
    return redirect(url_for("admin.person", user_id=user.id), code=303)


@bp.post("/people/<int:user_id>/deactivate")
def deactivate(user_id: int) -> Response:
    user = get_or_404(User, user_id)
    require(can(current_user, "manage_users", user))
    try:
        accounts.deactivate_user(_me(), user)
    except LMSError as error:
        flash(error.message, "problem")
    else:
        flash(f"{user.display_name}'s account is switched off. Their records are kept.")
    return redirect(url_for("admin.person", user_id=user.id), code=303)


@bp.post("/people/<int:user_id>/reactivate")
def reactivate(user_id: int) -> Response:
    user = get_or_404(User, user_id)
    require(can(current_user, "manage_users", user))
    accounts.reactivate_user(_me(), user)
    flash(f"{user.display_name}'s account is switched back on.")
    return redirect(url_for("admin.person", user_id=user.id), code=303)


@bp.post("/people/<int:user_id>/code")
def issue_code(user_id: int) -> Response:
    user = get_or_404(User, user_id)
    require(can(current_user, "issue_sign_in_code", user))
    try:
        code = accounts.issue_one_time_code(_me(), user)
    except LMSError as error:
        flash(error.message, "problem")
        return redirect(url_for("admin.person", user_id=user.id), code=303)
    return _code_sheet(user, code)


# -- audit log and plugins ----------------------------------------------------------------


@bp.get("/audit")
def audit() -> str:
    require(can(current_user, "view_audit"))
    action = request.args.get("action", "").strip()
    page = admin.audit_page(action, _page())
    return render_template(
        "admin/audit.html", page=page, action=action, actions=admin.audit_actions()
    )


@bp.get("/plugins")
def plugins() -> str:
    require(can(current_user, "administer"))
    loaded = current_app.extensions["lms_plugins"].plugins
    return render_template("admin/plugins.html", plugins=list(loaded.values()))
