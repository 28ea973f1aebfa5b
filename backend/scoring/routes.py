"""Experiments for analysts: define and start (the report and the stop are with offers,
whose outcomes they compare)."""

from flask_login import current_user, login_required
from flask_smorest import Blueprint

from backend.scoring import experiments
from backend.scoring.schemas import (
    ExperimentCreateSchema,
    ExperimentListSchema,
    ExperimentSchema,
    StartResultSchema,
)
from backend.timeutil import bank_today

blp = Blueprint("experiments", __name__, url_prefix="/api/v1/experiments",
                description="Champion/challenger experiments (analysts)")


@blp.get("")
@login_required
@blp.response(200, ExperimentListSchema)
def list_experiments():
    """List experiments"""
    return {"items": experiments.list_all(user=current_user)}


@blp.post("")
@login_required
@blp.arguments(ExperimentCreateSchema)
@blp.response(201, ExperimentSchema)
def create_experiment(body):
    """Define an experiment"""
    return experiments.create(user=current_user, **body)


@blp.post("/<int:experiment_id>/start")
@login_required
@blp.response(200, StartResultSchema)
def start_experiment(experiment_id: int):
    """Assign customers to cells and start the experiment"""
    return experiments.start(user=current_user, experiment_id=experiment_id, today=bank_today())
