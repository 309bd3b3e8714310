"""A tiny plugin that requires the sample plugin, to test dependency order."""

from __future__ import annotations

from lms.plugins import Plugin


class NeedsSamplePlugin(Plugin):
    """Needs sample"""

    requires = ("sample",)
