"""``flask lms demo``: a database with demo organisations, people, cohorts and progress."""

from __future__ import annotations

import sys
from datetime import date, timedelta

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import func, select

from lms.accounts.models import Membership, Organisation, User
from lms.catalogue.models import Course, Step
from lms.db import begin_write, set_write_intent
from lms.extensions import db

DEMO_PASSWORD = "demo-password"

ORGANISATIONS = [
    ("Northfield NHS Trust", "nhs_trust", "Yorkshire and the Humber", None),
    ("Southbank Women's Centre", "womens_centre", "London", None),
    ("HMP Eastwood", "prison", "East Midlands", None),
    ("Willow Unit", "prison", "East Midlands", "HMP Eastwood"),
]

# (display name, email, username, organisation, role, admin)
PEOPLE = [
    ("Alex Morgan", "admin@example.org", None, None, None, True),
    ("Sam Okafor", "facilitator@example.org", None, None, None, False),
    ("Priya Shah", "manager@example.org", None, "Northfield NHS Trust", "manager", False),
    ("Jordan Lee", "learner@example.org", None, "Northfield NHS Trust", "member", False),
    ("Maria Kowalska", "learner2@example.org", None, "Southbank Women's Centre", "member", False),
    ("Imran Khan", None, "officer.khan", "HMP Eastwood", "member", False),
    ("Chloé Dubois", "chloe@example.org", None, "Northfield NHS Trust", "member", False),
    ("Tom Price", "tom@example.org", None, "Northfield NHS Trust", "member", False),
]

SIGN_IN_HELP = """
Demo accounts (password for all: demo-password)
  admin@example.org        admin
  facilitator@example.org  facilitator of the demo cohorts (live sessions: the winter cohort)
  manager@example.org      manager of Northfield NHS Trust
  learner@example.org      learner at Northfield, part-way through the foundations course
  learner2@example.org     learner at Southbank Women's Centre, has completed it
  officer.khan             learner at HMP Eastwood, signs in with a username (no email)
"""


def _has_real_users() -> bool:
    count = db.session.scalar(select(func.count(User.id)).where(User.is_demo.is_(False)))
    return bool(count)


def _demo_loaded() -> bool:
    return bool(db.session.scalar(select(User.id).where(User.email == "admin@example.org")))


def seed() -> None:
    """Create the demo world. Uses the same services as the app, so completion is real."""
    from lms.accounts.passwords import hash_password
    from lms.cohorts import services as cohorts
    from lms.live.demo import seed_sessions

    steps_total = 6
    with click.progressbar(length=steps_total, label="Loading demo data", file=sys.stderr) as bar:
        begin_write()
        orgs: dict[str, Organisation] = {}
        for name, kind, region, parent in ORGANISATIONS:
            org = Organisation(
                name=name, type=kind, region=region, parent_id=orgs[parent].id if parent else None
            )
            db.session.add(org)
            db.session.flush()
            orgs[name] = org
        bar.update(1)

        demo_hash = hash_password(DEMO_PASSWORD)
        people: dict[str, User] = {}
        for display, email, username, org_name, role, admin in PEOPLE:
            user = User(
                display_name=display,
                email=email,
                username=username,
                password_hash=demo_hash,
                is_admin=admin,
                is_demo=True,
            )
            db.session.add(user)
            db.session.flush()
            if org_name:
                db.session.add(
                    Membership(
                        user_id=user.id,
                        organisation_id=orgs[org_name].id,
                        role=role,
                        service_number="EW-10452" if username else None,
                    )
                )
            people[str(email or username)] = user
        db.session.commit()
        bar.update(1)

        foundations = _course("trauma-informed-foundations")
        teams = _course("working-with-trauma-in-teams")
        facilitator = people["facilitator@example.org"]
        admin = people["admin@example.org"]
        open_cohort = cohorts.create_cohort(
            admin,
            foundations,
            name="Foundations (self-paced)",
            enrolment_mode="open",
            facilitators=[facilitator],
        )
        today = date.today()
        teams_cohort = cohorts.create_cohort(
            admin,
            teams,
            name="Trauma-informed teams: winter cohort",
            facilitators=[facilitator],
            enrolment_mode="manager",
            starts_on=today - timedelta(days=14),
            ends_on=today + timedelta(days=28),
            capacity=16,
        )
        bar.update(1)

        for key in (
            "learner@example.org",
            "learner2@example.org",
            "chloe@example.org",
            "tom@example.org",
        ):
            cohorts.enrol(None, people[key], open_cohort, source="self")
        for key in ("learner@example.org", "learner2@example.org", "officer.khan"):
            cohorts.enrol(admin, people[key], teams_cohort, source="manager")
        bar.update(1)

        _work_through(people["learner2@example.org"], foundations, steps=None)
        bar.update(1)
        _work_through(people["learner@example.org"], foundations, steps=7)
        _work_through(people["chloe@example.org"], foundations, steps=2)
        _work_through(people["learner@example.org"], teams, steps=3, share=True)
        seed_sessions(facilitator, teams_cohort, people)
        bar.update(1)
    from lms.certificates.demo import seed_certificates

    seed_certificates(people)


