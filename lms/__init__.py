"""A small, kind learning management system for trauma-informed training."""

from __future__ import annotations

import gc
import logging
from pathlib import Path
from typing import Any

from flask import Flask

from lms.app import LMSFlask
from lms.config import load_config

ROOT = Path(__file__).resolve().parent.parent


def _find(name: str) -> str:
    """A top-level folder (templates/, courses/...): inside the package when installed as a
    wheel, otherwise next to it in the source tree."""
    packaged = Path(__file__).resolve().parent / name
    return str(packaged if packaged.is_dir() else ROOT / name)


def serving_app(config: dict[str, Any] | None = None) -> Flask:
    """The app as a web server's worker runs it (``wsgi.py``): built, then everything made
    at start-up (modules, templates, the app) moved out of the garbage collector's sight, as
    it lives as long as the worker. Each collection then looks only at what requests made,
    rather than at every object of the process again."""
    app = create_app(config)
    gc.collect()
    gc.freeze()
    return app


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the app: config, extensions, plugins, blueprints, CLI."""
    app = LMSFlask(
        __name__,
        instance_path=str((config or {}).get("INSTANCE_PATH") or ROOT / "instance"),
        instance_relative_config=True,
        template_folder=_find("templates"),
        static_folder=str(ROOT / "static") if (ROOT / "static").is_dir() else _find("static"),
    )
    load_config(app, config)
    if not app.config.get("COURSES_DIR"):
        app.config["COURSES_DIR"] = _find("courses")
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("lms").setLevel(logging.DEBUG if app.debug else logging.INFO)

    from lms import web

    web.init_extensions(app)
    web.init_plugins(app)
    web.register_blueprints(app)
    web.register_cli(app)
    return app
