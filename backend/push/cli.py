"""`flask push keys | send | briefings`."""

import time
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from backend.push import sender, vapid

push_cli = AppGroup("push", help="Web Push: keys, sending, briefings.")


@push_cli.command("keys")
@click.option("--if-missing", is_flag=True, help="Keep existing keys (environment or file).")
def keys_command(if_missing):
    """Create the VAPID key pair in VAPID_FILE (never in the repository)."""
    config = current_app.config
    if vapid.load(config) is not None:
        if if_missing:
            click.echo("VAPID keys present")
            return
        if config.get("VAPID_PRIVATE_KEY"):
            raise click.ClickException("Keys come from the environment; change them there.")
    path = Path(config["VAPID_FILE"])
    keys = vapid.generate(config["VAPID_SUBJECT"])
    vapid.save(path, keys)
    click.echo(f"VAPID keys written to {path} (public key {keys.public_key[:16]}...); "
               "existing subscriptions must subscribe again")


@push_cli.command("send")
@click.option("--loop", is_flag=True, help="Keep sending every PUSH_SEND_INTERVAL_SECONDS.")
def send_command(loop):
    """Send what is due: dispatch notifications, deliver them to devices."""
    while True:
        counts = sender.run_once()
        if any(counts.values()):
            click.echo(" ".join(f"{k} {v}" for k, v in counts.items()))
        if not loop:
            return
        time.sleep(current_app.config["PUSH_SEND_INTERVAL_SECONDS"])
