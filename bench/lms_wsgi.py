"""The LMS as gunicorn serves it in the benchmark: ``serving_app()``, as in ``wsgi.py``,
configured from the LMS_* environment that ``bench/run.py`` sets, with its own instance
folder (so no ``instance/config.py`` of a developer's checkout leaks into the figures)."""

from __future__ import annotations

import os

from lms import serving_app

app = serving_app({"INSTANCE_PATH": os.environ["BENCH_INSTANCE_PATH"]})
