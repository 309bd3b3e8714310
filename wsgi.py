"""WSGI entry point: ``gunicorn wsgi:app`` or ``flask --app wsgi ...``."""

from lms import serving_app

app = serving_app()
