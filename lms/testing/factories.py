"""Factory callables that build small worlds for tests: people, courses, cohorts."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any

from lms.accounts.models import Membership, Organisation, User
from lms.catalogue.models import Course, Module, Step
from lms.cohorts.models import Cohort, CohortFacilitator, Enrolment
from lms.extensions import db

_counter = itertools.count(1)

DEFAULT_STEPS: list[dict[str, Any]] = [
    {"type": "text", "title": "Reading"},
    {"type": "reflection", "title": "Your thoughts"},
    {
        "type": "quiz",
        "title": "Check",
        "config": {
            "pass_mark": 1,
            "questions": [
                {
                    "prompt": "Pick the first",
                    "choices": ["First", "Second"],
                    "answer": 1,
                    "explanation": "It is the first.",
                }
            ],
        },
    },
]

COMPLETE_WHEN = {
    "text": "marked_done",
    "video": "marked_done",
    "download": "marked_done",
    "reflection": "reflection_submitted",
    "quiz": "quiz_passed",
}


class Factories:
    """Each method adds rows and flushes, so ids are set; the test's rollback removes them."""

    def organisation(self, name: str | None = None, **kw: Any) -> Organisation:
        n = next(_counter)
        org = Organisation(
            name=name or f"Organisation {n}",
            type=kw.pop("type", "voluntary"),
            region=kw.pop("region", "London"),
            **kw,
        )
        db.session.add(org)
        db.session.flush()
        return org

    def user(
        self,
        display_name: str | None = None,
        *,
        email: str | None = "",
        username: str | None = None,
        password: str | None = "correct horse battery",
        organisation: Organisation | None = None,
        role: str = "member",
        is_admin: bool = False,
        **kw: Any,
    ) -> User:
        from lms.accounts.passwords import hash_password

        n = next(_counter)
        if email == "":
            email = None if username else f"person{n}@example.org"
        user = User(
            display_name=display_name or f"Person {n}",
            email=email,
            username=username,
            password_hash=hash_password(password) if password else None,
            is_admin=is_admin,
            **kw,
        )
        db.session.add(user)
        db.session.flush()
        if organisation is not None:
            db.session.add(Membership(user_id=user.id, organisation_id=organisation.id, role=role))
            db.session.flush()
            db.session.refresh(user)
        return user

    def course(
        self,
        slug: str | None = None,
        *,
        modules: list[list[dict[str, Any]]] | None = None,
        module_notes: dict[int, dict[str, Any]] | None = None,
        **kw: Any,
    ) -> Course:
        """A course with ``modules``: a list of step lists (default: one module, 3 steps)."""
        n = next(_counter)
        course = Course(
            slug=slug or f"course-{n}",
            title=kw.pop("title", f"Course {n}"),
            summary=kw.pop("summary", "A course made for a test."),
            outcomes=kw.pop("outcomes", ["Understand the test"]),
            cpd_hours=kw.pop("cpd_hours", 1),
            enrolment=kw.pop("enrolment", "open"),
            completion_rule=kw.pop("completion_rule", {"rule": "all"}),
            content_version=1,
            **kw,
        )
        db.session.add(course)
        db.session.flush()
        for m_index, steps in enumerate(modules if modules is not None else [DEFAULT_STEPS]):
            module = Module(
                course_id=course.id,
                key=f"module-{m_index + 1}",
                position=m_index,
                title=f"Module {m_index + 1}",
                content_note=(module_notes or {}).get(m_index),
                completion_rule={"rule": "all"},
            )
            db.session.add(module)
            db.session.flush()
            for s_index, spec in enumerate(steps):
                db.session.add(
                    Step(
                        course_id=course.id,
                        module_id=module.id,
                        key=spec.get("key", f"m{m_index + 1}-step-{s_index + 1}"),
                        position=s_index,
                        type=spec["type"],
                        title=spec.get("title", f"Step {s_index + 1}"),
                        minutes=spec.get("minutes", 5),
                        body_html=spec.get("body_html", "<p>Some words.</p>"),
                        config=spec.get("config", {}),
                        content_note=spec.get("content_note"),
                        complete_when=spec.get("complete_when", COMPLETE_WHEN[spec["type"]]),
                    )
                )
        db.session.flush()
        db.session.expire(course)
        return course

    def cohort(
        self,
        course: Course | None = None,
        *,
        facilitators: Sequence[User] = (),
        **kw: Any,
    ) -> Cohort:
        n = next(_counter)
        course = course or self.course()
        cohort = Cohort(
            course_id=course.id,
            name=kw.pop("name", f"Cohort {n}"),
            enrolment_mode=kw.pop("enrolment_mode", "invitation"),
            **kw,
        )
        db.session.add(cohort)
        db.session.flush()
        for facilitator in facilitators:
            db.session.add(CohortFacilitator(cohort_id=cohort.id, user_id=facilitator.id))
        db.session.flush()
        db.session.expire(cohort)
        return cohort

    def enrol(self, user: User, cohort: Cohort, status: str = "active", **kw: Any) -> Enrolment:
        enrolment = Enrolment(user_id=user.id, cohort_id=cohort.id, status=status, **kw)
        db.session.add(enrolment)
        db.session.flush()
        return enrolment
