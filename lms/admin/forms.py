"""Forms of the admin area. Choices are filled in by the view; the services check values."""

from __future__ import annotations

from typing import Any

from wtforms import BooleanField, PasswordField, SelectField, StringField
from wtforms.validators import ValidationError

from lms.accounts.forms import choices
from lms.accounts.models import MEMBERSHIP_ROLES, ORGANISATION_TYPES, REGIONS
from lms.db import MAX_ID
from lms.forms import Form


def optional_id(value: Any) -> int | None:
    """A select's value as an id; the empty "none" choice (or nonsense) becomes ``None``."""
    if value in (None, "", "None"):
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if 0 < number <= MAX_ID else None  # beyond that, not an id the database has


ROLE_CHOICES = choices(MEMBERSHIP_ROLES.items())


class OrganisationForm(Form):
    name = StringField("Name")
    type = SelectField(
        "Type",
        choices=choices([("", "Choose a type"), *ORGANISATION_TYPES.items()]),
        validate_choice=False,
    )
    region = SelectField(
        "Region",
        choices=choices([("", "Choose a region"), *((r, r) for r in REGIONS)]),
        validate_choice=False,
    )
    parent = SelectField("Part of (optional)", coerce=optional_id, validate_choice=False)


class PersonForm(Form):
    display_name = StringField("Name")
    email = StringField("Email address")
    username = StringField("Username")
    no_email = BooleanField("No email: give them a one-time sign-in code to print or read out")
    password = PasswordField("First password (optional)")
    organisation = SelectField("Organisation", coerce=optional_id, validate_choice=False)
    role = SelectField("Role in the organisation", choices=ROLE_CHOICES, validate_choice=False)
    service_number = StringField("Service or staff number (optional)")

    def validate_no_email(self, field: BooleanField) -> None:
        if field.data and (self.email.data or "").strip():
            raise ValidationError(
                "You ticked “no email” and also gave an email address. Please clear one of them."
            )
        if field.data and self.password.data:
            raise ValidationError(
                "With a one-time code they choose their own password, so leave the first "
                "password empty."
            )


class PersonDetailsForm(Form):
    display_name = StringField("Name")
    email = StringField("Email address")
    username = StringField("Username")


class MembershipForm(Form):
    organisation = SelectField("Organisation", coerce=optional_id, validate_choice=False)
    role = SelectField("Role", choices=ROLE_CHOICES, validate_choice=False)
    service_number = StringField("Service or staff number (optional)")
