"""Forms of the certificate pages. They collect input; the services do the checking."""

from __future__ import annotations

from typing import Any

from wtforms import RadioField, StringField, TextAreaField

from lms.accounts.models import User
from lms.certificates.services import name_choices
from lms.forms import Form

NAME_LABELS = {"display": "The name you use here", "legal": "Your legal name"}


def _name_options(user: User) -> list[tuple[str, str]]:
    return [
        (source, f"{NAME_LABELS[source]}: {name}") for source, name in name_choices(user).items()
    ]


class NameForm(Form):
    source = RadioField("Which name should your certificates show?", validate_choice=False)

    def __init__(self, user: User, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.source.choices = _name_options(user)


class VerifyForm(Form):
    """Typed in by anyone, signed in or not; a GET form, so no CSRF token."""

    class Meta:
        csrf = False

    code = StringField("Verification code")


# The reissue and revoke forms share a page, so their fields have ids of their own.


class ReissueForm(Form):
    source = RadioField("Name to print", validate_choice=False, id="reissue-source")
    reason = TextAreaField("Why is it being reissued?", id="reissue-reason")

    def __init__(self, user: User, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.source.choices = _name_options(user)


class RevokeForm(Form):
    reason = TextAreaField("Why is it being revoked?", id="revoke-reason")


class ConfirmForm(Form):
    """A button that starts something (a bulk issue): only the CSRF token."""
