"""A plugin whose model's table lacks the ``badprefix_`` prefix (loaded in a subprocess only,
so its table never reaches the test process's metadata)."""

from lms.plugins import Plugin
from tests.plugins.badprefix.models import Unprefixed  # noqa: F401


class BadPrefix(Plugin):
    """Bad prefix"""
