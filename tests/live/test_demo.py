"""The demo cohort gets past and upcoming sessions, a waiting list and a register."""

from __future__ import annotations

from sqlalchemy import select

from lms.accounts.models import User
from lms.cohorts.models import Cohort
from lms.db import utcnow
from lms.extensions import db
from lms.live import services as live
from lms.live.models import Attendance, LiveSession


def test_the_demo_has_live_sessions(make_app):
    app = make_app()
    result = app.test_cli_runner().invoke(args=["lms", "demo"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        cohort = db.session.scalar(
            select(Cohort).where(Cohort.name == "Trauma-informed teams: winter cohort")
        )
        sessions = list(
            db.session.scalars(select(LiveSession).where(LiveSession.cohort_id == cohort.id))
        )
        now = utcnow()
        assert any(s.ends_at < now for s in sessions) and any(s.starts_at > now for s in sessions)
        assert any(
            s.online_url and s.online_url.startswith("https://teams.microsoft.com")
            for s in sessions
        )
        in_person = next(s for s in sessions if s.venue and not s.online_url)
        assert "photo ID" in in_person.access_notes
        cancelled = [s for s in sessions if s.is_cancelled]
        assert [s.cancel_reason for s in cancelled] == ["Cancelled by the establishment: staffing"]
        assert [b.status for b in live.waitlist(in_person)] == ["waitlisted"]
        assert db.session.scalar(select(Attendance.id)) is not None
        jordan = db.session.scalar(select(User).where(User.email == "learner@example.org"))
        summary = live.attendance_summary(jordan, cohort)
        assert summary.attended == 1 and summary.cancelled == 1
