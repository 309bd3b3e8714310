"""Who attended live sessions: one row per person booked on a session that has started.

Cancelled sessions never count, nor cancelled or waiting-list places. Hours are the
session's length; CPD hours are the hours the person was there (one CPD hour is one hour
of structured learning): the whole session when present, the minutes recorded when there
for part of it, none when absent, excused or not recorded.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, case, func, or_, select

from lms.accounts.models import Membership, Organisation, User
from lms.catalogue.models import Course
from lms.cohorts.models import Cohort
from lms.db import utcnow
from lms.extensions import db
from lms.live.models import ATTENDANCE_STATUSES, Attendance, Booking, LiveSession
from lms.reports.filters import Filters
from lms.reports.queries import Page, first_membership, member_of_scope, paged, streamed
from lms.reports.scope import ReportScope

#: The employer-importable columns, in order (docs/exports.md).
EMPLOYER_COLUMNS = (
    "Name",
    "Service number",
    "Organisation",
    "Course",
    "Session date",
    "Hours",
    "CPD hours",
    "Attendance",
)
ATTENDANCE_COLUMNS = (
    "Name",
    "Service number",
    "Organisation",
    "Course",
    "Session",
    "Session date",
    "Hours",
    "CPD hours",
    "Attendance",
)
NOT_RECORDED = "Not recorded"


def session_conditions(scope: ReportScope, filters: Filters, now: datetime) -> list[Any]:
    """Sessions that count: going ahead, started, in the scope's cohorts and the filters."""
    conditions: list[Any] = [LiveSession.status != "cancelled", LiveSession.starts_at <= now]
    if scope.cohort_ids is not None:
        conditions.append(LiveSession.cohort_id.in_(scope.cohort_ids))
    if filters.cohort_id is not None:
        conditions.append(LiveSession.cohort_id == filters.cohort_id)
    if filters.course_id is not None:
        conditions.append(Cohort.course_id == filters.course_id)
    if filters.session_id is not None:
        conditions.append(LiveSession.id == filters.session_id)
    if filters.starts is not None:
        conditions.append(LiveSession.starts_at >= filters.starts)
    if filters.ends is not None:
        conditions.append(LiveSession.starts_at < filters.ends)
    return conditions


def _people_condition(scope: ReportScope) -> Any:
    """Bookings of the scope's people; name-only bookings (no account, so no organisation)
    only where the scope is not limited to organisations."""
    if scope.organisation_ids is None:
        return True
    return and_(Booking.user_id.is_not(None), member_of_scope(Booking.user_id, scope))


def _attendance_query(scope: ReportScope, filters: Filters, now: datetime) -> Any:
    return (
        select(
            func.coalesce(User.display_name, Booking.name),
            first_membership(Booking.user_id, scope, Membership.service_number),
            first_membership(Booking.user_id, scope, Organisation.name),
            Course.title,
            LiveSession.title,
            LiveSession.starts_at,
            LiveSession.ends_at,
            LiveSession.timezone,
            Attendance.status,
            Attendance.minutes,
        )
        .select_from(Booking)
        .join(LiveSession, LiveSession.id == Booking.session_id)
        .outerjoin(User, User.id == Booking.user_id)
        .outerjoin(Cohort, Cohort.id == LiveSession.cohort_id)
        .outerjoin(Course, Course.id == Cohort.course_id)
        .outerjoin(Attendance, Attendance.booking_id == Booking.id)
        .where(
            Booking.status == "booked",
            _people_condition(scope),
            *session_conditions(scope, filters, now),
        )
        .order_by(
            LiveSession.starts_at,
            LiveSession.id,
            func.coalesce(User.display_name, Booking.name),
            Booking.id,
        )
    )


def _hours(minutes: float) -> Decimal:
    return (Decimal(minutes) / 60).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _local_date(starts_at: datetime, zone: str) -> date:
    try:
        return starts_at.replace(tzinfo=ZoneInfo("UTC")).astimezone(ZoneInfo(zone)).date()
    except (KeyError, ValueError):
        return starts_at.date()


