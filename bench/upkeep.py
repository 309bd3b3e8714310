"""A database kept from an earlier run (``run.py --reuse-db``), brought to where a live one
would be now."""

from __future__ import annotations

from pathlib import Path


def bring_up_to_date(db_path: Path) -> None:
    """A database seeded earlier, as a live one would be now: every migration applied
    (`flask lms init`), and statistics for the query planner (which `flask lms init` and the
    scheduler's nightly job gather)."""
    import logging

    from flask_migrate import upgrade

    from lms import create_app
    from lms.db import refresh_statistics
    from lms.extensions import db

    instance = db_path.parent / "instance"
    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{db_path}", "INSTANCE_PATH": str(instance)}
    )
    logging.getLogger("alembic").setLevel(logging.WARNING)
    with app.app_context():
        upgrade(revision="heads")
        refresh_statistics()
        db.session.remove()
