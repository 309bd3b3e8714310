"""Whose rows a report may show.

A report runs in one ``ReportScope``: an organisation with its units (a manager's view),
a facilitator's cohort, or every organisation (an admin). Queries apply the scope; views
build it only after ``can()`` has allowed the person to see it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from lms.accounts.models import Organisation, User
from lms.accounts.tree import organisation_tree, with_units
from lms.cohorts.models import Cohort


@dataclass(frozen=True)
class ReportScope:
    """What a report may include.

    ``organisation_ids``: people who belong to one of these organisations (``None``: any
    organisation, or none). ``cohort_ids``: enrolments and sessions of these cohorts only
    (``None``: any cohort). ``units`` are the organisations a filter may narrow to, as
    ``(id, name)`` in the order they are offered.
    """

    user: User | None  # None for commands and the benchmark
    kind: str  # "organisation", "cohort" or "site"
    title: str
    organisation_ids: frozenset[int] | None = None
    cohort_ids: frozenset[int] | None = None
    organisation: Organisation | None = None
    cohort: Cohort | None = None
    units: tuple[tuple[int, str], ...] = ()

    @property
    def is_empty(self) -> bool:
        return self.organisation_ids == frozenset() or self.cohort_ids == frozenset()

    def narrowed_to(self, organisation_ids: frozenset[int]) -> ReportScope:
        """The same scope restricted to some of its organisations (a unit filter)."""
        current = self.organisation_ids
        ids = organisation_ids if current is None else organisation_ids & current
        return ReportScope(
            self.user,
            self.kind,
            self.title,
            ids,
            self.cohort_ids,
            self.organisation,
            self.cohort,
            self.units,
        )


def units_below(organisation_id: int) -> frozenset[int]:
    """The organisation and all its units."""
    return frozenset(with_units({organisation_id}))


def organisation_scope(user: User | None, organisation: Organisation) -> ReportScope:
    """An organisation and its units: what its managers (and admins) see."""
    tree = organisation_tree()
    ids = with_units({organisation.id}, tree)
    names = tree[1]
    units = tuple((org_id, names[org_id]) for org_id in ids[1:])
    return ReportScope(
        user,
        "organisation",
        organisation.full_name,
        frozenset(ids),
        None,
        organisation=organisation,
        units=units,
    )


def cohort_scope(user: User | None, cohort: Cohort) -> ReportScope:
    """One cohort: what its facilitators (and admins) see."""
    return ReportScope(user, "cohort", cohort.name, None, frozenset({cohort.id}), cohort=cohort)


def site_scope(user: User | None) -> ReportScope:
    """Every organisation: admins only."""
    return ReportScope(user, "site", "All organisations")


def describe(scope: ReportScope) -> dict[str, Any]:
    """What a plugin's rows function is told about the scope, as plain values."""
    return {
        "kind": scope.kind,
        "organisation_ids": scope.organisation_ids,
        "cohort_ids": scope.cohort_ids,
    }
