"""Forms of the accounts area. The services do the real checking; forms collect input."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask import flash
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, PasswordField, RadioField, StringField
from wtforms.fields import choices as wtforms_choices
from wtforms.validators import InputRequired, ValidationError

from lms.errors import LMSError
from lms.forms import Form


def choices(pairs: Iterable[tuple[Any, str]]) -> list[Any]:
    """Options for a select or radio field as this WTForms prefers: ``SelectChoice`` from
    3.3 on (plain tuples are deprecated there), tuples before."""
    make = getattr(wtforms_choices, "SelectChoice", None)
    return [make(value, label) if make else (value, label) for value, label in pairs]


def show_problems(form: FlaskForm, error: LMSError) -> None:
    """Put a service's field messages next to their fields; anything else becomes a flash."""
    shown = False
    for name, message in error.field_errors.items():
        if name in form:
            form[name].errors = [message]
            shown = True
    if not shown:
        flash(error.message, "problem")


class SignInForm(Form):
    name = StringField(
        "Email or username", validators=[InputRequired("Please enter your email or username.")]
    )
    password = PasswordField(
        "Password or PIN", validators=[InputRequired("Please enter your password or PIN.")]
    )
    remember = BooleanField("Keep me signed in on this device", default=False)
    next = HiddenField()


class CodeSignInForm(Form):
    username = StringField(
        "Email or username",
        validators=[InputRequired("Please enter your email address or username.")],
    )
    code = StringField(
        "One-time code", validators=[InputRequired("Please enter the code you were given.")]
    )


class WelcomeForm(Form):
    kind = RadioField(
        "What would you like to sign in with?",
        choices=choices(
            [
                ("password", "A password (letters, numbers or both)"),
                ("pin", "A PIN (numbers only)"),
            ]
        ),
        default="password",
        validate_choice=False,
    )
    password = PasswordField("Your new password or PIN")
    confirm = PasswordField("Type it again")

    def validate_confirm(self, field: PasswordField) -> None:
        if field.data != self.password.data:
            raise ValidationError("The two entries don't match. Please type them again.")


class ProfileForm(Form):
    display_name = StringField("Your name")
    pronouns = StringField("Pronouns (optional)")
    legal_name = StringField("Name for certificates (optional)")


class PasswordChangeForm(Form):
    current_password = PasswordField("Current password or PIN")
    kind = RadioField(
        "Sign in with",
        choices=choices([("password", "A password"), ("pin", "A PIN (numbers only)")]),
        default="password",
        validate_choice=False,
    )
    new_password = PasswordField("New password or PIN")
    confirm = PasswordField("Type the new one again")

    def validate_confirm(self, field: PasswordField) -> None:
        if field.data != self.new_password.data:
            raise ValidationError("The two entries don't match. Please type them again.")
