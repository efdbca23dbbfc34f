"""``flask demo load``: the demo province, round and questionnaires, idempotently."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from survey_app.demo import (
    ROUND_CODE,
    DemoAccount,
    IssuedCode,
    ensure_demo_accounts,
    load_demo,
)

demo = AppGroup("demo", help="Demonstration data.")

CODES_FILE = "demo_invitations.txt"
ACCOUNTS_FILE = "demo_accounts.txt"


def _write_codes(path: Path, issued: list[IssuedCode]) -> None:
    """Write the codes, one per line with unit and link path, readable only by the owner."""
    lines = [
        "# Demo invitation codes for the leaders' survey (par_leaders). Each code works once.",
        "# unit code\tunit\tcode\tlink",
    ]
    lines += [f"{item.unit_code}\t{item.unit_name}\t{item.code}\t/i/{item.code}" for item in issued]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    path.chmod(0o600)


def _write_accounts(path: Path, accounts: list[DemoAccount]) -> None:
    """Write the demo accounts and their passwords, readable only by the owner."""
    lines = [
        "# Demo workspace accounts (sign in at /auth/login). Change the passwords with",
        "# flask --app wsgi users set-password NAME",
        "# username\trole\tpassword",
    ]
    lines += [f"{item.username}\t{item.role}\t{item.password}" for item in accounts]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    path.chmod(0o600)


@demo.command("load")
def load() -> None:
    """Store the bundled questionnaires, the demo units and an open demo round with codes."""
    report = load_demo(date.today())
    codes_path = Path(current_app.instance_path) / CODES_FILE
    click.echo(
        f"Demo round '{ROUND_CODE}': {report.versions_added} questionnaire version(s), "
        f"{report.units_added} unit(s), {report.offers_added} survey(s) added"
        f"{' (round created)' if report.round_added else ''}."
    )
    if report.codes:
        _write_codes(codes_path, report.codes)
        for item in report.codes:
            click.echo(f"{item.unit_code:<16} {item.code}")
        click.echo(
            f"{len(report.codes)} invitation code(s) issued; shown once here and written to "
            f"{codes_path}. Only their hashes are stored."
        )
    else:
        click.echo(f"Invitation codes were issued at the first load (see {codes_path}).")
    accounts_path = Path(current_app.instance_path) / ACCOUNTS_FILE
    accounts = ensure_demo_accounts()
    if accounts:
        _write_accounts(accounts_path, accounts)
        for account in accounts:
            click.echo(
                f"account {account.username:<10} ({account.role}) password {account.password}"
            )
        click.echo(
            f"Demo accounts created; passwords shown once here and written to {accounts_path}. "
            "Sign in at /auth/login."
        )
