"""``flask --app wsgi lms users ...``: create people, give them codes, list them."""

from __future__ import annotations

import click
from flask.cli import with_appcontext
from sqlalchemy import func, select

from lms.accounts import services
from lms.accounts.models import MEMBERSHIP_ROLES, Organisation, User
from lms.errors import LMSError
from lms.extensions import db

users = click.Group("users", help="Manage people.")


def _problem(error: LMSError) -> click.ClickException:
    return click.ClickException(error.message)


@users.command("create")
@click.option("--display-name", required=True, help="The name shown on the site.")
@click.option("--email", default=None, help="Their email address (or give --username).")
@click.option("--username", default=None, help="A username, for people without email.")
@click.option("--password-prompt", is_flag=True, help="Ask for a first password.")
@click.option("--organisation", default=None, help="The name of their organisation.")
@click.option("--role", type=click.Choice(list(MEMBERSHIP_ROLES)), default="member")
@click.option("--admin", "is_admin", is_flag=True, help="Give them admin access.")
@with_appcontext
def create(
    display_name: str,
    email: str | None,
    username: str | None,
    password_prompt: bool,
    organisation: str | None,
    role: str,
    is_admin: bool,
) -> None:
    """Create a person who signs in with an email address or a username."""
    org = None
    if organisation:
        org = db.session.scalar(
            select(Organisation).where(func.lower(Organisation.name) == organisation.lower())
        )
        if org is None:
            raise click.ClickException(f"There is no organisation called {organisation!r}.")
    password = None
    if password_prompt:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        user = services.create_user(
            None,
            display_name=display_name,
            email=email,
            username=username,
            password=password,
            organisation=org,
            role=role,
            is_admin=is_admin,
        )
    except LMSError as error:
        raise _problem(error) from error
    click.echo(f"Created {user.display_name} (sign in as {user.sign_in_name}, id {user.id}).")


@users.command("code")
@click.argument("name")
@with_appcontext
def code(name: str) -> None:
    """Create a one-time sign-in code for the person who signs in as NAME (their username
    or email address); their older unused codes stop working."""
    user = services.find_by_sign_in_name(name)
    if user is None:
        raise click.ClickException(f"There is nobody who signs in as {name!r}.")
    try:
        issued = services.issue_one_time_code(None, user)
    except LMSError as error:
        raise _problem(error) from error
    click.echo(f"One-time code for {user.display_name} ({user.sign_in_name}): {issued}")
    click.echo(f"It works once, until {issued.expires_at:%d %B %Y at %H:%M} (UTC).")


@users.command("list")
@with_appcontext
def list_users() -> None:
    """List everyone: id, name, how they sign in, and whether they are an admin."""
    people = db.session.scalars(select(User).order_by(User.display_name, User.id))
    for user in people:
        notes = [word for word, on in (("admin", user.is_admin), ("off", not user.active)) if on]
        extra = f"  [{', '.join(notes)}]" if notes else ""
        click.echo(f"{user.id:>5}  {user.display_name:<30}  {user.sign_in_name}{extra}")
