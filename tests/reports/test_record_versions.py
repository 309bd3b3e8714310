"""``users.record_version``: the database bumps it (triggers, migration core_0007) whenever
something the people report shows of a person changes, whatever makes the change: a
service, an ORM change or a bulk Core statement. Exactly the people concerned are bumped.

Changes go through the services that own them; where no service makes a change (moving a
place or a completion to someone else, retiring a course, changing a membership's role or
service number in place, moving a cohort to another course), a direct ORM or Core
statement makes it, as a script or a plugin would, and says so.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

from sqlalchemy import delete, insert, select, update

from lms.accounts import services as accounts
from lms.accounts.models import Membership, Organisation, User
from lms.catalogue.models import Course, Step
from lms.catalogue.services import import_course
from lms.cohorts import services as cohorts
from lms.cohorts.models import Cohort, Enrolment
from lms.db import utcnow
from lms.extensions import db
from lms.progress import services as progress
from lms.progress.models import CourseCompletion
from tests.catalogue.helpers import DATA, SLUG, edit
from tests.reports.conftest import ReportWorld

PASSWORD = "correct horse battery"  # the factories' password


def _versions() -> dict[int, tuple[str, int]]:
    rows = db.session.execute(select(User.id, User.display_name, User.record_version))
    return {user_id: (name, version) for user_id, name, version in rows}


def bumped(change: Callable[[], object]) -> set[str]:
    """The names (before the change) of the people whose record version ``change`` raised;
    nobody's ever goes down."""
    before = _versions()
    change()
    after = _versions()
    assert all(after[i][1] >= version for i, (_name, version) in before.items())
    return {name for i, (name, version) in before.items() if after[i][1] > version}


def run(statement: Any) -> Callable[[], None]:
    """A change made by one Core statement, committed (as a script or a plugin would)."""

    def change() -> None:
        db.session.execute(statement)
        db.session.commit()

    return change


def committed(change: Callable[[], object]) -> Callable[[], None]:
    """An ORM change made by ``change``, then committed."""

    def done() -> None:
        change()
        db.session.commit()

    return done


def place(person: Any, cohort: Any) -> Enrolment:
    found = db.session.scalar(
        select(Enrolment).where(Enrolment.user_id == person.id, Enrolment.cohort_id == cohort.id)
    )
    assert found is not None
    return found


def membership(person: Any, organisation: Any) -> Membership:
    found = db.session.scalar(
        select(Membership).where(
            Membership.user_id == person.id, Membership.organisation_id == organisation.id
        )
    )
    assert found is not None
    return found


def test_places_on_cohorts_bump_their_person(rw: ReportWorld, factories: Any):
    assert bumped(lambda: cohorts.enrol(rw.admin, rw.cal, rw.team_cohort)) == {"Cal Cole"}
    bea_foundations = place(rw.bea, rw.cohort)
    assert bumped(lambda: cohorts.withdraw(rw.admin, bea_foundations, "Moved away")) == {
        "Bea Baker"
    }
    new_place = insert(Enrolment).values(
        user_id=rw.cal.id, cohort_id=rw.cohort.id, status="active", source="csv"
    )
    assert bumped(run(new_place)) == {"Cal Cole"}
    # One statement, several people: each of them.
    everyone_deferred = (
        update(Enrolment).where(Enrolment.cohort_id == rw.cohort.id).values(status="deferred")
    )
    assert bumped(run(everyone_deferred)) == {
        "Ada Archer",
        "Bea Baker",
        "Cal Cole",
        "Oona Outsider",
    }
    # A place handed to someone else (no service does it): who had it and who has it now.
    bea_teams = place(rw.bea, rw.team_cohort)
    handed = update(Enrolment).where(Enrolment.id == bea_teams.id).values(user_id=rw.ada.id)
    assert bumped(run(handed)) == {"Bea Baker", "Ada Archer"}
    # A place moved to another cohort (no service moves one in place).
    ada_foundations = place(rw.ada, rw.cohort)
    moved = (
        update(Enrolment)
        .where(Enrolment.id == ada_foundations.id)
        .values(cohort_id=factories.cohort(rw.foundations, name="Foundations autumn").id)
    )
    assert bumped(run(moved)) == {"Ada Archer"}
    # Columns the report does not show: nobody.
    unseen = (
        update(Enrolment)
        .where(Enrolment.cohort_id == rw.team_cohort.id)
        .values(status_reason="Busy", last_activity_at=utcnow(), completed_at=utcnow())
    )
    assert bumped(run(unseen)) == set()
    gone = delete(Enrolment).where(Enrolment.user_id == rw.outsider.id)
    assert bumped(run(gone)) == {"Oona Outsider"}


