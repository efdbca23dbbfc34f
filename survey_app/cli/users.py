"""``flask users …``: staff accounts from the command line (the first administrator, say).

``flask --app wsgi users create USERNAME --role admin [--unit CODE] [--name NAME]`` asks for
the password twice (it is never an argument, so it stays out of the shell history);
``users list``, ``users set-password USERNAME`` and ``users deactivate USERNAME``. Changes are
audited with no acting account (the system). Messages are in English; any refusal exits 1.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import click
from flask.cli import AppGroup
from flask_babel import force_locale
from sqlalchemy import select

from survey_app.auth.accounts import AccountError, create_user, deactivate, find_user, set_password
from survey_app.models import Role, Unit, User, db

users = AppGroup("users", help="Staff accounts.")

CLI_LANGUAGE = "en"


@contextmanager
def _refusals() -> Iterator[None]:
    """Turn an account error into its message on standard error and exit status 1."""
    with force_locale(CLI_LANGUAGE):
        try:
            yield
        except AccountError as error:
            db.session.rollback()
            click.echo(f"Error: {error.message}", err=True)
            raise click.exceptions.Exit(1) from error


def _user(username: str) -> User:
    """The account ``username``; exit 1 when there is none."""
    user = find_user(username)
    if user is None:
        click.echo(f"Error: there is no account {username!r}.", err=True)
        raise click.exceptions.Exit(1)
    return user


def _ask_password(label: str) -> str:
    """A password typed twice, without echo."""
    answer: str = click.prompt(label, hide_input=True, confirmation_prompt=True)
    return answer


@users.command("create")
@click.argument("username")
@click.option("--role", required=True, type=click.Choice([role.value for role in Role]))
@click.option("--unit", "unit_code", help="The unit's code (unit officers only).")
@click.option("--name", "display_name", help="The person's name (default: the username).")
def create(username: str, role: str, unit_code: str | None, display_name: str | None) -> None:
    """Add an account; the password is asked for twice."""
    unit = None
    if unit_code is not None:
        unit = db.session.scalars(select(Unit).where(Unit.code == unit_code)).first()
        if unit is None:
            click.echo(f"Error: there is no unit with code {unit_code!r}.", err=True)
            raise click.exceptions.Exit(1)
    password = _ask_password("Password")
    with _refusals():
        user = create_user(
            username=username,
            display_name=display_name or username,
            role=role,
            password=password,
            unit=unit,
        )
        db.session.commit()
    click.echo(f"Account {user.username} ({user.role}) created.")


@users.command("list")
def list_users() -> None:
    """Every account: username, role, unit, active, last sign-in day."""
    rows = db.session.execute(
        select(User.username, User.role, Unit.code, User.active, User.last_login_on)
        .outerjoin(Unit, Unit.id == User.unit_id)
        .order_by(User.username)
    ).all()
    click.echo(f"{'username':<24} {'role':<13} {'unit':<16} {'active':<7} last sign-in")
    for username, role, unit, active, last in rows:
        click.echo(
            f"{username:<24} {role:<13} {unit or '-':<16} {'yes' if active else 'no':<7} "
            f"{last.isoformat() if last else '-'}"
        )


@users.command("set-password")
@click.argument("username")
def set_password_command(username: str) -> None:
    """Give an account a new password (asked for twice); its sessions end."""
    user = _user(username)
    password = _ask_password("New password")
    with _refusals():
        set_password(user, password)
        db.session.commit()
    click.echo(f"Password of {user.username} changed.")


@users.command("deactivate")
@click.argument("username")
def deactivate_command(username: str) -> None:
    """Stop an account from signing in; its sessions end."""
    user = _user(username)
    with _refusals():
        deactivate(user)
        db.session.commit()
    click.echo(f"Account {user.username} deactivated.")
