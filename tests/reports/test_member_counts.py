"""``organisations.member_count``: the database keeps each organisation's count of
memberships (triggers, migration core_0008) whatever adds, removes or moves one, and the
people report's headcount adds them up over the organisation and its units."""

from __future__ import annotations

from sqlalchemy import delete, func, insert, select, update

from lms.accounts import services as accounts
from lms.accounts.models import Membership, Organisation, User
from lms.extensions import db
from tests.reports.conftest import ReportWorld
from tests.reports.test_pages import page
from tests.reports.test_record_versions import membership


def kept_and_counted() -> list[tuple[str, int, int]]:
    """Each organisation's kept count beside a count of its memberships."""
    counted = (
        select(func.count()).where(Membership.organisation_id == Organisation.id).scalar_subquery()
    )
    rows = db.session.execute(
        select(Organisation.name, Organisation.member_count, counted).order_by(Organisation.id)
    )
    return [tuple(row) for row in rows]


def assert_true_counts() -> dict[str, int]:
    rows = kept_and_counted()
    assert [(name, kept) for name, kept, _ in rows] == [(name, n) for name, _, n in rows]
    return {name: kept for name, kept, _ in rows}


def run(statement) -> None:
    """A change made by one Core statement, committed (as a script or a plugin would)."""
    db.session.execute(statement)
    db.session.commit()


def test_every_way_of_changing_memberships_keeps_the_counts(rw: ReportWorld, factories):
    before = assert_true_counts()
    accounts.add_membership(rw.admin, rw.cal, rw.elsewhere, "member")
    assert assert_true_counts()[rw.elsewhere.name] == before[rw.elsewhere.name] + 1

    # Moved to another organisation (no service does this: a Core statement).
    cal_elsewhere = membership(rw.cal, rw.elsewhere)
    run(
        update(Membership)
        .where(Membership.id == cal_elsewhere.id)
        .values(organisation_id=rw.ward.id)
    )
    after_move = assert_true_counts()
    assert after_move[rw.elsewhere.name] == before[rw.elsewhere.name]
    assert after_move[rw.ward.name] == before[rw.ward.name] + 1

    # A role changed in place counts nothing new.
    run(update(Membership).where(Membership.id == cal_elsewhere.id).values(role="manager"))
    assert assert_true_counts() == after_move

    accounts.remove_membership(rw.admin, membership(rw.cal, rw.ward))
    assert assert_true_counts() == before

    # Many at once, then a person deleted with their memberships (a cascade).
    people = [factories.user(f"Batch {n}") for n in range(3)]
    db.session.execute(
        insert(Membership),
        [{"user_id": p.id, "organisation_id": rw.trust.id, "role": "member"} for p in people],
    )
    db.session.commit()
    assert assert_true_counts()[rw.trust.name] == before[rw.trust.name] + 3
    run(delete(User).where(User.id == people[0].id))
    assert assert_true_counts()[rw.trust.name] == before[rw.trust.name] + 2


def test_the_people_page_counts_the_organisation_and_its_units(rw: ReportWorld, client, sign_in):
    counts = assert_true_counts()
    sign_in(rw.manager)
    body = page(client, f"/organisations/{rw.trust.id}")
    expected = counts[rw.trust.name] + counts[rw.ward.name]
    assert f"{expected:,} people" in body
    accounts.add_membership(rw.admin, rw.outsider, rw.ward, "member")
    assert f"{expected + 1:,} people" in page(client, f"/organisations/{rw.trust.id}")
    # The ward's own page counts only the ward.
    sign_in(rw.ward_manager)
    assert f"{counts[rw.ward.name] + 1:,} people" in page(client, f"/organisations/{rw.ward.id}")