def _steps(course: Any) -> dict[str, Step]:
    steps = db.session.scalars(select(Step).where(Step.course_id == course.id))
    return {step.type: step for step in steps}


def test_completing_a_course_bumps_its_person(rw: ReportWorld):
    steps = _steps(rw.teams)
    # Progress on a step, or a module, is not on the report: only the course completed.
    assert bumped(lambda: progress.mark_done(rw.bea, steps["text"])) == set()
    words = "What I learnt about working in teams."
    reflected = partial(progress.save_reflection, rw.bea, steps["reflection"], words, share=False)
    assert bumped(reflected) == set()
    assert bumped(lambda: progress.submit_quiz(rw.bea, steps["quiz"], {0: 1})) == {"Bea Baker"}
    completion = CourseCompletion.user_id == rw.bea.id
    # A completion moved to another course, or removed (no service does either).
    moved = update(CourseCompletion).where(completion).values(course_id=rw.foundations.id)
    assert bumped(run(moved)) == {"Bea Baker"}
    unseen = update(CourseCompletion).where(completion).values(note="Checked by hand")
    assert bumped(run(unseen)) == set()
    assert bumped(run(delete(CourseCompletion).where(completion))) == {"Bea Baker"}
    recorded = insert(CourseCompletion).values(
        user_id=rw.cal.id, course_id=rw.teams.id, source="import", rule={}
    )
    assert bumped(run(recorded)) == {"Cal Cole"}


def test_memberships_bump_their_person(rw: ReportWorld):
    added = partial(accounts.add_membership, rw.admin, rw.cal, rw.elsewhere, "member")
    assert bumped(added) == {"Cal Cole"}
    cal_elsewhere = membership(rw.cal, rw.elsewhere)

    # No service changes a role or a service number in place: the ORM and Core do.
    def made_manager() -> None:
        cal_elsewhere.role = "manager"

    assert bumped(committed(made_manager)) == {"Cal Cole"}
    numbered = (
        update(Membership).where(Membership.user_id == rw.ada.id).values(service_number="SN-007")
    )
    assert bumped(run(numbered)) == {"Ada Archer"}
    moved = (
        update(Membership)
        .where(Membership.id == cal_elsewhere.id)
        .values(organisation_id=rw.ward.id)
    )
    assert bumped(run(moved)) == {"Cal Cole"}
    handed = (
        update(Membership)
        .where(Membership.user_id == rw.outsider.id)
        .values(user_id=rw.facilitator.id)
    )
    assert bumped(run(handed)) == {"Oona Outsider", "Fran Facilitator"}
    assert bumped(lambda: accounts.remove_membership(rw.admin, cal_elsewhere)) == {"Cal Cole"}


def test_a_name_bumps_its_person_only_when_it_changes(rw: ReportWorld):
    cal = rw.cal

    def renamed() -> None:
        accounts.update_user(
            rw.admin, cal, display_name="Cal Carter", email=cal.email, username=cal.username
        )

    assert bumped(renamed) == {"Cal Cole"}
    # The same name again, with other details of the profile: nothing the report shows.
    same = partial(
        accounts.update_profile,
        cal,
        display_name="Cal Carter",
        pronouns="they/them",
        legal_name="Calum Carter",
    )
    assert bumped(same) == set()
    unchanged = update(User).where(User.id == rw.ada.id).values(display_name="Ada Archer")
    assert bumped(run(unchanged)) == set()
    assert bumped(run(update(User).values(display_name=User.display_name))) == set()
    by_statement = update(User).where(User.id == rw.ada.id).values(display_name="Ada Arden")
    assert bumped(run(by_statement)) == {"Ada Archer"}
    # Signing in changes last_sign_in_at (and may rehash the password): not on the report.
    assert bumped(partial(accounts.authenticate, rw.bea.email, PASSWORD)) == set()
    assert db.session.scalar(select(User.last_sign_in_at).where(User.id == rw.bea.id))
    assert bumped(lambda: accounts.set_admin(rw.admin, rw.bea, True)) == set()


