"""`flask reports snapshot [--month YYYY-MM]`."""

import click
from flask.cli import AppGroup

from backend.errors import DomainError
from backend.extensions import db
from backend.reports import service
from backend.reports.periods import previous_month
from backend.timeutil import bank_today

reports_cli = AppGroup("reports", help="Reports: monthly snapshots.")


@reports_cli.command("snapshot")
@click.option("--month", default=None, help="YYYY-MM, a month that has ended (default: last).")
def snapshot_command(month):
    """Snapshot a closed month's reports; snapshots already taken are kept as they are."""
    today = bank_today()
    month = month or f"{previous_month(today):%Y-%m}"
    try:
        taken = service.take_snapshots(month, today)
    except DomainError as exc:
        raise click.ClickException(f"{exc.message}: {exc.fields}") from exc
    db.session.commit()
    click.echo(f"{month}: {taken} reports snapshot (existing ones kept)")
