"""An app with the sample plugins loaded, for choosing a cohort's plugins in its form."""

from __future__ import annotations

import pytest
from flask import Flask

from lms.testing.fixtures import build_app
from tests.plugins.conftest import PLUGIN_PATHS


@pytest.fixture(scope="session")
def app(tmp_path_factory: pytest.TempPathFactory) -> Flask:
    return build_app(
        tmp_path_factory.mktemp("cohort-plugins"),
        PLUGINS=list(PLUGIN_PATHS),
        PLUGIN_PATHS=PLUGIN_PATHS,
    )