def test_renaming_an_organisation_bumps_its_own_members(rw: ReportWorld):
    def update_organisation(organisation: Any, **changes: Any) -> Callable[[], None]:
        values = {
            "name": organisation.name,
            "type": organisation.type,
            "region": organisation.region,
            "parent": organisation.parent,
            **changes,
        }
        return lambda: accounts.update_organisation(rw.admin, organisation, **values)

    # The members of the organisation renamed; not those of its units (their rows show
    # the unit's name) nor of its parent.
    assert bumped(update_organisation(rw.ward, name="Ward 4")) == {"Wes Ward", "Bea Baker"}
    assert bumped(update_organisation(rw.trust, name="Riverside NHS Trust")) == {
        "Maya Manager",
        "Ada Archer",
        "Cal Cole",
    }
    assert bumped(update_organisation(rw.elsewhere, region="London")) == set()
    by_statement = (
        update(Organisation).where(Organisation.id == rw.elsewhere.id).values(name="Hillside")
    )
    assert bumped(run(by_statement)) == {"Omar Other", "Oona Outsider"}
    same = update(Organisation).values(name=Organisation.name, region="Wales")
    assert bumped(run(same)) == set()


def test_renaming_a_course_through_an_import_bumps_everyone_on_it(rw: ReportWorld, tmp_path: Path):
    folder = tmp_path / SLUG
    shutil.copytree(DATA / SLUG, folder)
    import_course(folder)
    course = db.session.scalar(select(Course).where(Course.slug == SLUG))
    cohort = cohorts.create_cohort(rw.admin, course, name="Sample spring")
    cohorts.enrol(rw.admin, rw.cal, cohort)
    cohorts.enrol(rw.admin, rw.outsider, cohort)
    edit(folder / "course.yaml", "title: A sample course", "title: A renamed course")
    assert bumped(lambda: import_course(folder)) == {"Cal Cole", "Oona Outsider"}
    edit(folder / "course.yaml", "summary: A small course", "summary: A smaller course")
    assert bumped(lambda: import_course(folder)) == set()


def test_retiring_or_renaming_a_course_bumps_everyone_on_it(rw: ReportWorld):
    on_foundations = {"Ada Archer", "Bea Baker", "Oona Outsider"}
    foundations = rw.foundations

    # No service retires a course (an import keeps its flag as it is): the ORM does.
    def retired() -> None:
        foundations.retired = True

    assert bumped(committed(retired)) == on_foundations

    def other_columns() -> None:
        foundations.cpd_hours = 7
        foundations.summary = "Changed"

    assert bumped(committed(other_columns)) == set()
    renamed = update(Course).where(Course.id == rw.teams.id).values(title="Teams at work")
    assert bumped(run(renamed)) == {"Bea Baker"}
    same = update(Course).values(title=Course.title, retired=Course.retired, cpd_hours=3)
    assert bumped(run(same)) == set()


def test_moving_a_cohort_to_another_course_bumps_everyone_on_it(rw: ReportWorld):
    team_cohort = rw.team_cohort

    def renamed() -> None:  # its name is not on the people report
        cohorts.update_cohort(
            rw.admin,
            team_cohort,
            name="Teams winter",
            facilitators=list(team_cohort.facilitators),
            enrolment_mode=team_cohort.enrolment_mode,
            starts_on=team_cohort.starts_on,
            ends_on=team_cohort.ends_on,
            timezone=team_cohort.timezone,
            capacity=team_cohort.capacity,
        )

    assert bumped(renamed) == set()
    # No service moves a cohort (its course stays: progress belongs to it): Core does.
    moved = update(Cohort).where(Cohort.id == team_cohort.id).values(course_id=rw.foundations.id)
    assert bumped(run(moved)) == {"Bea Baker"}


def test_rewriting_a_value_unchanged_bumps_nobody(rw: ReportWorld):
    """A statement that writes the columns a row shows without changing them (as a bulk
    script might) leaves every version as it was, on both databases."""
    same_status = update(Enrolment).where(Enrolment.user_id == rw.bea.id)
    assert bumped(run(same_status.values(status=Enrolment.status))) == set()
    assert bumped(run(update(Membership).values(role=Membership.role))) == set()
    same_course = update(CourseCompletion).values(course_id=CourseCompletion.course_id)
    assert bumped(run(same_course)) == set()
