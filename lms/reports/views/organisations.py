"""What a manager sees first: the people of their own organisation (and its units) and
their completion, and where they book places for them on cohorts."""

from __future__ import annotations

from typing import Any, cast

from flask import abort, flash, get_template_attribute, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from markupsafe import Markup
from werkzeug.wrappers import Response

from lms.accounts.forms import choices, show_problems
from lms.accounts.models import Organisation, User
from lms.accounts.permissions import can, require
from lms.cohorts import queries as cohort_queries
from lms.cohorts import services as cohorts
from lms.cohorts.forms import BookingForm
from lms.cohorts.forms import page_number as booking_page
from lms.cohorts.models import PLACE_STATUSES, Cohort
from lms.db import get_or_404
from lms.errors import LMSError, NotAllowed
from lms.reports import people_rows
from lms.reports.queries import people
from lms.reports.queries import person as record
from lms.reports.queries.organisations import managed_organisations
from lms.reports.scope import organisation_scope
from lms.reports.views import bp, filtered, me, page_number


@bp.get("/organisations")
@login_required
def index() -> str | Response:
    require(can(current_user, "view_organisations"))
    organisations = managed_organisations(me())
    if len(organisations) == 1:
        return redirect(url_for("reports.organisation", organisation_id=organisations[0].id))
    return render_template("reports/index.html", organisations=organisations)


@bp.get("/organisations/<int:organisation_id>")
@login_required
def organisation(organisation_id: int) -> tuple[str, int]:
    organisation = get_or_404(Organisation, organisation_id)
    require(can(current_user, "view_organisation", organisation))
    result = filtered(organisation_scope(me(), organisation))
    if not result.ok:
        return render_template(
            "reports/organisation.html",
            organisation=organisation,
            result=result,
            total=people.people_count(result.scope),
            page=None,
        ), 400
    record_url = person_url(organisation.id)

    def draw(rows: list[people.PersonRow]) -> list[Markup]:
        person_row = get_template_attribute("reports/_people.html", "person_row")
        return [cast(Markup, person_row(row, record_url, organisation.name)) for row in rows]

    found = people_rows.people_page(
        result.scope, result.filters, page_number(), draw, context=organisation.id
    )
    return render_template(
        "reports/organisation.html",
        organisation=organisation,
        result=result,
        total=found.total,
        page=found.page,
        rows=people_rows.joined(found.page.rows),
    ), 200


def person_url(organisation_id: int) -> str:
    """The address of a person's record, but for their id: built once for a page of
    people (``url_for`` for every row would cost more than the rest of the row)."""
    return url_for("reports.person", organisation_id=organisation_id, user_id=0).removesuffix("0")


@bp.get("/organisations/<int:organisation_id>/people/<int:user_id>")
@login_required
def person(organisation_id: int, user_id: int) -> str:
    organisation = get_or_404(Organisation, organisation_id)
    require(can(current_user, "view_organisation", organisation))
    found = record.person_record(organisation_scope(me(), organisation), user_id)
    if found is None:
        abort(404)
    return render_template(
        "reports/person.html",
        organisation=organisation,
        record=found,
        columns=record.RECORD_COLUMNS,
    )


# -- booking places on cohorts booked by managers ------------------------------------------


@bp.get("/organisations/<int:organisation_id>/book")
@login_required
def book(organisation_id: int) -> str:
    organisation = get_or_404(Organisation, organisation_id)
    require(can(current_user, "book_places", organisation))
    return render_template(
        "reports/book.html", organisation=organisation, rows=cohort_queries.bookable_cohorts()
    )


@bp.route("/organisations/<int:organisation_id>/book/<int:cohort_id>", methods=["GET", "POST"])
@login_required
def book_people(organisation_id: int, cohort_id: int) -> Any:
    organisation = get_or_404(Organisation, organisation_id)
    require(can(current_user, "book_places", organisation))
    cohort = get_or_404(Cohort, cohort_id)
    problem = cohorts.bookable_problem(cohort)
    if problem:
        raise NotAllowed(problem)
    page = booking_page(request.args.get("page"))
    pagination, statuses = cohort_queries.people_to_book(organisation, cohort, page)
    form = BookingForm()
    form.people.choices = choices(
        (u.id, u.display_name) for u in pagination.items if statuses.get(u.id) not in PLACE_STATUSES
    )
    if form.validate_on_submit():
        try:
            booking = cohorts.book_places(
                cast(User, current_user._get_current_object()),
                organisation,
                cohort,
                form.people.data or [],
            )
        except LMSError as error:
            show_problems(form, error)
        else:
            names = ", ".join(u.display_name for u in booking.booked)
            if booking.booked:
                flash(f"Booked on {cohort.name}: {names}.")
            if booking.already:
                already = ", ".join(u.display_name for u in booking.already)
                flash(f"Already had a place: {already}.", "info")
            return redirect(
                url_for("reports.organisation", organisation_id=organisation.id), code=303
            )
    return render_template(
        "reports/book_people.html",
        organisation=organisation,
        cohort=cohort,
        row=cohort_queries.cohort_row(cohort),
        pagination=pagination,
        already=[u for u in pagination.items if statuses.get(u.id) in PLACE_STATUSES],
        form=form,
    ), (400 if form.errors else 200)
