"""The security suite's world: the core ``world`` plus what the attacks need.

- a quiz (in its own cohort course, facilitated by the world's facilitator) the learner
  answered wrongly, choosing ``QUIZ_CHOICE``: a quiz answer only the learner may see;
- ``peer_facilitator``: runs another cohort of the *same* course as the learner's.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask

from lms.extensions import limiter
from lms.progress import services as progress
from tests.conftest import REFLECTION_TEXT, World
from tests.security.helpers import signed_in_client

QUIZ_CHOICE = "Zebra-crossing answer only Lena chose"
QUIZ_RESULTS = "Your last answers"


@dataclass
class SecurityWorld:
    world: World
    quiz_course: Any
    quiz_step: Any
    quiz_cohort: Any
    peer_cohort: Any
    peer_facilitator: Any

    def __getattr__(self, name: str) -> Any:
        return getattr(self.world, name)

    def user(self, role: str) -> Any:
        if role == "anonymous":
            return None
        return getattr(self, role)

    @property
    def private_texts(self) -> list[str]:
        """What only the learner may ever see."""
        return [REFLECTION_TEXT, QUIZ_CHOICE, QUIZ_RESULTS]

    @property
    def learner_identity(self) -> list[str]:
        """What names the learner, for pages of people who have nothing to do with them."""
        return [self.world.learner.display_name, self.world.learner.email]


@pytest.fixture
def sw(world: World, factories: Any) -> SecurityWorld:
    return build_security_world(world, factories)


def build_security_world(world: World, f: Any) -> SecurityWorld:
    quiz_course = f.course(
        "security-quiz",
        enrolment="cohort",
        modules=[
            [
                {
                    "type": "quiz",
                    "key": "check",
                    "config": {
                        "pass_mark": 1,
                        "questions": [
                            {
                                "prompt": "Which is right?",
                                "choices": ["The right one", QUIZ_CHOICE],
                                "answer": 1,
                                "explanation": "The first one is right.",
                            }
                        ],
                    },
                }
            ]
        ],
    )
    quiz_cohort = f.cohort(quiz_course, facilitators=[world.facilitator], name="Quiz cohort")
    f.enrol(world.learner, quiz_cohort)
    quiz_step = quiz_course.modules[0].steps[0]
    progress.submit_quiz(world.learner, quiz_step, {0: 2})
    peer_facilitator = f.user("Pia Peer")
    peer_cohort = f.cohort(world.course, facilitators=[peer_facilitator], name="Peer cohort")
    return SecurityWorld(
        world=world,
        quiz_course=quiz_course,
        quiz_step=quiz_step,
        quiz_cohort=quiz_cohort,
        peer_cohort=peer_cohort,
        peer_facilitator=peer_facilitator,
    )


@pytest.fixture
def browser(app: Flask, db: Any) -> Any:
    """``browser(user)``: a new test client signed in as ``user`` (None: anonymous)."""
    from lms.testing.fixtures import FreshRequestClient

    app.test_client_class = FreshRequestClient
    limiter.reset()
    return lambda user, **session: signed_in_client(app, user, **session)
