"""Pages of live sessions: a cohort's sessions, scheduling, booking, registers, calendars."""

from __future__ import annotations

from typing import Any, cast

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from lms.accounts.forms import choices
from lms.accounts.models import User
from lms.accounts.permissions import BOOKING_STATUSES, can, open_for_booking, require, takes_part
from lms.cohorts.models import Cohort
from lms.db import get_or_404
from lms.errors import LMSError
from lms.live import queries, times
from lms.live import services as live
from lms.live.calendar import build_calendar
from lms.live.dashboard import dashboard_sessions
from lms.live.forms import (
    CANCEL_REASONS,
    SUGGESTED_ZONES,
    AddPersonForm,
    CancelForm,
    DetailsForm,
    NewSessionForm,
    TimesForm,
    capacity_value,
    register_entries,
    show_problems,
)
from lms.live.models import ATTENDANCE_STATUSES, Booking, LiveSession

bp = Blueprint("live", __name__)


def _me() -> User:
    return cast(User, current_user._get_current_object())


def _session_url(session: LiveSession) -> Response:
    return redirect(url_for("live.show", session_id=session.id), code=303)


def _calendar_response(body: bytes, filename: str) -> Response:
    response = Response(body, mimetype="text/calendar")
    response.headers["Content-Type"] = "text/calendar; charset=utf-8"
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "private, no-cache"
    response.headers["X-Robots-Tag"] = "noindex"
    return response


# -- template helpers: what other pages include ---------------------------------------------


@bp.app_template_global("session_when")
def session_when(session: LiveSession) -> str:
    """When a session runs, in the viewer's zone, with the zone named."""
    return times.format_when(session, times.viewer_zone(current_user, session))


@bp.app_template_filter("live_moment")
def live_moment(value: Any, zone: str) -> str:
    """A stored UTC time (e.g. a booking deadline) in ``zone``, with the zone named."""
    return times.format_moment(value, zone)


@bp.app_template_global("cohort_sessions")
def cohort_sessions_panel(cohort: Cohort) -> dict[str, Any]:
    """Data for ``live/_cohort_sessions.html`` on a cohort's page."""
    upcoming, past = queries.split_by_time(queries.cohort_sessions(cohort, current_user))
    return {
        "upcoming": upcoming,
        "past": past[:5],
        "can_schedule": can(current_user, "schedule_session", cohort),
    }


@bp.app_template_global("my_sessions")
def my_sessions_panel() -> dict[str, Any]:
    """Data for ``live/_my_sessions.html`` on the learner's dashboard."""
    upcoming, bookable = dashboard_sessions(current_user)
    return {"upcoming": upcoming, "bookable": bookable}


# -- a cohort's sessions, and scheduling ----------------------------------------------------


def _with_booking(views: list[queries.SessionView], cohort: Cohort) -> list[queries.SessionView]:
    """Mark the sessions the viewer may book: the ``book_session`` rule, with whether they
    take part in the cohort asked once for the whole list rather than once a row."""
    taking_part = takes_part(_me(), cohort, BOOKING_STATUSES)
    for view in views:
        view.can_book = taking_part and view.booking is None and open_for_booking(view.session)
    return views


@bp.get("/cohorts/<int:cohort_id>/sessions")
@login_required
def cohort_sessions(cohort_id: int) -> str:
    cohort = get_or_404(Cohort, cohort_id)
    require(can(current_user, "view_cohort_sessions", cohort))
    views = _with_booking(queries.cohort_sessions(cohort, current_user), cohort)
    upcoming, past = queries.split_by_time(views)
    return render_template("live/cohort_sessions.html", cohort=cohort, upcoming=upcoming, past=past)


@bp.route("/cohorts/<int:cohort_id>/sessions/new", methods=["GET", "POST"])
@login_required
def new_session(cohort_id: int) -> Any:
    cohort = get_or_404(Cohort, cohort_id)
    require(can(current_user, "schedule_session", cohort))
    form = NewSessionForm()
    if request.method == "GET":
        form.timezone.data = cohort.timezone
    if form.validate_on_submit():
        try:
            session = live.schedule_session(
                _me(),
                cohort=cohort,
                title=form.title.data or "",
                description=form.description.data or "",
                starts_at=form.starts_at(),
                ends_at=form.ends_at(),
                timezone=form.timezone.data,
                online_url=form.online_url.data,
                venue=form.venue.data,
                access_notes=form.access_notes.data or "",
                capacity=capacity_value(form.capacity.data),
                booking_deadline=form.booking_deadline(),
            )
        except LMSError as error:
            show_problems(form, error)
        else:
            flash(f"“{session.title}” is scheduled. People on the cohort can book now.")
            return _session_url(session)
    return render_template(
        "live/session_form.html", form=form, cohort=cohort, session=None, zones=SUGGESTED_ZONES
    )


