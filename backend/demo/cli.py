"""`flask demo load`."""


import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import func, select

from backend.auth.models import Team, User
from backend.customers.models import (
    Customer,
)
from backend.demo.bank import load
from backend.demo.base import PASSWORD
from backend.demo.world import CONTRACT_STAFF
from backend.extensions import db

# --------------------------------------------------------------------------- CLI

demo_cli = AppGroup("demo", help="The synthetic demo bank.")


@demo_cli.command("load")
@click.option("--customers", default=1500, show_default=True, type=click.IntRange(1),
              help="Number of customers.")
@click.option("--months", default=24, show_default=True, type=click.IntRange(1, 120),
              help="Months of transaction history up to today.")
@click.option("--seed", default=42, show_default=True, type=int, help="Random seed.")
@click.option("--rms", default=5, show_default=True, type=click.IntRange(5),
              help="Relationship managers (teams of about five, each with a lead).")
@click.option("--if-empty", is_flag=True,
              help="Do nothing, quietly, when the database already has customers.")
def load_command(customers, months, seed, rms, if_empty):
    """Load a synthetic demo bank into an empty database."""
    if current_app.config.get("ENV_NAME") == "production":
        raise click.ClickException("The demo bank is never loaded into a production database.")
    if if_empty and db.session.scalar(select(func.count(Customer.id))):
        return
    counts = load(customers=customers, months=months, seed=seed, rms=rms)
    click.echo("Loaded the demo bank: " + ", ".join(
        f"{v} {k.replace('_', ' ')}" for k, v in counts.items()
        if k not in ("truth_path", "seconds")) + f" in {counts['seconds']} s.")
    click.echo(f"Hidden truth for checking models: {counts['truth_path']}")
    click.echo(f"Demo logins (password {PASSWORD}):")
    for username, role, team in _logins(rms):
        click.echo(f"  {username:<10} {role:<9} {team}")


def _logins(rms: int) -> list[tuple[str, str, str]]:
    rows = db.session.execute(
        select(User.username, User.role, User.team_id).order_by(User.id)).all()
    teams = dict(db.session.execute(select(Team.id, Team.name)).all())
    shown = [(u, r, teams.get(t, "")) for u, r, t in rows]
    if rms > 5:  # a big bank: the contract users and the count of the others
        contract = {s[0] for s in CONTRACT_STAFF}
        rest = len(shown) - len(contract)
        shown = [s for s in shown if s[0] in contract]
        shown.append((f"(+{rest})", "rm/lead", "rm6.., lead3.."))
    return shown
