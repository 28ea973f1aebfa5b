"""The outcome of a champion/challenger experiment (backend/scoring/experiments.py assigns
the customers): per arm, offers presented, accepted and sold and contacts that reached the
customer, with 95% confidence intervals; stopping an experiment stores them."""

import math
from datetime import date

from sqlalchemy import Integer, and_, case, cast, func, select

from backend.auth.models import User
from backend.errors import Conflict
from backend.extensions import db
from backend.offers.models import Offer
from backend.scoring.experiments import get
from backend.scoring.models import Experiment, ExperimentAssignment
from backend.timeutil import start_of_bank_day
from backend.visits.models import Interaction

Z95 = 1.959964


def wilson(successes: int, trials: int) -> dict:
    """The rate and its 95% Wilson interval (sound for small samples and rates near 0 or 1)."""
    if trials == 0:
        return {"rate": None, "low": None, "high": None, "n": 0}
    p = successes / trials
    denominator = 1 + Z95**2 / trials
    centre = (p + Z95**2 / (2 * trials)) / denominator
    margin = Z95 * math.sqrt(p * (1 - p) / trials + Z95**2 / (4 * trials**2)) / denominator
    return {"rate": round(p, 4), "low": round(max(0.0, centre - margin), 4),
            "high": round(min(1.0, centre + margin), 4), "n": trials}


def report(*, user: User, experiment_id: int) -> dict:
    """Per arm: customers, offer acceptance, sales and contact success, with 95% intervals."""
    return compare(get(user=user, experiment_id=experiment_id))


def compare(experiment: Experiment) -> dict:
    """The arms of an experiment compared (aggregates only; the caller checks who asks)."""
    since = experiment.started_on or date.min
    a = ExperimentAssignment
    presented_states = ("presented", "accepted", "declined", "sold")

    def count_if(condition):
        return func.sum(cast(case((condition, 1), else_=0), Integer))

    offers = dict((row[0], row[1:]) for row in db.session.execute(
        select(a.cell, count_if(Offer.state.in_(presented_states)),
               count_if(Offer.state.in_(("accepted", "sold"))), count_if(Offer.state == "sold"),
               func.coalesce(func.sum(Offer.sold_amount), 0))
        .join(Offer, and_(Offer.customer_id == a.customer_id, Offer.as_of >= since))
        .where(a.experiment_id == experiment.id).group_by(a.cell)))
    contacts = dict((row[0], row[1:]) for row in db.session.execute(
        select(a.cell, func.count(Interaction.id), count_if(Interaction.outcome != "not_reached"))
        .join(Interaction, and_(Interaction.customer_id == a.customer_id,
                                Interaction.started_at >= start_of_bank_day(since)))
        .where(a.experiment_id == experiment.id).group_by(a.cell)))
    customers = dict(db.session.execute(
        select(a.cell, func.count()).where(a.experiment_id == experiment.id).group_by(a.cell)
    ).all())
    arms = []
    for cell in experiment.cells:
        name = cell["name"]
        presented, accepted, sold, amount = (int(v or 0) for v in offers.get(name, (0, 0, 0, 0)))
        reached_total, reached = (int(v or 0) for v in contacts.get(name, (0, 0)))
        arms.append({"cell": name, "version": cell.get("version"), "share": cell["share"],
                     "customers": customers.get(name, 0),
                     "acceptance": wilson(accepted, presented),
                     "sales": {**wilson(sold, presented), "amount": float(amount)},
                     "contact_success": wilson(reached, reached_total)})
    return {"experiment": experiment.name, "model": experiment.model, "state": experiment.state,
            "started_on": experiment.started_on, "arms": arms}


def stop(*, user: User, experiment_id: int, today: date) -> Experiment:
    """End the test and write its results back onto the experiment."""
    experiment = get(user=user, experiment_id=experiment_id)
    if experiment.state != "running":
        raise Conflict(f"The experiment is {experiment.state}")
    results = report(user=user, experiment_id=experiment_id)
    experiment.results = {"arms": results["arms"]}
    experiment.state, experiment.ended_on = "ended", today
    db.session.commit()
    return experiment