@bp.route("/sessions/<int:session_id>/edit", methods=["GET", "POST"])
@login_required
def edit_session(session_id: int) -> Any:
    session = get_or_404(LiveSession, session_id)
    require(can(current_user, "host_session", session))
    form = DetailsForm(obj=session)
    if request.method == "GET":
        form.capacity.data = "" if session.capacity is None else str(session.capacity)
    if form.validate_on_submit():
        try:
            live.update_session(
                _me(),
                session,
                title=form.title.data or "",
                description=form.description.data or "",
                online_url=form.online_url.data,
                venue=form.venue.data,
                access_notes=form.access_notes.data or "",
                capacity=capacity_value(form.capacity.data),
            )
        except LMSError as error:
            show_problems(form, error)
        else:
            flash("Your changes are saved.")
            return _session_url(session)
    return render_template(
        "live/session_form.html", form=form, cohort=session.cohort, session=session, zones=()
    )


@bp.route("/sessions/<int:session_id>/reschedule", methods=["GET", "POST"])
@login_required
def reschedule(session_id: int) -> Any:
    session = get_or_404(LiveSession, session_id)
    require(can(current_user, "host_session", session))
    form = TimesForm()
    if request.method == "GET":
        start = times.local(session.starts_at, session.timezone)
        form.date.data = start.date()
        form.start_time.data = start.time()
        form.end_time.data = times.local(session.ends_at, session.timezone).time()
        form.timezone.data = session.timezone
        if session.booking_deadline is not None:
            deadline = times.local(session.booking_deadline, session.timezone)
            form.deadline_date.data, form.deadline_time.data = deadline.date(), deadline.time()
    if form.validate_on_submit():
        try:
            live.reschedule(
                _me(),
                session,
                starts_at=form.starts_at(),
                ends_at=form.ends_at(),
                timezone=form.timezone.data,
                booking_deadline=form.booking_deadline(),
            )
        except LMSError as error:
            show_problems(form, error)
        else:
            flash("The session has moved. Everyone booked keeps their place.")
            return _session_url(session)
    return render_template(
        "live/reschedule.html", form=form, session=session, zones=SUGGESTED_ZONES
    )


@bp.route("/sessions/<int:session_id>/cancel", methods=["GET", "POST"])
@login_required
def cancel_session(session_id: int) -> Any:
    session = get_or_404(LiveSession, session_id)
    require(can(current_user, "host_session", session))
    form = CancelForm()
    if form.validate_on_submit():
        try:
            live.cancel_session(_me(), session, form.reason.data or "")
        except LMSError as error:
            show_problems(form, error)
        else:
            flash("The session is cancelled. It won't count against anyone's attendance.")
            return _session_url(session)
    return render_template("live/cancel.html", form=form, session=session, reasons=CANCEL_REASONS)


# -- one session: details, booking ----------------------------------------------------------


@bp.get("/sessions/<int:session_id>")
@login_required
def show(session_id: int) -> str:
    session = get_or_404(LiveSession, session_id)
    require(can(current_user, "view_session", session))
    view = queries.session_views([session], current_user)[0]
    return render_template(
        "live/show.html",
        session=session,
        view=view,
        zone=times.viewer_zone(current_user, session),
        attendance=queries.attendance_of(view.booking),
    )


@bp.post("/sessions/<int:session_id>/book")
@login_required
def book(session_id: int) -> Response:
    session = get_or_404(LiveSession, session_id)
    require(can(current_user, "book_session", session))
    booking = live.book(_me(), session)
    if booking.status == "booked":
        flash(f"You're booked on “{session.title}”.")
    else:
        position = live.waitlist_position(booking)
        flash(
            f"“{session.title}” is full, so you're on the waiting list (number {position}). "
            "If a place comes up, it's yours and we'll let you know."
        )
    return _session_url(session)


