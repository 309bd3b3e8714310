"""``flask lms courses ...``: import course folders and list what is in the database."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import func, select

courses = click.Group("courses", help="Courses from files.")


@courses.command("import")
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
@with_appcontext
def import_command(paths: tuple[Path, ...]) -> None:
    """Import courses from PATHS (course folders, or folders of them); by default every
    course in COURSES_DIR. Each course is all-or-nothing; exits 1 if any had problems."""
    from lms.catalogue.services import ImportResult, course_folders, import_many

    if paths:
        folders: list[Path] = []
        for path in paths:
            folder = path.parent if path.name == "course.yaml" else path
            found = [folder] if (folder / "course.yaml").is_file() else course_folders(folder)
            if not found:
                raise click.ClickException(f"{path}: no course.yaml here or in its folders.")
            folders.extend(found)
    else:
        root = Path(current_app.config["COURSES_DIR"])
        folders = course_folders(root)
        if not folders:
            click.echo(f"No courses in {root}.")
            return
    folders = list(dict.fromkeys(folder.resolve() for folder in folders))

    with click.progressbar(length=len(folders), label="Importing courses") as bar:
        results: list[ImportResult] = import_many(folders, progress=lambda _result: bar.update(1))
    for result in results:
        if result.ok:
            click.echo(result.summary())
        else:
            click.echo(f"problems {result.slug}: {len(result.problems)} found, nothing imported")
            for problem in result.problems:
                click.echo(problem, err=True)
    if not all(result.ok for result in results):
        raise SystemExit(1)


@courses.command("list")
@with_appcontext
def list_command() -> None:
    """Show each course: slug, title, content version, module and step counts."""
    from lms.catalogue.models import Course, Module, Step
    from lms.extensions import db

    module_counts: dict[int, int] = {
        course_id: count
        for course_id, count in db.session.execute(
            select(Module.course_id, func.count())
            .where(Module.retired_at.is_(None))
            .group_by(Module.course_id)
        )
    }
    step_counts: dict[int, int] = {
        course_id: count
        for course_id, count in db.session.execute(
            select(Step.course_id, func.count())
            .where(Step.retired_at.is_(None))
            .group_by(Step.course_id)
        )
    }
    rows = db.session.scalars(select(Course).order_by(Course.slug)).all()
    if not rows:
        click.echo("No courses yet. Import some with: flask lms courses import")
        return
    width = max(len(course.slug) for course in rows)
    click.echo(f"{'slug':<{width}}  version  modules  steps  title")
    for course in rows:
        retired = "  (retired)" if course.retired else ""
        click.echo(
            f"{course.slug:<{width}}  {course.content_version:>7}  "
            f"{module_counts.get(course.id, 0):>7}  {step_counts.get(course.id, 0):>5}  "
            f"{course.title}{retired}"
        )
