"""Forms of live sessions. They collect input; the services do the real checking."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, time
from typing import Any

from flask import flash
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, StringField, TextAreaField, TimeField, URLField
from wtforms.validators import InputRequired, Optional, ValidationError

from lms.errors import InvalidInput, LMSError
from lms.forms import Form
from lms.live.queries import RegisterRow
from lms.live.services import RegisterEntry

#: Zones offered as suggestions (any IANA name is accepted): the UK, and places with UK
#: Overseas Territories prisons and staff.
SUGGESTED_ZONES = (
    "Europe/London",
    "UTC",
    "Europe/Gibraltar",
    "Atlantic/St_Helena",
    "Atlantic/Bermuda",
    "Atlantic/Stanley",
    "America/Cayman",
    "America/Montserrat",
    "America/Tortola",
    "America/Anguilla",
    "America/Grand_Turk",
    "Europe/Dublin",
    "Europe/Paris",
)
CANCEL_REASONS = (
    "Cancelled by the establishment: staffing",
    "Cancelled by the establishment: regime change",
    "Cancelled: the facilitator is unwell",
    "Cancelled: the venue is not available",
)
# Service field names -> the form fields their problems are shown next to.
FIELD_ALIASES = {
    "starts_at": "start_time",
    "ends_at": "end_time",
    "booking_deadline": "deadline_date",
}


class FriendlyDateField(DateField):
    def process_formdata(self, valuelist: list[Any]) -> None:
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError("Enter the date like 2026-03-03.") from None


class FriendlyTimeField(TimeField):
    def process_formdata(self, valuelist: list[Any]) -> None:
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError("Enter the time like 14:30.") from None


class DetailsForm(Form):
    title = StringField("Title", validators=[InputRequired("Give the session a title.")])
    description = TextAreaField("What the session is about (optional)")
    online_url = URLField("Online link (optional)")
    venue = StringField("Venue (optional)")
    access_notes = TextAreaField("Getting there and getting in (optional)")
    capacity = StringField("Number of places (optional)", render_kw={"inputmode": "numeric"})

    def validate_capacity(self, field: StringField) -> None:
        try:
            capacity_value(field.data)
        except InvalidInput as error:
            raise ValidationError(error.field_errors["capacity"]) from None


class TimesForm(Form):
    date = FriendlyDateField("Date", validators=[InputRequired("Choose the date.")])
    start_time = FriendlyTimeField("Starts at", validators=[InputRequired("Give a start time.")])
    end_time = FriendlyTimeField("Ends at", validators=[InputRequired("Give an end time.")])
    timezone = StringField(
        "Time zone",
        validators=[InputRequired("Choose the time zone.")],
        render_kw={"list": "zone-suggestions", "autocomplete": "off"},
    )
    deadline_date = FriendlyDateField("Booking closes on (optional)", validators=[Optional()])
    deadline_time = FriendlyTimeField("Booking closes at (optional)", validators=[Optional()])

    def starts_at(self) -> datetime:
        return datetime.combine(self.date.data or date.min, self.start_time.data or time())

    def ends_at(self) -> datetime:
        return datetime.combine(self.date.data or date.min, self.end_time.data or time())

    def booking_deadline(self) -> datetime | None:
        if self.deadline_date.data is None:
            return None
        return datetime.combine(self.deadline_date.data, self.deadline_time.data or time(23, 59))


class NewSessionForm(DetailsForm, TimesForm):
    """Everything about a new session."""


class CancelForm(Form):
    reason = StringField(
        "Why is it cancelled?",
        validators=[InputRequired("Please give a reason.")],
        render_kw={"list": "cancel-reasons", "autocomplete": "off"},
    )


class AddPersonForm(Form):
    person = SelectField("Someone taking part in the cohort", coerce=str, validate_choice=False)
    name = StringField("Or the name of someone without an account")


def plain_number(text: str) -> int | None:
    """A whole number typed with the digits 0 to 9 (``"²".isdigit()`` is true too, and
    ``int`` refuses it); a long run of digits becomes a number too big for any limit."""
    if not (text.isascii() and text.isdigit()):
        return None
    return int(text) if len(text) <= 9 else 10**9


def capacity_value(text: str | int | None) -> int | None:
    """Places from the form: empty means no limit. (A form left out of a post keeps the
    session's own number, an int.)"""
    value = str(text if text is not None else "").strip()
    if not value:
        return None
    number = plain_number(value)
    if number is None:
        raise InvalidInput(
            "Give the number of places as a whole number, or leave it empty for no limit.",
            field_errors={"capacity": "A whole number, or empty for no limit."},
        )
    return number


def register_entries(data: Mapping[str, str], rows: list[RegisterRow]) -> list[RegisterEntry]:
    """The register's radio buttons and minutes as entries; rows left blank are skipped."""
    entries = []
    for row in rows:
        status = (data.get(f"status-{row.booking.id}") or "").strip()
        if not status:
            continue
        raw = (data.get(f"minutes-{row.booking.id}") or "").strip()
        number = plain_number(raw)
        minutes = number if number is not None else (-1 if raw else None)
        entries.append(RegisterEntry(row.booking.id, status, minutes))
    return entries


def show_problems(form: FlaskForm, error: LMSError) -> None:
    """Put a service's messages next to their fields; anything else becomes a flash."""
    shown = False
    for name, message in error.field_errors.items():
        name = FIELD_ALIASES.get(name, name)
        if name in form:
            form[name].errors = [*form[name].errors, message]
            shown = True
    if not shown:
        flash(error.message, "problem")
