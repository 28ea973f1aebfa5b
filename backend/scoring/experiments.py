"""Champion/challenger experiments (CRM function III).

A running experiment splits customers into cells by a stable hash of the customer id
(salted per experiment), so a customer stays in one arm for the whole test. Each cell
names the model version its customers are scored with. The arms' outcomes (offers taken,
contacts made) are compared in backend/offers/experiments.py.
"""

from datetime import date

from sqlalchemy import BigInteger, case, cast, func, insert, literal, select

from backend.auth.models import User
from backend.customers.models import Customer
from backend.errors import Conflict, Forbidden, Invalid, NotFound
from backend.extensions import db
from backend.scoring.models import Experiment, ExperimentAssignment

BUCKETS = 10_000
HASH_MULTIPLIER = 2_654_435_761  # Knuth's multiplicative hash: spreads consecutive ids
Z95 = 1.959964


def require_analyst(user: User) -> None:
    """Experiments are the analysts' tool; they see aggregates, never customers."""
    if user.role not in ("analyst", "admin"):
        raise Forbidden("Only analysts manage experiments")


def create(*, user: User, name: str, model: str, cells: list[dict],
           description: str | None = None) -> Experiment:
    """Define an experiment: at least two cells whose shares add up to 1."""
    require_analyst(user)
    names = [c["name"] for c in cells]
    if len(cells) < 2 or len(set(names)) != len(names):
        raise Invalid("Bad cells", {"cells": ["At least two cells with different names."]})
    if abs(sum(c["share"] for c in cells) - 1) > 1e-9:
        raise Invalid("Bad cells", {"cells": ["Shares must add up to 1."]})
    if db.session.scalar(select(Experiment.id).where(Experiment.name == name)):
        raise Invalid("Name taken", {"name": ["Already used."]})
    experiment = Experiment(name=name, model=model, cells=cells, description=description)
    db.session.add(experiment)
    db.session.commit()
    return experiment


def get(*, user: User, experiment_id: int) -> Experiment:
    require_analyst(user)
    experiment = db.session.get(Experiment, experiment_id)
    if experiment is None:
        raise NotFound("No such experiment")
    return experiment


def list_all(*, user: User) -> list[Experiment]:
    require_analyst(user)
    return list(db.session.scalars(select(Experiment).order_by(Experiment.id.desc())))


def _bucket(experiment_id: int):
    """SQL for the customer's stable bucket in [0, BUCKETS) for this experiment."""
    # BigInteger: the product overflows PostgreSQL's 32-bit integer.
    salted = cast(Customer.id, BigInteger) * literal(HASH_MULTIPLIER, BigInteger) \
        + literal(experiment_id * 7919, BigInteger)
    return salted % BUCKETS


def _cell_case(experiment: Experiment):
    bucket = _bucket(experiment.id)
    whens, edge = [], 0.0
    for cell in experiment.cells[:-1]:
        edge += cell["share"]
        whens.append((bucket < round(edge * BUCKETS), cell["name"]))
    return case(*whens, else_=experiment.cells[-1]["name"])


def start(*, user: User, experiment_id: int, today: date) -> dict:
    """Assign every open customer to a cell (set-based) and start the test."""
    experiment = get(user=user, experiment_id=experiment_id)
    if experiment.state != "draft":
        raise Conflict(f"The experiment is {experiment.state}")
    db.session.execute(insert(ExperimentAssignment).from_select(
        ["experiment_id", "customer_id", "cell", "assigned_on"],
        select(literal(experiment.id), Customer.id, _cell_case(experiment), literal(today))
        .where(Customer.status != "closed"),
    ))
    assigned = db.session.scalar(select(func.count()).where(
        ExperimentAssignment.experiment_id == experiment.id))
    experiment.state, experiment.started_on = "running", today
    db.session.commit()
    return {"assigned": assigned}


def versions_by_customer(model: str):
    """Select (customer_id, version) for customers in a running experiment on this model.

    Scoring uses it so each customer is scored with the version of their arm.
    """
    running = db.session.scalars(
        select(Experiment).where(Experiment.model == model, Experiment.state == "running")).all()
    selects = []
    for experiment in running:
        version = case(*[(ExperimentAssignment.cell == c["name"], c.get("version", ""))
                         for c in experiment.cells], else_="")
        selects.append(select(ExperimentAssignment.customer_id, version.label("version"))
                       .where(ExperimentAssignment.experiment_id == experiment.id))
    return selects
