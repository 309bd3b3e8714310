"""Fixtures for the plugin framework's tests: an app with the sample plugins loaded."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from lms.plugins.manager import PluginHost
from lms.testing.fixtures import build_app
from tests.plugins import sample

ROOT = Path(__file__).resolve().parents[2]

#: Import paths of the test plugins (they are not installed as entry points).
PLUGIN_PATHS = {
    "sample": "tests.plugins.sample:SamplePlugin",
    "needs_sample": "tests.plugins.needs_sample:NeedsSamplePlugin",
}


def broken(*names: str) -> dict[str, Any]:
    """Config that loads the named classes of tests.plugins.broken as plugins."""
    paths = {name.lower(): f"tests.plugins.broken:{name}" for name in names}
    return {"PLUGINS": list(paths), "PLUGIN_PATHS": paths}


@pytest.fixture(scope="session")
def app(tmp_path_factory: pytest.TempPathFactory) -> Flask:
    """The app of every test in this folder: sample plugins loaded (listed out of order)."""
    return build_app(
        tmp_path_factory.mktemp("plugins"),
        PLUGINS=["needs_sample", "sample"],
        PLUGIN_PATHS=PLUGIN_PATHS,
    )


@pytest.fixture
def host(app: Flask) -> PluginHost:
    plugin_host: PluginHost = app.extensions["lms_plugins"]
    return plugin_host


@pytest.fixture
def received() -> Iterator[list[tuple[str, dict[str, Any]]]]:
    """What the sample plugin's event hooks received during the test."""
    sample.RECEIVED.clear()
    yield sample.RECEIVED
    sample.RECEIVED.clear()


@pytest.fixture
def job_runs() -> Iterator[list[dict[str, Any]]]:
    sample.JOB_RUNS.clear()
    yield sample.JOB_RUNS
    sample.JOB_RUNS.clear()


def get_page(client: Any, url: str, **kwargs: Any) -> Any:
    """GET a page that extends base.html; skip while a core endpoint it links to is unbuilt."""
    from werkzeug.routing import BuildError

    try:
        return client.get(url, **kwargs)
    except BuildError as error:
        if error.endpoint in client.application.view_functions:
            raise
        pytest.skip(f"waits for the core endpoint {error.endpoint!r} that base.html links to")


def flask_env(instance: Path, plugins: list[str] | None = None, **extra: str) -> dict[str, str]:
    """Environment for ``python -m flask --app tests.plugins.wsgi_sample ...`` in a subprocess."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("LMS_")}
    env.update(
        PYTHONPATH=str(ROOT),
        SAMPLE_INSTANCE_PATH=str(instance),
        LMS_PLUGINS=json.dumps(plugins or []),
        LMS_PLUGIN_PATHS=json.dumps(PLUGIN_PATHS),
        **extra,
    )
    return env


def run_flask(
    env: dict[str, str], *args: str, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - our own interpreter and arguments
        [sys.executable, "-m", "flask", "--app", "tests.plugins.wsgi_sample", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
