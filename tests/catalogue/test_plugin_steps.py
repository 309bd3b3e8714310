"""A step type and completion rules from a loaded plugin are accepted by the import."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from flask import Flask
from sqlalchemy import select

from lms.catalogue.loader import CourseFileErrors
from lms.catalogue.models import Course, Step
from lms.catalogue.services import import_course
from lms.extensions import db
from tests.catalogue.helpers import SLUG, edit, line_of

POLL = """```step
id: vote
type: poll
title: Have your say
minutes: 2
options: [Yes please, Not now]
```
Which do you prefer?

"""


def test_a_registered_plugin_step_type_imports(
    make_app: Callable[..., Flask], course_dir: Path
) -> None:
    app = make_app(
        PLUGIN_PATHS={"poll": "tests.catalogue.plugin_poll:PollPlugin"}, PLUGINS=["poll"]
    )
    start = course_dir / "modules" / "01-start.md"
    edit(start, "```step\nid: welcome", POLL + "```step\nid: welcome")
    edit(course_dir / "modules" / "02-more.md", "rule: any\n  n: 1", "rule: most")
    edit(
        course_dir / "course.yaml",
        "certificate_template: completion",
        "certificate_template: poll-certificate",
    )
    with app.app_context():
        result = import_course(course_dir)
        assert result.status == "created" and "vote" in result.added
        vote = db.session.scalar(select(Step).where(Step.key == "vote"))
        assert vote is not None and vote.type == "poll" and vote.complete_when == "viewed"
        assert vote.config == {"options": ["Yes please", "Not now"]}
        course = db.session.scalar(select(Course).where(Course.slug == SLUG))
        assert course is not None and course.certificate_template == "poll-certificate"
        assert course.modules[1].completion_rule == {"rule": "most"}

        edit(start, "options: [Yes please, Not now]", "options: [Only one]")
        try:
            import_course(course_dir)
        except CourseFileErrors as errors:
            line = line_of(start, "options:")
            assert errors.problems == [
                f"{SLUG}/modules/01-start.md:{line}: poll step: options must be a list of at "
                "least 2 choices"
            ]
        else:
            raise AssertionError("the plugin's validate() was not called")
