"""Forms of the cohort pages. They collect input; the services do the real checking."""

from __future__ import annotations

from typing import Any

from flask_wtf.file import FileField
from wtforms import RadioField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.fields import DateField
from wtforms.validators import Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from lms.accounts.forms import choices
from lms.cohorts.models import ENROLMENT_MODES
from lms.db import MAX_ID
from lms.forms import Form


def optional_id(value: Any) -> int | None:
    """A select's value as an id; the empty choice (or nonsense) becomes ``None``."""
    try:
        number = int(value) if value not in (None, "", "None") else None
    except (TypeError, ValueError):
        return None
    return number if number is not None and 0 < number <= MAX_ID else None


def page_number(value: Any) -> int:
    """A ``?page=`` number kept to a sensible range, whatever was typed."""
    number = optional_id(value)
    return min(number, 100_000) if number else 1


class CheckboxesField(SelectMultipleField):
    """Several choices as checkboxes. Values we didn't offer are left for the service."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def pre_validate(self, form: Any) -> None:
        pass


class IdCheckboxesField(CheckboxesField):
    """Checkboxes whose values are ids (so the chosen ones show ticked)."""

    def __init__(self, label: str, **kwargs: Any) -> None:
        super().__init__(label, coerce=optional_id, **kwargs)

    def process_formdata(self, valuelist: list[str]) -> None:
        self.data = [v for v in (optional_id(value) for value in valuelist) if v is not None]


class FriendlyDateField(DateField):
    """A date typed as 2026-01-31 (what date pickers send) or 31/01/2026."""

    def __init__(self, label: str, **kwargs: Any) -> None:
        super().__init__(label, format=["%Y-%m-%d", "%d/%m/%Y"], validators=[Optional()], **kwargs)

    def process_formdata(self, valuelist: list[str]) -> None:
        try:
            super().process_formdata(valuelist)
        except ValueError:
            self.data = None
            raise ValueError("Please enter a date like 31/01/2026.") from None


class CohortForm(Form):
    course = SelectField("Course", coerce=optional_id, validate_choice=False)
    name = StringField("Name of the cohort")
    starts_on = FriendlyDateField("Start date (optional)")
    ends_on = FriendlyDateField("End date (optional)")
    timezone = SelectField("Time zone", default="Europe/London", validate_choice=False)
    facilitators = IdCheckboxesField("Facilitators")
    add_facilitators = StringField("Add someone else as a facilitator (optional)")
    capacity = StringField("Capacity (optional)")
    enrolment_mode = RadioField(
        "How do people get a place?",
        choices=choices(ENROLMENT_MODES.items()),
        default="invitation",
        validate_choice=False,
    )
    plugins = CheckboxesField("Plugins active for this cohort")

    def validate_capacity(self, field: StringField) -> None:
        value = (field.data or "").strip()
        if value and not (value.isascii() and value.isdigit()):
            raise ValidationError("Please enter the capacity as a whole number, or leave it empty.")

    def capacity_value(self) -> int | None:
        value = (self.capacity.data or "").strip()
        if not value:
            return None
        # A long run of digits is a number too big for any capacity (and past the 4,300
        # digits ``int`` reads); the service says what the most is.
        return int(value) if len(value) <= 9 else 10**9

    def facilitator_refs(self) -> list[int | str]:
        typed = [n.strip() for n in (self.add_facilitators.data or "").split(",") if n.strip()]
        return [*(self.facilitators.data or []), *typed]


class EnrolForm(Form):
    person = StringField("Their email address or username")


class WithdrawForm(Form):
    reason = TextAreaField("Reason (optional)")


class DeferForm(Form):
    cohort = SelectField("Move them to", coerce=optional_id, validate_choice=False)
    reason = StringField("Reason (optional)")


class BulkUploadForm(Form):
    file = FileField("CSV file of people")


class ConfirmForm(Form):
    """A button that changes something; the form only carries the CSRF token."""


class CodesForm(Form):
    people = IdCheckboxesField("Who needs a new code")


class BookingForm(Form):
    people = IdCheckboxesField("People to book")
