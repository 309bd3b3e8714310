"""Imports every core model so that metadata (and Alembic) sees all tables."""

from lms.accounts.models import Membership, OneTimeCode, Organisation, User
from lms.audit.models import AuditEvent
from lms.catalogue.models import ContentVersion, Course, Module, Step
from lms.certificates.models import (
    Certificate,
    CertificateBatch,
    CertificateBatchItem,
    CertificateCounter,
    CertificateName,
)
from lms.cohorts.models import (
    BulkEnrolmentUpload,
    Cohort,
    CohortFacilitator,
    CohortPlugin,
    Enrolment,
    PluginSetting,
)
from lms.live.models import Attendance, Booking, CalendarFeed, LiveSession
from lms.progress.models import (
    CourseCompletion,
    ModuleCompletion,
    NoteAcknowledgement,
    QuizAttempt,
    Reflection,
    StepProgress,
)

__all__ = [
    "Attendance",
    "AuditEvent",
    "Booking",
    "BulkEnrolmentUpload",
    "CalendarFeed",
    "Certificate",
    "CertificateBatch",
    "CertificateBatchItem",
    "CertificateCounter",
    "CertificateName",
    "Cohort",
    "CohortFacilitator",
    "CohortPlugin",
    "ContentVersion",
    "Course",
    "CourseCompletion",
    "Enrolment",
    "LiveSession",
    "Membership",
    "Module",
    "ModuleCompletion",
    "NoteAcknowledgement",
    "OneTimeCode",
    "Organisation",
    "PluginSetting",
    "QuizAttempt",
    "Reflection",
    "Step",
    "StepProgress",
    "User",
]
