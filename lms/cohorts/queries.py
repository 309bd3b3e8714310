"""Read models for facilitators: their cohorts and each learner's progress."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from lms.accounts.models import User
from lms.catalogue.models import Module, Step
from lms.cohorts.models import Cohort, CohortFacilitator, Enrolment
from lms.db import pairs
from lms.extensions import db
from lms.progress.models import ModuleCompletion, Reflection, StepProgress


@dataclass
class CohortRow:
    cohort: Cohort
    learners: int
    completed: int


@dataclass
class LearnerProgress:
    enrolment: Enrolment
    steps_done: int
    steps_total: int
    modules_done: int
    last_activity: datetime | None

    @property
    def percent(self) -> int:
        return round(100 * self.steps_done / self.steps_total) if self.steps_total else 0


def facilitated_cohorts(user: User) -> list[CohortRow]:
    query = select(Cohort).order_by(Cohort.starts_on.desc().nulls_last(), Cohort.name)
    if not user.is_admin:
        query = query.join(CohortFacilitator).where(CohortFacilitator.user_id == user.id)
    cohorts = db.session.scalars(query).unique().all()
    ids = [c.id for c in cohorts]
    counts = {
        cohort_id: (total, done)
        for cohort_id, total, done in db.session.execute(
            select(
                Enrolment.cohort_id,
                func.count(Enrolment.id),
                func.count(Enrolment.completed_at),
            )
            .where(Enrolment.cohort_id.in_(ids), Enrolment.status != "withdrawn")
            .group_by(Enrolment.cohort_id)
        )
    }
    return [CohortRow(c, *counts.get(c.id, (0, 0))) for c in cohorts]


def cohort_progress(cohort: Cohort) -> list[LearnerProgress]:
    """Each learner's progress in the cohort's course, in four queries."""
    enrolments = db.session.scalars(
        select(Enrolment)
        .join(User, User.id == Enrolment.user_id)
        .where(Enrolment.cohort_id == cohort.id)
        .order_by(User.display_name)
    ).all()
    user_ids = [e.user_id for e in enrolments]
    total = (
        db.session.scalar(
            select(func.count(Step.id))
            .join(Module, Module.id == Step.module_id)
            .where(
                Step.course_id == cohort.course_id,
                Step.retired_at.is_(None),
                Module.retired_at.is_(None),
            )
        )
        or 0
    )
    steps = pairs(
        db.session.execute(
            select(StepProgress.user_id, func.count(StepProgress.id))
            .join(Step, Step.id == StepProgress.step_id)
            .where(
                StepProgress.user_id.in_(user_ids),
                Step.course_id == cohort.course_id,
                Step.retired_at.is_(None),
                StepProgress.completed_at.is_not(None),
            )
            .group_by(StepProgress.user_id)
        )
    )
    modules = pairs(
        db.session.execute(
            select(ModuleCompletion.user_id, func.count(ModuleCompletion.id))
            .join(Module, Module.id == ModuleCompletion.module_id)
            .where(ModuleCompletion.user_id.in_(user_ids), Module.course_id == cohort.course_id)
            .group_by(ModuleCompletion.user_id)
        )
    )
    return [
        LearnerProgress(
            e, steps.get(e.user_id, 0), total, modules.get(e.user_id, 0), e.last_activity_at
        )
        for e in enrolments
    ]


def shared_reflections(cohort: Cohort) -> list[Reflection]:
    """Reflections learners chose to share with this cohort's facilitators."""
    return list(
        db.session.scalars(
            select(Reflection)
            .where(Reflection.shared_with_cohort_id == cohort.id)
            .order_by(Reflection.updated_at.desc())
        )
    )
