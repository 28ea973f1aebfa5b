"""`flask push briefings`: the briefing is the calendar's, sent by push."""

import click

from backend.calendar import briefing
from backend.models_base import utcnow
from backend.push.cli import push_cli


@push_cli.command("briefings")
def briefings_command():
    """Queue the morning briefings due now (the scheduler does this every 15 minutes)."""
    click.echo(f"{briefing.queue_briefings(utcnow())} briefings queued")
