"""Working through a course: content notes, steps, marking done, quizzes, reflections."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import bindparam, select
from sqlalchemy.orm import contains_eager, lazyload
from werkzeug.wrappers import Response

from lms.accounts.permissions import can, require
from lms.catalogue.models import Course, Module, Step
from lms.catalogue.views import load_course
from lms.cohorts import services as cohorts
from lms.cohorts.models import Enrolment
from lms.cohorts.services.enrolments import current_enrolment_id, remember_enrolment
from lms.db import get_or_404
from lms.errors import InvalidInput
from lms.extensions import db
from lms.progress import queries
from lms.progress import services as progress
from lms.progress.learner_state import LearnerState, learner_state
from lms.progress.models import Reflection

bp = Blueprint("progress", __name__)


_STEP_BY_KEY = (
    select(Step)
    .join(Step.module)
    .join(Module.course)
    .options(contains_eager(Step.module).contains_eager(Module.course))
    .where(Course.slug == bindparam("slug"), Step.key == bindparam("key"))
    .where(Step.retired_at.is_(None))
)


# The step with its module and course, and the learner's current enrolment on the course in
# the same row (its cohort is not needed, so not read).
_STEP_AND_PLACE = (
    _STEP_BY_KEY.add_columns(Enrolment)
    .outerjoin(
        Enrolment,
        Enrolment.id == current_enrolment_id(bindparam("user_id"), Course.id).correlate(Course),
    )
    .options(lazyload(Enrolment.cohort))
)


def load_step(slug: str, key: str) -> tuple[Course, Step]:
    """The live step ``key`` of course ``slug``, with its module and course, and the
    signed-in learner's current enrolment on the course: one query. The enrolment is handed
    to ``enrolment_for``, so the permission checks that follow ask none."""
    row = db.session.execute(
        _STEP_AND_PLACE, {"slug": slug, "key": key, "user_id": current_user.id}
    ).first()
    if row is None:
        abort(404)
    step, enrolment = row
    course = step.module.course
    remember_enrolment(current_user, course, enrolment)
    return course, step


def load_module(slug: str, key: str) -> tuple[Course, Module]:
    course = load_course(slug)
    module = db.session.scalar(
        select(Module).where(
            Module.course_id == course.id, Module.key == key, Module.retired_at.is_(None)
        )
    )
    if module is None:
        abort(404)
    return course, module


def _step_url(step: Step | Any, course: Course) -> str:
    return url_for("progress.step", slug=course.slug, key=step.key)


@bp.get("/courses/<slug>/modules/<key>")
@login_required
def module(slug: str, key: str) -> str | Response:
    course, module = load_module(slug, key)
    require(can(current_user, "view_course", course))
    first = module.steps[0] if module.steps else None
    if module.content_note and not progress.has_acknowledged(current_user, module):
        return _note_page(course, module, first)
    enrolment = cohorts.enrolment_for(current_user, course)
    view = queries.course_view(current_user, course, enrolment)
    module_view = next((m for m in view.modules if m.module.id == module.id), None)
    return render_template(
        "progress/module.html",
        course=course,
        module=module,
        module_view=module_view,
        first=first,
        enrolment=enrolment,
    )


@bp.post("/courses/<slug>/modules/<key>/continue")
@login_required
def module_continue(slug: str, key: str) -> Response:
    course, module = load_module(slug, key)
    require(can(current_user, "view_course", course))
    progress.acknowledge_note(current_user, module)
    target = request.form.get("next_step", "")
    step = next((s for s in module.steps if s.key == target), None)
    if step is not None:
        return redirect(_step_url(step, course), code=303)
    return redirect(url_for("progress.module", slug=course.slug, key=module.key), code=303)


@bp.get("/courses/<slug>/steps/<key>")
@login_required
def step(slug: str, key: str) -> str | Response:
    course, step = load_step(slug, key)
    require(can(current_user, "view_step", step))
    module = step.module
    state = learner_state(current_user, step)
    if module.content_note and not state.has_acknowledged(module):
        return _note_page(course, module, step)
    if step.content_note and not state.has_acknowledged(step):
        return _note_page(course, step, step)
    enrolment = cohorts.enrolment_for(current_user, course)
    can_record = enrolment is not None and can(current_user, "record_progress", step)
    if enrolment is not None and can_record and not state.records_nothing_new(step, enrolment):
        progress.open_step(current_user, step, enrolment)
        # Opening it may have completed the step (and its module, the course): read again.
        state = learner_state(current_user, step)
    return _render_step(course, step, enrolment, state=state, can_record=can_record)


def _render_step(
    course: Course,
    step: Step,
    enrolment: Any,
    *,
    state: LearnerState | None = None,
    can_record: bool | None = None,
    status: int = 200,
    reflection_text: str | None = None,
    quiz_answers: dict[int, int] | None = None,
    problem: str | None = None,
) -> Any:
    if state is None:
        state = learner_state(current_user, step)
    if can_record is None:
        can_record = enrolment is not None and can(current_user, "record_progress", step)
    position = queries.step_position(course, step.id, state.done if enrolment is not None else None)
    reflection = None
    attempt = None
    if step.type == "reflection":
        reflection = db.session.scalar(
            select(Reflection).where(
                Reflection.user_id == current_user.id, Reflection.step_id == step.id
            )
        )
    if step.type == "quiz":
        attempt = progress.latest_attempt(current_user, step)
    plugin_type = current_app.extensions["lms_plugins"].registries.step_types.get(step.type)
    return render_template(
        "progress/step.html",
        course=course,
        step=step,
        module=step.module,
        position=position,
        enrolment=enrolment,
        can_record=can_record,
        reflection=reflection,
        attempt=attempt,
        sharing_cohort=progress.sharing_cohort(current_user, course)
        if step.type == "reflection"
        else None,
        reflection_text=reflection_text,
        quiz_answers=quiz_answers or {},
        problem=problem,
        plugin_template=plugin_type[1].template if plugin_type else None,
    ), status


def _note_page(course: Course, target: Module | Step, step: Step | None) -> str:
    is_module = isinstance(target, Module)
    return render_template(
        "progress/note.html",
        course=course,
        target=target,
        is_module=is_module,
        note=target.content_note,
        step=step,
    )


@bp.post("/courses/<slug>/steps/<key>/continue")
@login_required
def note_continue(slug: str, key: str) -> Response:
    course, step = load_step(slug, key)
    require(can(current_user, "view_step", step))
    progress.acknowledge_note(current_user, step)
    return redirect(_step_url(step, course), code=303)


@bp.post("/courses/<slug>/steps/<key>/later")
@login_required
def later(slug: str, key: str) -> Response:
    _course, step = load_step(slug, key)
    require(can(current_user, "view_step", step))
    if can(current_user, "record_progress", step):
        progress.come_back_later(current_user, step)
    flash(
        "That's fine. Your place is saved, and nothing is counted against you. "
        "You can pick up where you left off whenever you're ready.",
        "info",
    )
    return redirect(url_for("home.dashboard"), code=303)


@bp.post("/courses/<slug>/steps/<key>/done")
@login_required
def done(slug: str, key: str) -> Response:
    course, step = load_step(slug, key)
    require(can(current_user, "record_progress", step))
    # What the answer needs is taken before the write, which expires the rows read so far:
    # the titles, and the next step from the course's cached structure.
    titles, (_before, after) = _titles(step), queries.neighbours(course, step.id)
    if after is not None:
        url = url_for("progress.step", slug=course.slug, key=after.key)
    else:
        url = url_for("catalogue.outline", slug=course.slug)
    outcome = progress.mark_done(current_user, step)
    _flash_outcome(outcome, titles)
    return redirect(url, code=303)


@bp.post("/courses/<slug>/steps/<key>/quiz")
@login_required
def quiz(slug: str, key: str) -> Any:
    course, step = load_step(slug, key)
    require(can(current_user, "record_progress", step) and step.type == "quiz")
    answers = {
        i: _int(request.form.get(f"q{i}")) for i in range(len(step.config.get("questions", [])))
    }
    titles, url = _titles(step), _step_url(step, course)
    try:
        result = progress.submit_quiz(current_user, step, answers)
    except InvalidInput as error:
        enrolment = cohorts.enrolment_for(current_user, course)
        chosen = {i: a for i, a in answers.items() if a}
        return _render_step(
            course, step, enrolment, status=400, quiz_answers=chosen, problem=error.message
        )
    attempt = result.attempt
    if attempt.passed:
        flash(
            f"You answered {attempt.score} of {len(attempt.answers)} correctly. "
            "Well done: this step is complete.",
            "info",
        )
    else:
        flash(
            f"You answered {attempt.score} of {len(attempt.answers)} correctly. Have a look "
            "at the explanations below and try again whenever you like.",
            "info",
        )
    _flash_outcome(result.outcome, titles, step_message=False)
    return redirect(url + "#results", code=303)


@bp.post("/courses/<slug>/steps/<key>/reflection")
@login_required
def reflection(slug: str, key: str) -> Any:
    course, step = load_step(slug, key)
    require(can(current_user, "record_progress", step))
    text = request.form.get("body", "")
    share = request.form.get("share") == "yes"
    titles, after = _titles(step), _after_progress(course, step)
    try:
        outcome = progress.save_reflection(current_user, step, text, share=share)
    except InvalidInput as error:
        enrolment = cohorts.enrolment_for(current_user, course)
        return _render_step(
            course, step, enrolment, status=400, reflection_text=text, problem=error.message
        )
    flash(
        "Your reflection is saved. "
        + ("Your facilitators can read it." if share else "Only you can read it."),
        "info",
    )
    _flash_outcome(outcome, titles, step_message=False)
    return after


@bp.get("/reflections")
@login_required
def my_reflections() -> str:
    require(can(current_user, "use_site"))
    rows = db.session.scalars(
        select(Reflection)
        .where(Reflection.user_id == current_user.id)
        .order_by(Reflection.updated_at.desc())
    ).all()
    return render_template("progress/reflections.html", reflections=rows)


@bp.post("/reflections/<int:reflection_id>/sharing")
@login_required
def share_reflection(reflection_id: int) -> Response:
    item = get_or_404(Reflection, reflection_id)
    require(can(current_user, "edit_reflection", item))
    share = request.form.get("share") == "yes"
    progress.set_reflection_sharing(current_user, item, share)
    flash(
        "Your facilitators can now read this reflection."
        if share
        else "This reflection is private again: only you can read it.",
        "info",
    )
    return redirect(url_for("progress.my_reflections"), code=303)


def _after_progress(course: Course, step: Step) -> Response:
    """On to the next step, or back to the outline after the last one."""
    _before, after = queries.neighbours(course, step.id)
    if after is not None:
        return redirect(url_for("progress.step", slug=course.slug, key=after.key), code=303)
    return redirect(url_for("catalogue.outline", slug=course.slug), code=303)


def _titles(step: Step) -> tuple[str, str]:
    """The step's title and its module's, as the messages after recording progress use them."""
    return step.title, step.module.title


def _flash_outcome(
    outcome: progress.Outcome, titles: tuple[str, str], *, step_message: bool = True
) -> None:
    step_title, module_title = titles
    if outcome.course:
        flash(
            "You've completed the whole course. Thank you for the time and care you gave it.",
            "info",
        )
    elif outcome.modules:
        flash(f"You've completed the module “{module_title}”.", "info")
    elif step_message and outcome.steps:
        flash(f"“{step_title}” is done.", "info")


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None
