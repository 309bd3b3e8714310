"""A plugin module that cannot be imported."""

from lms.no_such_module import Anything  # noqa: F401  (the point of this module)

from lms.plugins import Plugin


class Unreachable(Plugin):
    """Never reached."""