@bp.post("/bookings/<int:booking_id>/cancel")
@login_required
def cancel_booking(booking_id: int) -> Response:
    booking = get_or_404(Booking, booking_id)
    require(can(current_user, "cancel_booking", booking))
    own = booking.user_id == current_user.id
    live.cancel_booking(_me(), booking)
    if own:
        flash("Your booking is cancelled. You can book again while places are open.")
        return _session_url(booking.session)
    flash(f"{booking.person_name}'s booking is cancelled.")
    return redirect(url_for("live.register", session_id=booking.session_id), code=303)


# -- the register ---------------------------------------------------------------------------


@bp.route("/sessions/<int:session_id>/register", methods=["GET", "POST"])
@login_required
def register(session_id: int) -> Any:
    session = get_or_404(LiveSession, session_id)
    require(can(current_user, "host_session", session))
    rows = queries.register_rows(session)
    if request.method == "POST":
        try:
            changed = live.record_attendance(_me(), session, register_entries(request.form, rows))
        except LMSError as error:
            flash(error.message, "problem")
            problems = error.field_errors
        else:
            flash(
                f"The register is saved ({len(changed)} "
                f"{'change' if len(changed) == 1 else 'changes'})."
                if changed
                else "The register is saved; nothing had changed."
            )
            return redirect(url_for("live.register", session_id=session.id), code=303)
    else:
        problems = {}
    form = AddPersonForm()
    form.person.choices = choices(
        [("", "Choose someone")]
        + [(str(u.id), u.display_name) for u in queries.addable_learners(session)]
    )
    return render_template(
        "live/register.html",
        session=session,
        rows=rows,
        statuses=ATTENDANCE_STATUSES,
        submitted=request.form if request.method == "POST" else None,
        problems=problems,
        form=form,
    ), (400 if problems else 200)


@bp.post("/sessions/<int:session_id>/register/add")
@login_required
def add_to_register(session_id: int) -> Response:
    session = get_or_404(LiveSession, session_id)
    require(can(current_user, "host_session", session))
    person_id = (request.form.get("person") or "").strip()
    person = None
    if person_id:
        # Only someone taking part in the session's cohort can be picked from the list.
        person = next(
            (u for u in queries.addable_learners(session) if str(u.id) == person_id), None
        )
        if person is None:
            abort(404)
    booking = live.add_to_register(
        _me(), session, user=person, name=None if person else request.form.get("name")
    )
    flash(f"{booking.person_name} is on the register.")
    return redirect(url_for("live.register", session_id=session.id), code=303)


# -- calendars ------------------------------------------------------------------------------


@bp.get("/sessions/<int:session_id>.ics")
@login_required
def session_ics(session_id: int) -> Response:
    session = get_or_404(LiveSession, session_id)
    require(can(current_user, "view_session", session))
    body = build_calendar(
        [session],
        show_link=lambda s: can(current_user, "see_session_link", s),
        page_url=lambda s: url_for("live.show", session_id=s.id, _external=True),
    )
    return _calendar_response(body, f"session-{session.id}.ics")


@bp.get("/calendar")
@login_required
def calendar() -> str:
    require(can(current_user, "use_site"))
    return render_template("live/calendar.html", feed=live.feed_of(_me()), feed_url=None)


@bp.post("/calendar/link")
@login_required
def new_feed() -> Response:
    require(can(current_user, "use_site"))
    token = live.create_feed(_me())
    page = render_template(
        "live/calendar.html",
        feed=live.feed_of(_me()),
        feed_url=url_for("live.feed", token=token, _external=True),
    )
    response = Response(page, mimetype="text/html")
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/calendar/revoke")
@login_required
def revoke_feed() -> Response:
    require(can(current_user, "use_site"))
    if live.revoke_feed(_me()):
        flash("Your calendar address no longer works. Calendars using it will stop updating.")
    return redirect(url_for("live.calendar"), code=303)


@bp.get("/calendar/<token>.ics")
def feed(token: str) -> Response:
    """A person's private feed. Calendar apps fetch it without signing in: the unguessable
    token is the key, so it only ever shows sessions the person is booked on."""
    found = live.feed_for_token(token)
    if found is None:
        abort(404)
    body = build_calendar(
        queries.feed_sessions(found.user),
        show_link=lambda s: True,
        page_url=lambda s: url_for("live.show", session_id=s.id, _external=True),
        name="My live sessions",
    )
    return _calendar_response(body, "sessions.ics")
