"""Fixtures of the live-session tests: an app with a listening plugin, and session factories."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask import Flask

from lms.live import services as live
from lms.testing.fixtures import build_app
from tests.live import listener

LISTENER = {"live_listener": "tests.live.listener:LiveListener"}


@pytest.fixture(scope="session")
def app(tmp_path_factory: pytest.TempPathFactory) -> Flask:
    """The app of the tests in this folder, with the listening plugin loaded."""
    return build_app(tmp_path_factory.mktemp("live"), PLUGINS=list(LISTENER), PLUGIN_PATHS=LISTENER)


@pytest.fixture
def heard() -> Iterator[list[tuple[str, dict[str, Any], bool]]]:
    """What the listening plugin heard during the test."""
    listener.HEARD.clear()
    yield listener.HEARD
    listener.HEARD.clear()


def soon(days: float = 7, hour: int = 10) -> datetime:
    """An aware time ``days`` from now at ``hour``:00 London time."""
    from zoneinfo import ZoneInfo

    day = datetime.now(UTC).astimezone(ZoneInfo("Europe/London")) + timedelta(days=days)
    return day.replace(hour=hour, minute=0, second=0, microsecond=0)


@pytest.fixture
def create_session(db: Any, factories: Any) -> Callable[..., Any]:
    """``create_session(cohort=None, capacity=None, **fields)``: a scheduled session a week
    away (10:00 to 11:30 London time), online, for a new cohort unless one is given."""

    def make(cohort: Any = None, **fields: Any) -> Any:
        if cohort is None and "owner" not in fields:
            cohort = factories.cohort(factories.course(enrolment="cohort"))
        actor = fields.pop("actor", None)
        start = fields.pop("starts_at", soon())
        values = {
            "title": "Reflective practice",
            "starts_at": start,
            "ends_at": fields.pop("ends_at", start + timedelta(minutes=90)),
            "timezone": "Europe/London",
            "online_url": "https://teams.microsoft.com/l/meetup-join/abc",
            **fields,
        }
        return live.schedule_session(actor, cohort=cohort, **values)

    return make


@pytest.fixture
def learners(factories: Any) -> Callable[..., list[Any]]:
    """``learners(cohort, n)``: n new people taking part in ``cohort``."""

    def make(cohort: Any, n: int) -> list[Any]:
        people = [factories.user() for _ in range(n)]
        for person in people:
            factories.enrol(person, cohort)
        return people

    return make
