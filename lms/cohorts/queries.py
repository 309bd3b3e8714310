"""Read models for the cohort pages: lists, the progress grid and choices for forms.

Each function runs a fixed number of queries, whatever the number of rows it returns.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import defer, joinedload, lazyload

from lms.accounts.models import Membership, Organisation, User
from lms.catalogue.models import Course, Module, Step
from lms.cohorts.models import (
    PLACE_STATUSES,
    BulkEnrolmentUpload,
    Cohort,
    CohortFacilitator,
    CohortPlugin,
    Enrolment,
)
from lms.db import utcnow
from lms.extensions import db
from lms.progress.models import ModuleCompletion, Reflection, StepProgress

GRID_PAGE_SIZE = 100


@dataclass
class CohortRow:
    cohort: Cohort
    learners: int
    completed: int

    @property
    def places_left(self) -> int | None:
        if self.cohort.capacity is None:
            return None
        return max(self.cohort.capacity - self.learners, 0)


def _place_counts(cohort_ids: list[int]) -> dict[int, tuple[int, int]]:
    """Per cohort: people holding a place, and how many of them completed."""
    rows = db.session.execute(
        select(
            Enrolment.cohort_id,
            func.count(Enrolment.id),
            func.count(case((Enrolment.status == "completed", 1))),
        )
        .where(Enrolment.cohort_id.in_(cohort_ids), Enrolment.status.in_(PLACE_STATUSES))
        .group_by(Enrolment.cohort_id)
    )
    return {cohort_id: (taken, done) for cohort_id, taken, done in rows}


def facilitated_cohorts(user: User) -> list[CohortRow]:
    """The cohorts ``user`` runs (every cohort for an admin), latest first."""
    query = select(Cohort).order_by(Cohort.starts_on.desc().nulls_last(), Cohort.name)
    if not user.is_admin:
        query = query.join(CohortFacilitator).where(CohortFacilitator.user_id == user.id)
    cohorts = db.session.scalars(query).unique().all()
    counts = _place_counts([c.id for c in cohorts])
    return [CohortRow(c, *counts.get(c.id, (0, 0))) for c in cohorts]


def cohort_row(cohort: Cohort) -> CohortRow:
    return CohortRow(cohort, *_place_counts([cohort.id]).get(cohort.id, (0, 0)))


# -- the progress grid ----------------------------------------------------------------------


@dataclass
class GridRow:
    enrolment: Enrolment
    cells: list[str]  # per module: "done", "started" or "not-started"
    last_activity: datetime | None
    steps_done: int = 0
    steps_total: int = 0

    @property
    def percent(self) -> int:
        return round(100 * self.steps_done / self.steps_total) if self.steps_total else 0

    @property
    def modules_done(self) -> int:
        return self.cells.count("done")


@dataclass
class ProgressGrid:
    modules: list[Any]
    rows: list[GridRow]
    page: Any = None


def progress_grid(cohort: Cohort, page: int = 1, per_page: int = GRID_PAGE_SIZE) -> ProgressGrid:
    """Learner x module: completed, in progress or not started, and each learner's last
    activity. Six queries whatever the number of learners and modules: the page of
    enrolments (and its count), the modules, their number of steps, progress grouped by
    learner and module, and module completions."""
    in_place = case((Enrolment.status.in_(PLACE_STATUSES), 0), else_=1)
    pagination = db.paginate(
        select(Enrolment)
        .join(User, User.id == Enrolment.user_id)
        .where(Enrolment.cohort_id == cohort.id)
        .order_by(in_place, func.lower(User.display_name), User.id)
        # The cohort is in the session already; the grid shows no memberships.
        .options(lazyload(Enrolment.cohort), joinedload(Enrolment.user).lazyload(User.memberships)),
        page=page,
        per_page=per_page,
        error_out=False,
    )
    enrolments: list[Enrolment] = list(pagination.items)
    modules = db.session.execute(
        select(Module.id, Module.title, Module.position)
        .where(Module.course_id == cohort.course_id, Module.retired_at.is_(None))
        .order_by(Module.position)
    ).all()
    user_ids = [e.user_id for e in enrolments]
    module_ids = [m.id for m in modules]
    started: set[tuple[int, int]] = set()
    last: dict[int, datetime] = {}
    steps_done: dict[int, int] = defaultdict(int)
    steps_total = 0
    if module_ids:
        steps_total = (
            db.session.scalar(
                select(func.count(Step.id)).where(
                    Step.module_id.in_(module_ids), Step.retired_at.is_(None)
                )
            )
            or 0
        )
    if user_ids and module_ids:
        touched = func.max(func.coalesce(StepProgress.completed_at, StepProgress.viewed_at))
        for user_id, module_id, when, completed in db.session.execute(
            select(
                StepProgress.user_id, Step.module_id, touched, func.count(StepProgress.completed_at)
            )
            .join(Step, Step.id == StepProgress.step_id)
            .where(
                StepProgress.user_id.in_(user_ids),
                Step.module_id.in_(module_ids),
                Step.retired_at.is_(None),
            )
            .group_by(StepProgress.user_id, Step.module_id)
        ):
            started.add((user_id, module_id))
            steps_done[user_id] += completed
            if when is not None and (user_id not in last or when > last[user_id]):
                last[user_id] = when
        done = set(
            db.session.execute(
                select(ModuleCompletion.user_id, ModuleCompletion.module_id).where(
                    ModuleCompletion.user_id.in_(user_ids),
                    ModuleCompletion.module_id.in_(module_ids),
                )
            ).all()
        )
    else:
        done = set()
    rows = []
    for enrolment in enrolments:
        cells = [
            "done"
            if (enrolment.user_id, m.id) in done
            else "started"
            if (enrolment.user_id, m.id) in started
            else "not-started"
            for m in modules
        ]
        moments = [t for t in (enrolment.last_activity_at, last.get(enrolment.user_id)) if t]
        latest = max(moments) if moments else None
        rows.append(GridRow(enrolment, cells, latest, steps_done[enrolment.user_id], steps_total))
    return ProgressGrid(list(modules), rows, pagination)


def shared_reflections(cohort: Cohort) -> list[Reflection]:
    """Reflections learners chose to share with this cohort's facilitators."""
    return list(
        db.session.scalars(
            select(Reflection)
            .where(Reflection.shared_with_cohort_id == cohort.id)
            .order_by(Reflection.updated_at.desc())
        )
    )


