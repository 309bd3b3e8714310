"""The core listening to its own events: a completed course or a register taken may mean
a certificate is due. Registered on the plugin host at start-up, so no plugin is needed;
``flask lms certificates check`` catches anything an event missed."""

from __future__ import annotations

from typing import Any

from lms.certificates.designs import kind_of
from lms.plugins import hookimpl


class CertificateListener:
    """Issues earned certificates after the commit of the change that earned them."""

    name = "core.certificates"

    @hookimpl
    def lms_course_completed(self, user: Any, course: Any) -> None:
        from lms.certificates.services import issue_due

        if kind_of(course.certificate_template) == "completion":
            issue_due(user, course)

    @hookimpl
    def lms_attendance_recorded(self, session: Any, attendances: list[Any]) -> None:
        from lms.certificates.services import issue_due

        cohort = session.cohort
        if cohort is None or kind_of(cohort.course.certificate_template) != "attendance":
            return
        people = {a.booking.user for a in attendances if a.booking.user is not None}
        for person in sorted(people, key=lambda p: p.id):
            issue_due(person, cohort.course)
