"""The baseline for the benchmark: a minimal Flask app returning a small HTML page.

Served by ``bench/run.py`` under exactly the same gunicorn settings as the LMS; every LMS
figure is reported as a ratio to this app's requests per second measured in the same run.
"""

from __future__ import annotations

from flask import Flask

PAGE = (
    "<!doctype html><html lang=en><head><meta charset=utf-8><title>Hello</title></head>"
    "<body><h1>Hello, learner</h1><p>It works.</p></body></html>"
)

app = Flask(__name__)


@app.get("/")
def hello() -> str:
    return PAGE
