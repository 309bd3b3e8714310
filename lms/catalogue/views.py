"""The course catalogue, course outlines, starting a course and course files."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    send_from_directory,
    url_for,
)
from flask_login import current_user, login_required
from sqlalchemy import Select, bindparam, select
from werkzeug.wrappers import Response

from lms.accounts.permissions import can, require
from lms.catalogue.models import Course, Step
from lms.cohorts import services as cohorts
from lms.extensions import db
from lms.progress import queries

bp = Blueprint("catalogue", __name__)

INLINE_TYPES = {".webm": "video/webm", ".mp4": "video/mp4", ".vtt": "text/vtt"}


@cache
def _course_by_slug() -> Select[Course]:
    return select(Course).where(Course.slug == bindparam("slug"))


def load_course(slug: str) -> Course:
    course = db.session.scalar(_course_by_slug(), {"slug": slug})
    if course is None:
        abort(404)
    return course


@bp.get("/courses")
@login_required
def index() -> str:
    require(can(current_user, "use_site"))
    courses = [
        c
        for c in db.session.scalars(
            select(Course).where(Course.retired.is_(False)).order_by(Course.title)
        )
        if can(current_user, "view_course", c)
    ]
    enrolled = {e.cohort.course_id for e in queries.learner_enrolments(current_user)}
    return render_template("catalogue/index.html", courses=courses, enrolled=enrolled)


@bp.get("/courses/<slug>")
@login_required
def outline(slug: str) -> str:
    course = load_course(slug)
    require(can(current_user, "view_course", course))
    enrolment = cohorts.enrolment_for(current_user, course)
    view = queries.course_view(current_user, course, enrolment)
    return render_template("catalogue/outline.html", course=course, view=view, enrolment=enrolment)


@bp.post("/courses/<slug>/start")
@login_required
def start(slug: str) -> Response:
    course = load_course(slug)
    require(can(current_user, "start_course", course))
    cohorts.start_course(current_user, course)
    flash(
        "You've started this course. Take it at your own pace; your place is saved as you go.",
        "info",
    )
    return redirect(url_for("catalogue.outline", slug=course.slug), code=303)


@bp.get("/courses/<slug>/media/<path:filename>")
@login_required
def file(slug: str, filename: str) -> Response:
    """A download or media file that a current step of the course refers to."""
    course = load_course(slug)
    step = _step_with_file(course, filename)
    require(can(current_user, "view_step", step))
    folder = Path(current_app.config["COURSES_DIR"]) / course.slug
    suffix = Path(filename).suffix.lower()
    response = send_from_directory(
        folder,
        filename,
        as_attachment=suffix not in INLINE_TYPES,
        mimetype=INLINE_TYPES.get(suffix),
        max_age=3600,
    )
    response.headers["Cache-Control"] = "private, max-age=3600"
    return response


def _step_with_file(course: Course, filename: str) -> Step:
    for step in db.session.scalars(
        select(Step).where(
            Step.course_id == course.id,
            Step.retired_at.is_(None),
            Step.type.in_(("video", "download")),
        )
    ):
        if filename in (step.config.get("file"), step.config.get("captions")):
            return step
    abort(404)
