"""Pages of the accounts area."""

from flask import Blueprint

bp = Blueprint("accounts", __name__)
