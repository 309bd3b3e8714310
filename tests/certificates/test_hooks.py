"""``lms_certificate_issued`` through the real services: once per certificate issued, after
the commit that issued it, for a first issue and for a reissue, never for a refusal."""

from __future__ import annotations

from typing import Any

import pytest

from lms.certificates import services as certificates
from lms.errors import Conflict
from lms.extensions import db
from tests.certificates.conftest import CertWorld, certificate_of, complete


@pytest.fixture
def heard(app: Any, monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, Any, bool]]:
    """Every event fired: (hook, its certificate or None, whether the session was clean)."""
    host = app.extensions["lms_plugins"]
    fire = host.fire
    events: list[tuple[str, Any, bool]] = []

    def spy(name: str, **kwargs: Any) -> Any:
        committed = not db.session.new and not db.session.dirty
        events.append((name, kwargs.get("certificate"), committed))
        return fire(name, **kwargs)

    monkeypatch.setattr(host, "fire", spy)
    return events


def _issued(heard: list[tuple[str, Any, bool]]) -> list[tuple[Any, bool]]:
    return [(c, ok) for name, c, ok in heard if name == "lms_certificate_issued"]


def test_hook_lms_certificate_issued(cw: CertWorld, heard):
    complete(cw.learner, cw.course)
    assert _issued(heard) == []  # earned, but the name to print is not confirmed yet
    certificates.confirm_name(cw.learner, "display")
    first = certificate_of(cw.learner)
    assert _issued(heard) == [(first, True)]

    heard.clear()
    certificates.confirm_name(cw.learner, "display")  # nothing new to issue
    assert _issued(heard) == []

    again = certificates.reissue(cw.admin, first, source="display", reason="Template fixed")
    assert _issued(heard) == [(again, True)]
    assert first.replaced_by_id == again.id

    heard.clear()
    with pytest.raises(Conflict):
        certificates.reissue(cw.admin, first, source="display", reason="Once more")
    assert _issued(heard) == []
