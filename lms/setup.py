"""``flask lms init``: bring a database up to date and import the courses."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext


def prepare_database(*, statistics: bool = True) -> None:
    """Apply every migration (core and loaded plugins), then import courses/ (and gather
    the query planner's statistics, unless the caller adds more data first)."""
    from flask_migrate import upgrade

    from lms.catalogue.services import course_folders, import_all

    click.echo("Applying database migrations...")
    upgrade(revision="heads")
    root = Path(current_app.config["COURSES_DIR"])
    folders = course_folders(root)
    with click.progressbar(length=len(folders), label="Importing courses", file=sys.stderr) as bar:
        results = import_all(root, progress=lambda *_args: bar.update(1))
    for result in results:
        click.echo(f"  {result.slug}: {result.status} (version {result.version})")
    if statistics:
        refresh_statistics()


def refresh_statistics() -> None:
    """Statistics for SQLite's query planner (the scheduler refreshes them nightly)."""
    from lms import db as database

    if database.refresh_statistics():
        click.echo("Refreshed the database's statistics.")


@click.command("init")
@with_appcontext
def init() -> None:
    """Create or upgrade the database and import the courses (no demo data)."""
    prepare_database()
    click.echo("Ready. Create an admin with: flask --app wsgi lms users create --admin ...")
