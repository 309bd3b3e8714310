"""Worlds shared by the core's tests."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from lms.progress import services as progress

REFLECTION_TEXT = "A private thought about my first week that nobody else should read."


@dataclass
class World:
    course: Any
    step: Any
    reflection_step: Any
    module: Any
    org: Any
    other_org: Any
    cohort: Any
    learner: Any
    other_learner: Any
    facilitator: Any
    other_facilitator: Any
    manager: Any
    other_manager: Any
    admin: Any
    reflection: Any

    def user(self, role: str) -> Any:
        return getattr(self, role) if role != "anonymous" else None


@pytest.fixture
def world(db, factories) -> World:
    """Two organisations, a cohort course with a learner part-way through, and the people
    around them: a learner elsewhere, facilitators, managers and an admin."""
    return build_world(factories)


def build_world(factories: Any) -> World:
    """The ``world`` fixture's rows, in whatever database the current app uses (also for
    apps made with ``make_app``, which don't use the ``db`` fixture's transaction)."""
    f = factories
    org = f.organisation("Northfield Test Trust", type="nhs_trust")
    other_org = f.organisation("Elsewhere Centre", type="womens_centre")
    course = f.course(
        "trauma-informed-foundations",
        enrolment="cohort",
        modules=[
            [
                {"type": "text", "key": "intro"},
                {"type": "reflection", "key": "think"},
                {"type": "video", "key": "watch", "config": {"file": "files/intro-video.webm"}},
            ]
        ],
    )
    learner = f.user("Lena Learner", organisation=org)
    other_learner = f.user("Otto Other", organisation=other_org)
    facilitator = f.user("Fay Facilitator")
    other_facilitator = f.user("Gus Elsewhere")
    manager = f.user("Mona Manager", organisation=org, role="manager")
    other_manager = f.user("Max Manager", organisation=other_org, role="manager")
    admin = f.user("Ada Admin", is_admin=True)
    cohort = f.cohort(course, facilitators=[facilitator], name="World cohort")
    other_course = f.course("other-course", enrolment="cohort")
    f.cohort(other_course, facilitators=[other_facilitator])
    f.enrol(learner, cohort)
    module = course.modules[0]
    step, reflection_step = module.steps[0], module.steps[1]
    progress.mark_done(learner, step)
    progress.save_reflection(learner, reflection_step, REFLECTION_TEXT, share=False)
    from sqlalchemy import select

    from lms.extensions import db as _db
    from lms.progress.models import Reflection

    reflection = _db.session.scalar(select(Reflection).where(Reflection.user_id == learner.id))
    return World(
        course,
        step,
        reflection_step,
        module,
        org,
        other_org,
        cohort,
        learner,
        other_learner,
        facilitator,
        other_facilitator,
        manager,
        other_manager,
        admin,
        reflection,
    )
