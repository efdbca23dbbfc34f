"""``flask limits forget``: let an address in again before its rate-limit window ends.

``flask --app wsgi limits forget [--address ADDRESS]`` deletes the counters of code entry,
sign-in and submission that this app keeps in Redis (``survey_app.rate_limits``): of every
address, or of one (as the app sees it: behind ``TRUSTED_PROXIES``, the visitor's address the
proxy reports). Exits 1 with the reason when the counters are kept in memory or Redis does not
answer.
"""

from __future__ import annotations

import click
from flask.cli import AppGroup

from survey_app.rate_limits import CountersUnreachable, forget_counters

limits = AppGroup("limits", help="Rate limits on code entry, sign-in and submission.")


@limits.command("forget")
@click.option(
    "--address",
    default=None,
    help="Forget only this client address's counters (default: every address's).",
)
def forget(address: str | None) -> None:
    """Delete rate-limit counters, so the refused can try again at once."""
    try:
        deleted = forget_counters(address)
    except CountersUnreachable as error:
        raise click.ClickException(str(error)) from error
    whose = f"of {address}" if address is not None else "of every address"
    click.echo(f"Forgot {deleted} rate-limit counter(s) {whose}.")
