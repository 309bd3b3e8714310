"""Pages of the progress area."""

from flask import Blueprint

bp = Blueprint("progress", __name__)
