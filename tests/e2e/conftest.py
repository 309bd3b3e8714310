"""The e2e world: the demo database served on a free port, and a real chromium.

Without chromium (``chromium`` on the PATH, or ``LMS_CHROMIUM``) every test here is
skipped, except in CI (``LMS_CI=1``), where that is a failure: CI must run them.

The tests share one database (the same one ``flask lms demo`` makes), so each journey
leaves the demo people as it found them, or works with people made for it.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from lms.db import set_write_intent

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
E2E_CONFIG: dict[str, Any] = {
    "ENV_NAME": "testing",
    "SECRET_KEY": "e2e-secret-key-long-enough-to-look-like-a-real-one",
    "RATELIMIT_ENABLED": True,
    "RATELIMIT_STORAGE_URI": "memory://",
    # Cheap hashing: the browser is what is under test here, not argon2.
    "ARGON2_TIME_COST": 1,
    "ARGON2_MEMORY_KIB": 1024,
}


# Without the Python packages the test modules can't even be imported: leave them out
# (they are in the `test` extra, so this is rare), except in CI, where that must fail.
_PACKAGES_MISSING = any(
    importlib.util.find_spec(name) is None for name in ("playwright", "axe_playwright_python")
)
if _PACKAGES_MISSING and os.environ.get("LMS_CI") != "1":
    collect_ignore_glob = ["test_*.py"]


def find_chromium() -> str | None:
    configured = os.environ.get("LMS_CHROMIUM")
    if configured:
        return configured if Path(configured).is_file() else None
    return shutil.which("chromium")


def _unavailable(reason: str) -> None:
    if os.environ.get("LMS_CI") == "1":
        pytest.fail(f"{reason} CI (LMS_CI=1) must run the browser tests.", pytrace=False)
    pytest.skip(reason)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


@pytest.fixture(scope="session", autouse=True)
def chromium_path() -> str:
    path = find_chromium()
    if path is None:
        _unavailable(
            "No chromium for the browser tests: install Debian's chromium (or put it on "
            "the PATH as `chromium`), or point LMS_CHROMIUM at a chromium binary."
        )
    return str(path)


@pytest.fixture(scope="session")
def e2e_app(tmp_path_factory: pytest.TempPathFactory) -> Flask:
    """An app on a fresh SQLite database holding exactly what ``flask lms demo`` makes."""
    from lms import create_app

    tmp = tmp_path_factory.mktemp("e2e")
    app = create_app(
        {
            **E2E_CONFIG,
            "INSTANCE_PATH": str(tmp / "instance"),
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp / 'e2e.sqlite3'}",
        }
    )
    result = app.test_cli_runner().invoke(args=["lms", "demo"])
    set_write_intent(False)
    assert result.exit_code == 0, f"`lms demo` failed: {result.output}\n{result.exception!r}"
    return app


@pytest.fixture(scope="session")
def live_server(e2e_app: Flask) -> Iterator[str]:
    """The app served on a free local port, in a thread; yields its base URL."""
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, e2e_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="e2e-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)


@pytest.fixture(scope="session")
def browser(chromium_path: str) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=chromium_path,
            args=CHROMIUM_ARGS,
            # Playwright switches the back/forward cache off; people's browsers have it on,
            # and what Back shows after signing out depends on it.
            ignore_default_args=["--disable-back-forward-cache"],
        )
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture(scope="session")
def axe_runner(browser: Any) -> Iterator[Any]:
    from tests.e2e.browsing import AxeRunner

    runner = AxeRunner(browser)
    try:
        yield runner
    finally:
        runner.close()


@pytest.fixture
def journey(
    browser: Any, live_server: str, axe_runner: Any, request: pytest.FixtureRequest
) -> Iterator[Any]:
    """This test's journey: ``journey.open(js=...)`` gives a fresh browser context."""
    from tests.e2e.browsing import Journey

    made = Journey(browser, live_server, request.node.name, axe_runner)
    yield made
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.passed:
        made.finish()  # the last page of each tab was checked too
    else:
        made.close()


@pytest.fixture
def in_app(e2e_app: Flask) -> Callable[[Callable[[], Any]], Any]:
    """Run ``work()`` against the served database, e.g. to make a person for one test."""

    def run(work: Callable[[], Any]) -> Any:
        with e2e_app.app_context():
            try:
                return work()
            finally:
                set_write_intent(False)

    return run