def active_plugins(cohort: Cohort) -> list[str]:
    return list(
        db.session.scalars(
            select(CohortPlugin.plugin)
            .where(CohortPlugin.cohort_id == cohort.id, CohortPlugin.active.is_(True))
            .order_by(CohortPlugin.plugin)
        )
    )


# -- choices for forms --------------------------------------------------------------------


def course_choices() -> list[tuple[int, str]]:
    """Courses a cohort can be made for, by title."""
    rows = db.session.execute(
        select(Course.id, Course.title).where(Course.retired.is_(False)).order_by(Course.title)
    )
    return [(row.id, row.title) for row in rows]


def facilitator_choices(cohort: Cohort | None, actor: User) -> list[tuple[int, str]]:
    """People offered as facilitators: those who facilitate any cohort, admins, this
    cohort's facilitators and the person filling in the form. Others can be added by name."""
    current = [p.id for p in cohort.facilitators] if cohort is not None else []
    rows = db.session.execute(
        select(User.id, User.display_name, User.email, User.username)
        .where(
            User.active,
            or_(
                User.id.in_(select(CohortFacilitator.user_id)),
                User.is_admin,
                User.id.in_([*current, actor.id]),
            ),
        )
        .order_by(func.lower(User.display_name), User.id)
    )
    return [(row.id, f"{row.display_name} ({row.email or row.username})") for row in rows]


def later_cohorts(cohort: Cohort) -> list[CohortRow]:
    """Cohorts of the same course someone could defer to: not finished, starting later."""
    query = select(Cohort).where(
        Cohort.course_id == cohort.course_id,
        Cohort.id != cohort.id,
        or_(Cohort.ends_on.is_(None), Cohort.ends_on >= utcnow().date()),
    )
    if cohort.starts_on is not None:
        query = query.where(or_(Cohort.starts_on.is_(None), Cohort.starts_on > cohort.starts_on))
    cohorts = db.session.scalars(query.order_by(Cohort.starts_on.nulls_last(), Cohort.name)).all()
    counts = _place_counts([c.id for c in cohorts])
    return [CohortRow(c, *counts.get(c.id, (0, 0))) for c in cohorts]


# -- managers booking places --------------------------------------------------------------


def bookable_cohorts(today: date | None = None) -> list[CohortRow]:
    """Cohorts managers book places on that haven't finished, soonest first."""
    today = today or utcnow().date()
    cohorts = db.session.scalars(
        select(Cohort)
        .join(Course, Course.id == Cohort.course_id)
        .where(
            Cohort.enrolment_mode == "manager",
            Course.retired.is_(False),
            or_(Cohort.ends_on.is_(None), Cohort.ends_on >= today),
        )
        .order_by(Cohort.starts_on.nulls_last(), Cohort.name)
    ).all()
    counts = _place_counts([c.id for c in cohorts])
    return [CohortRow(c, *counts.get(c.id, (0, 0))) for c in cohorts]


def people_to_book(organisation: Organisation, cohort: Cohort, page: int) -> tuple[Any, dict]:
    """A page of the organisation's active people, with their status on ``cohort``."""
    pagination = db.paginate(
        select(User)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.organisation_id == organisation.id, User.active)
        .order_by(func.lower(User.display_name), User.id),
        page=page,
        per_page=100,
        error_out=False,
    )
    ids = [u.id for u in pagination.items]
    statuses = dict(
        db.session.execute(
            select(Enrolment.user_id, Enrolment.status).where(
                Enrolment.cohort_id == cohort.id, Enrolment.user_id.in_(ids)
            )
        ).all()
    )
    return pagination, statuses


# -- bulk enrolment -----------------------------------------------------------------------


def recent_uploads(cohort: Cohort, limit: int = 5) -> list[BulkEnrolmentUpload]:
    """The cohort's latest uploads, newest first, without their rows."""
    return list(
        db.session.scalars(
            select(BulkEnrolmentUpload)
            .options(defer(BulkEnrolmentUpload.rows))
            .where(BulkEnrolmentUpload.cohort_id == cohort.id)
            .order_by(BulkEnrolmentUpload.created_at.desc(), BulkEnrolmentUpload.id.desc())
            .limit(limit)
        )
    )


def rows_by_action(rows: list[dict[str, Any]]) -> dict[str, int]:
    counts: dict[str, int] = defaultdict(int)
    for row in rows:
        counts[row.get("action", "error")] += 1
    return dict(counts)
