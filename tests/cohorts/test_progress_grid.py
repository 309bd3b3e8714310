"""The facilitator's cohort page: a learner x module grid in a fixed number of queries."""

from __future__ import annotations

from datetime import datetime

from lms.cohorts import queries
from lms.cohorts.models import Enrolment
from lms.extensions import db
from lms.progress import services as progress
from lms.progress.models import ModuleCompletion, StepProgress
from lms.testing.fixtures import count_queries
from tests.cohorts.conftest import text


def cohort_with(factories, learners: int, modules: int = 3, steps: int = 2):
    """A cohort of ``learners``, each with some progress: built with bulk inserts."""
    course = factories.course(modules=[[{"type": "text"}] * steps] * modules)
    facilitator = factories.user()
    cohort = factories.cohort(course, facilitators=[facilitator])
    course_modules = course.modules
    moment = datetime(2026, 3, 1, 10, 0)
    people = [factories.user(f"Learner {n:03}", password=None) for n in range(learners)]
    db.session.add_all(Enrolment(user_id=p.id, cohort_id=cohort.id) for p in people)
    for n, person in enumerate(people):
        for m, module in enumerate(course_modules[: n % (modules + 1)]):
            for step in module.steps[: 1 + (m % 2)]:
                db.session.add(
                    StepProgress(
                        user_id=person.id, step_id=step.id, viewed_at=moment, completed_at=moment
                    )
                )
            if m % 2:
                db.session.add(ModuleCompletion(user_id=person.id, module_id=module.id))
    db.session.flush()
    return facilitator, cohort


def page_queries(client, sign_in, facilitator, cohort) -> int:
    sign_in(facilitator)
    client.get(f"/facilitate/cohorts/{cohort.id}")
    with count_queries() as statements:
        response = client.get(f"/facilitate/cohorts/{cohort.id}")
    assert response.status_code == 200
    return len(statements)


def test_the_grid_shows_each_learners_modules(client, sign_in, factories):
    course = factories.course(modules=[[{"type": "text"}], [{"type": "text"}, {"type": "text"}]])
    facilitator = factories.user()
    cohort = factories.cohort(course, facilitators=[facilitator])
    done, started, waiting = (factories.user(n) for n in ("Ann Done", "Ben Started", "Cat New"))
    for person in (done, started, waiting):
        factories.enrol(person, cohort)
    progress.mark_done(done, course.modules[0].steps[0])
    progress.mark_done(started, course.modules[1].steps[0])
    grid = queries.progress_grid(cohort)
    cells = {row.enrolment.user.display_name: row.cells for row in grid.rows}
    assert cells == {
        "Ann Done": ["done", "not-started"],
        "Ben Started": ["not-started", "started"],
        "Cat New": ["not-started", "not-started"],
    }
    rows = {row.enrolment.user.display_name: row for row in grid.rows}
    assert rows["Ann Done"].last_activity is not None and rows["Cat New"].last_activity is None
    assert (rows["Ben Started"].steps_done, rows["Ben Started"].steps_total) == (1, 3)
    sign_in(facilitator)
    page = text(client.get(f"/facilitate/cohorts/{cohort.id}"))
    assert page.count('class="cell cell-done"') == 1
    assert page.count('class="cell cell-started"') == 1
    assert "M1: Module 1" in page and "Not started yet" in page
    assert "Enrol people from a CSV file" in page and "Print sign-in codes" in page


def test_withdrawn_people_come_last(factories):
    cohort = factories.cohort()
    factories.enrol(factories.user("Aaron Gone"), cohort, status="withdrawn")
    factories.enrol(factories.user("Zed Here"), cohort)
    names = [r.enrolment.user.display_name for r in queries.progress_grid(cohort).rows]
    assert names == ["Zed Here", "Aaron Gone"]


def test_the_page_takes_the_same_queries_for_3_and_30_learners(client, sign_in, factories):
    small = page_queries(client, sign_in, *cohort_with(factories, 3))
    large = page_queries(client, sign_in, *cohort_with(factories, 30))
    assert small == large


def test_300_learners_by_20_modules_in_a_fixed_number_of_queries(client, sign_in, factories):
    facilitator, cohort = cohort_with(factories, 300, modules=20, steps=2)
    with count_queries() as statements:
        grid = queries.progress_grid(cohort, per_page=300)
    assert len(grid.rows) == 300 and len(grid.modules) == 20
    assert len(statements) <= 6, statements
    assert sum(row.modules_done for row in grid.rows) > 0
    few = page_queries(client, sign_in, *cohort_with(factories, 3))
    assert page_queries(client, sign_in, facilitator, cohort) == few
    sign_in(facilitator)
    page = text(client.get(f"/facilitate/cohorts/{cohort.id}?page=3"))
    assert "Page 3 of 3" in page and "Learner 299" in page