def _attendance_row(row: Any) -> tuple[Any, ...]:
    name, number, org, course, title, starts, ends, zone, status, minutes = row
    length = (ends - starts).total_seconds() / 60
    if status == "present":
        attended = length
    elif status == "partial":
        attended = min(minutes or 0, length)
    else:
        attended = 0
    return (
        name or "",
        number or "",
        org or "",
        course or "",
        title,
        _local_date(starts, zone),
        _hours(length),
        _hours(attended),
        ATTENDANCE_STATUSES.get(status, NOT_RECORDED) if status else NOT_RECORDED,
    )


def attendance_page(
    scope: ReportScope, filters: Filters, number: int, now: datetime | None = None
) -> Page:
    page = paged(_attendance_query(scope, filters, now or utcnow()), number)
    page.rows = [_attendance_row(row) for row in page.rows]
    return page


def attendance_rows(
    scope: ReportScope, filters: Filters, now: datetime | None = None
) -> Iterator[tuple[Any, ...]]:
    for row in streamed(_attendance_query(scope, filters, now or utcnow())):
        yield _attendance_row(row)


def employer_rows(
    scope: ReportScope, filters: Filters, now: datetime | None = None
) -> Iterator[tuple[Any, ...]]:
    """The employer-importable attendance file: the attendance rows without the session
    title, in ``EMPLOYER_COLUMNS`` order."""
    for row in attendance_rows(scope, filters, now):
        yield (*row[:4], *row[5:])


# -- by session ---------------------------------------------------------------------------

BY_SESSION_COLUMNS = (
    "Session",
    "Course",
    "Date",
    "Booked",
    "Present",
    "Part of the session",
    "Absent",
    "Excused",
    "Not recorded",
)


def _by_session_query(scope: ReportScope, filters: Filters, now: datetime) -> Any:
    def count(status: str | None) -> Any:
        match = Attendance.status.is_(None) if status is None else Attendance.status == status
        return func.count(case((match, 1)))

    return (
        select(
            LiveSession.id,
            LiveSession.title,
            Course.title,
            LiveSession.starts_at,
            LiveSession.timezone,
            func.count(Booking.id),
            count("present"),
            count("partial"),
            count("absent"),
            count("excused"),
            count(None),
        )
        .select_from(Booking)
        .join(LiveSession, LiveSession.id == Booking.session_id)
        .outerjoin(Cohort, Cohort.id == LiveSession.cohort_id)
        .outerjoin(Course, Course.id == Cohort.course_id)
        .outerjoin(Attendance, Attendance.booking_id == Booking.id)
        .where(
            Booking.status == "booked",
            _people_condition(scope),
            *session_conditions(scope, filters, now),
        )
        .group_by(
            LiveSession.id,
            LiveSession.title,
            Course.title,
            LiveSession.starts_at,
            LiveSession.timezone,
        )
        .order_by(LiveSession.starts_at.desc(), LiveSession.id)
    )


def _by_session_row(row: Any) -> tuple[Any, ...]:
    _id, title, course, starts, zone, *counts = row
    return (title, course or "", _local_date(starts, zone), *counts)


def by_session_page(
    scope: ReportScope, filters: Filters, number: int, now: datetime | None = None
) -> Page:
    """Rows are ``(session id, cells)``: the page links each session's own file."""
    page = paged(_by_session_query(scope, filters, now or utcnow()), number)
    page.rows = [(row[0], _by_session_row(row)) for row in page.rows]
    return page


def by_session_rows(
    scope: ReportScope, filters: Filters, now: datetime | None = None
) -> Iterator[tuple[Any, ...]]:
    for row in streamed(_by_session_query(scope, filters, now or utcnow())):
        yield _by_session_row(row)


def sessions_attended(scope: ReportScope, filters: Filters, now: datetime | None = None) -> int:
    """Places at sessions the scope's people attended (present or part of it)."""
    return (
        db.session.scalar(
            select(func.count(Attendance.id))
            .select_from(Booking)
            .join(LiveSession, LiveSession.id == Booking.session_id)
            .outerjoin(Cohort, Cohort.id == LiveSession.cohort_id)
            .join(Attendance, Attendance.booking_id == Booking.id)
            .where(
                Booking.status == "booked",
                or_(Attendance.status == "present", Attendance.status == "partial"),
                _people_condition(scope),
                *session_conditions(scope, filters, now or utcnow()),
            )
        )
        or 0
    )
