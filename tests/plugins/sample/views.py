"""The sample plugin's pages, served under /p/sample/."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template, request

bp = Blueprint("sample", __name__, template_folder="templates")


@bp.get("/hello")
def hello() -> str:
    plugin = current_app.extensions["lms_plugins"].plugins["sample"]
    name = request.args.get("name", "friend")
    return render_template("sample/hello.html", greeting=plugin.settings()["greeting"], name=name)
