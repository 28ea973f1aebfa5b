"""Command-line entry points: users, demo bank, CSV import, pipeline, scheduler."""

import click
from flask import Flask
from flask.cli import AppGroup

from backend.auth.models import ROLES
from backend.backup import backup_command, restore_command
from backend.calendar.cli import push_cli  # with the briefings command
from backend.demo import demo_cli
from backend.demo_models import models_command as demo_models_command
from backend.extensions import db
from backend.importer.cli import import_cli
from backend.messages.cli import messages_cli
from backend.offers.cli import experiments_cli  # with the report command
from backend.pipeline import pipeline_cli
from backend.reports.cli import reports_cli
from backend.scheduler import scheduler_command
from backend.scoring.cli import models_cli

users_cli = AppGroup("users", help="Manage users.")


@users_cli.command("create")
@click.argument("username")
@click.option("--role", required=True, type=click.Choice(ROLES))
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option("--name", "display_name", default=None, help="Name shown in the app.")
@click.option("--team", default=None, help="Team name; created when new.")
@click.option("--grade", default=1, type=click.IntRange(1, 5), help="RM grade (pricing band).")
def create_user_command(username, role, password, display_name, team, grade):
    """Create a user."""
    from backend.auth import service as auth_service
    from backend.errors import Invalid

    try:
        user = auth_service.create_user(username=username, password=password, role=role,
                                        display_name=display_name, team=team, grade=grade)
    except Invalid as exc:
        db.session.rollback()
        raise click.ClickException(f"{exc.message}: {exc.fields}") from exc
    db.session.commit()
    click.echo(f"created {user.role} {user.username} (id {user.id})")


def _set_active(username: str, active: bool) -> None:
    from backend.auth import service as auth_service
    from backend.errors import NotFound

    try:
        user, ended = auth_service.set_active(username, active)
    except NotFound as exc:
        raise click.ClickException(f"no user named {username}") from exc
    if active:
        click.echo(f"activated {user.username}")
    else:
        click.echo(f"deactivated {user.username}; {ended} signed-in session(s) ended")


@users_cli.command("deactivate")
@click.argument("username")
def deactivate_user_command(username):
    """Stop a user signing in and end every session of theirs at once."""
    _set_active(username, False)


@users_cli.command("activate")
@click.argument("username")
def activate_user_command(username):
    """Let a deactivated user sign in again."""
    _set_active(username, True)


def register(app: Flask) -> None:
    """Attach every command group to the app."""
    app.cli.add_command(users_cli)
    demo_cli.add_command(demo_models_command)
    app.cli.add_command(demo_cli)
    app.cli.add_command(import_cli)
    app.cli.add_command(messages_cli)
    app.cli.add_command(models_cli)
    app.cli.add_command(experiments_cli)
    app.cli.add_command(pipeline_cli)
    app.cli.add_command(scheduler_command)
    app.cli.add_command(push_cli)
    app.cli.add_command(reports_cli)
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
