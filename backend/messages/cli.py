"""`flask messages send`: deliver queued customer messages."""

import click
from flask.cli import AppGroup

messages_cli = AppGroup("messages", help="Customer messages (survey links).")


@messages_cli.command("send")
@click.option("--limit", default=100, show_default=True, type=click.IntRange(1, 100_000),
              help="Most messages to send in this run.")
def send_command(limit):
    """Send queued messages through the configured adapter."""
    from backend.messages import service as messages_service

    counts = messages_service.deliver_queued(limit=limit)
    click.echo(f"sent {counts['sent']}, failed {counts['failed']}, retry later {counts['retry']}")
