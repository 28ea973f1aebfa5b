"""`flask demo models`: the demo bank's models with a past, for the analysts' screens.

Versions trained as of two past dates (every model), so the products report has model
metrics over time, and a newer attrition version in a champion/challenger experiment
started four weeks ago, so it has arms to compare. Each version is stamped with the night
after its data date, as if the analysts had trained it then.
"""

from datetime import date, timedelta

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import func, select, update

from backend.auth.models import User
from backend.extensions import db
from backend.scoring import experiments
from backend.scoring.models import ModelVersion
from backend.timeutil import bank_today, start_of_bank_day

CHAMPIONS_DAYS_AGO = (75, 45)  # every model, trained as of these days before today
CHALLENGER_DAYS_AGO = 28  # a newer attrition version, under test since the day after
CHALLENGER_SHARE = 0.2


def model_history(today: date) -> dict:
    """Train the demo's past versions and start its experiment; return what was made."""
    from backend.scoring import service  # pandas and scikit-learn: only when training

    for days in CHAMPIONS_DAYS_AGO:
        service.train_all(as_of=today - timedelta(days=days))
        _trained(today - timedelta(days=days))
    as_of = today - timedelta(days=CHALLENGER_DAYS_AGO)
    service.train_all(as_of=as_of, names=["attrition"])
    _trained(as_of, role="challenger")
    analyst = db.session.scalar(select(User).where(User.role == "analyst").order_by(User.id))
    champion = f"{today - timedelta(days=min(CHAMPIONS_DAYS_AGO)):%Y%m%d}"
    experiment = experiments.create(
        user=analyst, name=f"Attrition retrain {as_of:%Y-%m-%d}", model="attrition",
        description="The attrition model retrained on newer data, on a fifth of the customers "
                    "before it replaces the champion.",
        cells=[{"name": "champion", "share": 1 - CHALLENGER_SHARE, "version": champion},
               {"name": "challenger", "share": CHALLENGER_SHARE, "version": f"{as_of:%Y%m%d}"}])
    started = experiments.start(user=analyst, experiment_id=experiment.id,
                                today=as_of + timedelta(days=1))
    versions = db.session.scalar(select(func.count()).select_from(ModelVersion))
    return {"versions": versions, **started}


def _trained(as_of: date, role: str = "champion") -> None:
    """Stamp the versions trained as of `as_of` (named by that date) with the night after."""
    db.session.execute(
        update(ModelVersion).where(ModelVersion.version == f"{as_of:%Y%m%d}")
        .values(trained_at=start_of_bank_day(as_of + timedelta(days=1)) + timedelta(hours=3),
                role=role))
    db.session.commit()


@click.command("models")
@with_appcontext
@click.option("--if-untrained", is_flag=True, help="Do nothing when any version exists.")
def models_command(if_untrained):
    """Train the demo bank's models as of past dates and start a champion/challenger test."""
    if current_app.config.get("ENV_NAME") == "production":
        raise click.ClickException("Demo models are never trained in a production database.")
    if if_untrained and db.session.scalar(select(ModelVersion.id).limit(1)):
        return
    made = model_history(bank_today())
    click.echo(f"{made['versions']} model versions; an attrition experiment with "
               f"{made['assigned']} customers.")
