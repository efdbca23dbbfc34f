"""Flask CLI command groups: ``questionnaires`` (check files), ``demo`` (load the demo),
``responses`` (export), ``users`` (staff accounts), ``limits`` (forget rate-limit counters).

Each group lives in its own module and is listed in ``COMMAND_GROUPS``; adding a group is one
import and one entry.
"""

from __future__ import annotations

import click
from flask import Flask

from survey_app.cli.demo import demo
from survey_app.cli.limits import limits
from survey_app.cli.questionnaires import questionnaires
from survey_app.cli.responses import responses
from survey_app.cli.users import users

COMMAND_GROUPS: tuple[click.Group, ...] = (questionnaires, demo, responses, users, limits)
"""Every command group the app registers, in ``flask --help`` order."""


def init_app(app: Flask) -> None:
    """Register every command group on the app's CLI."""
    for group in COMMAND_GROUPS:
        app.cli.add_command(group)
