"""The learner's dashboard and the support page."""

from __future__ import annotations

from functools import cache
from typing import Any

from flask import Blueprint, current_app, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import Select, select
from werkzeug.wrappers import Response

from lms.accounts.permissions import can, require
from lms.catalogue.models import Course
from lms.db import rows
from lms.progress import queries

bp = Blueprint("home", __name__)


@cache
def _open_courses() -> Select[int, str, str, str]:
    return (
        select(Course.id, Course.slug, Course.title, Course.summary)
        .where(Course.enrolment == "open", Course.retired.is_(False))
        .order_by(Course.title)
    )


@bp.get("/")
def dashboard() -> str | Response:
    if not current_user.is_authenticated:
        return redirect(url_for("accounts.sign_in"))
    require(can(current_user, "use_site"))
    views = queries.course_views(current_user, queries.learner_places(current_user))
    in_progress = [v for v in views if v.completed_at is None]
    completed = [v for v in views if v.completed_at is not None]
    enrolled_ids = {v.course.id for v in views}
    open_courses = [c for c in rows(_open_courses()) if c.id not in enrolled_ids]
    host = current_app.extensions["lms_plugins"]
    widgets: list[Any] = [
        w for _p, w in host.collect_isolated("lms_dashboard_widgets", user=current_user)
    ]
    return render_template(
        "home/dashboard.html",
        in_progress=in_progress,
        completed=completed,
        open_courses=open_courses,
        widgets=widgets,
    )


@bp.get("/support")
def support() -> str:
    """Open to everyone, signed in or not: help should never sit behind a sign-in."""
    return render_template("home/support.html")
