"""Pages of certificates: a learner's own, the public verification page, admins'
corrections and bulk issues. One blueprint, split by who the pages are for."""

from flask import Blueprint

bp = Blueprint("certificates", __name__)

from lms.certificates.views import bulk, learner, manage, verify  # noqa: E402,F401

__all__ = ["bp"]
