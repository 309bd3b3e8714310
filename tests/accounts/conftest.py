"""Clients whose requests each start afresh (see ``FreshRequestClient``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask

from tests.accounts.helpers import FreshRequestClient


@pytest.fixture
def client(app: Flask, db: Any) -> FreshRequestClient:
    return FreshRequestClient(app, app.response_class, use_cookies=True)


@pytest.fixture
def new_client(app: Flask, db: Any) -> Callable[[], FreshRequestClient]:
    """Another browser, for tests about more than one session."""
    return lambda: FreshRequestClient(app, app.response_class, use_cookies=True)