def _course(slug: str) -> Course:
    course = db.session.scalar(select(Course).where(Course.slug == slug))
    if course is None:
        raise click.ClickException(f"The course “{slug}” is not imported; run the import first.")
    return course


REFLECTIONS = [
    "I noticed how often I rush people through the first conversation. Slowing down and "
    "explaining what happens next could make a real difference.",
    "When someone snapped at me last week I took it personally. Thinking about what might "
    "sit behind that reaction helps me stay curious instead.",
    "I want to ask my team how safe our waiting area feels, rather than assume I know.",
]


def _work_through(user: User, course: Course, steps: int | None, share: bool = False) -> None:
    """Do the first ``steps`` steps of ``course`` as ``user`` would (all when None)."""
    from lms.catalogue.models import Module
    from lms.progress import services as progress

    ordered = db.session.scalars(
        select(Step)
        .join(Module, Module.id == Step.module_id)
        .where(Step.course_id == course.id, Step.retired_at.is_(None))
        .order_by(Module.position, Step.position)
    ).all()
    for index, step in enumerate(ordered[:steps] if steps is not None else ordered):
        if step.module.content_note:
            progress.acknowledge_note(user, step.module)
        if step.content_note:
            progress.acknowledge_note(user, step)
        if step.type == "quiz":
            questions = step.config["questions"]
            progress.submit_quiz(user, step, {i: q["answer"] for i, q in enumerate(questions)})
        elif step.type == "reflection":
            progress.save_reflection(user, step, REFLECTIONS[index % len(REFLECTIONS)], share=share)
        else:
            progress.mark_done(user, step)


@click.command("demo")
@click.option("--force", is_flag=True, help="Add demo data even if real people have accounts.")
@click.option("--serve", is_flag=True, help="Then serve the app on http://127.0.0.1:5000.")
@click.option("--port", default=5000, show_default=True)
@with_appcontext
def demo(force: bool, serve: bool, port: int) -> None:
    """Prepare the database, import courses and load demo people, cohorts and progress."""
    from lms.setup import prepare_database, refresh_statistics

    prepare_database(statistics=False)
    if _demo_loaded():
        click.echo("Demo data is already loaded; keeping it as it is.")
    elif _has_real_users() and not force:
        raise click.ClickException(
            "This database holds accounts that are not demo accounts. Demo data is for "
            "trying the LMS out; add --force if you really want it here."
        )
    else:
        seed()
        click.echo("Demo data loaded.")
    refresh_statistics()
    click.echo(SIGN_IN_HELP)
    if serve:
        click.echo(f"Open http://127.0.0.1:{port} and sign in. Press Ctrl+C to stop.")
        from werkzeug.serving import run_simple

        # Finish this command's own unit of work so the server's requests can write.
        db.session.commit()
        db.session.remove()
        set_write_intent(False)

        run_simple("127.0.0.1", port, current_app._get_current_object(), threaded=True)  # type: ignore[attr-defined]
