"""Train and run every registered model; write scores and segments (DESIGN §5 steps 2-3)."""

import logging
import math
from datetime import date

import pandas as pd
from sqlalchemy import delete, insert, select, union_all, update

from backend.customers.models import Customer
from backend.extensions import db
from backend.scoring import evaluation, experiments, rule_models, trained_models  # noqa: F401
from backend.scoring import features as feats
from backend.scoring.models import Score
from backend.scoring.registry import MODELS, ScoringModel, find_version, load_artifact

log = logging.getLogger(__name__)


def all_models() -> list[ScoringModel]:
    """The registered models (rule_models and trained_models register them as they load)
    plus one propensity model per product in the catalogue."""
    return [*MODELS.values(), *trained_models.propensity_models()]


def get(name: str) -> ScoringModel | None:
    return next((m for m in all_models() if m.name == name), None)


def train_all(*, as_of: date | None = None, names: list[str] | None = None) -> dict:
    """Train every trained model (or those named) on the history up to as_of."""
    as_of = as_of or feats.snapshot_date()
    results = {}
    with feats.cached():
        _train(as_of, names, results)
    db.session.commit()
    return results


def _train(as_of: date, names, results: dict) -> None:
    for model in all_models():
        if model.kind != "trained" and not hasattr(model, "trained"):
            continue
        if names and model.name not in names:
            continue
        results[model.name] = model.train(as_of)
        log.info("trained %s: auc %s", model.name, results[model.name].get("auc"))


def evaluate(*, as_of: date | None = None, names: list[str] | None = None) -> list[dict]:
    """Measure every trained model (or those named) the way it will be used: fitted on what
    was known at its latest labelled date, scored on that date, compared with what happened
    after it (evaluation.holdout_metrics). Nothing is stored; the champions stay."""
    as_of = as_of or feats.snapshot_date()
    out = []
    with feats.cached():
        for model in all_models():
            model = getattr(model, "trained", model) if model.kind == "rules" else model
            if model.kind != "trained" or (names and model.name not in names):
                continue
            day = model.latest_labelled_date(as_of)
            artifact, fitted = model.fit(day)
            f = feats.features(day)
            f = f[model.population(f)]
            y = model.labels(day).reindex(f.index).dropna()
            if not len(y):
                continue
            p, _ = model.probability(f.loc[y.index], artifact)
            out.append({"model": model.name, "as_of": day, "y": y, "p": p,
                        "family": fitted["family"], "families": fitted.get("families", {}),
                        "metrics": evaluation.holdout_metrics(y, p, fitted["base_rate"])})
    return out


def score_all(*, as_of: date, names: list[str] | None = None) -> int:
    """Score every customer with every model for as_of; replaces that date's scores."""
    frame = feats.features(as_of)
    rows = []
    for model in all_models():
        if names and model.name not in names:
            continue
        for version, scores in _scores_by_arm(model, frame):
            rows.extend({"customer_id": int(cid), "model": model.name, "version": version,
                         "as_of": as_of, "value": _finite(value), "band": str(band),
                         "reasons": reasons}
                        for cid, value, band, reasons in scores[["value", "band", "reasons"]]
                        .itertuples(name=None))
    stale = delete(Score).where(Score.as_of == as_of)
    if names:
        stale = stale.where(Score.model.in_(names))
    db.session.execute(stale)
    for start in range(0, len(rows), 5000):
        db.session.execute(insert(Score), rows[start:start + 5000])
    db.session.commit()
    return len(rows)


def _scores_by_arm(model, frame):
    """Yield (version, scores): the champion's, and each challenger's on its own arm.

    Customers in a running experiment's challenger cell are scored with that cell's
    version instead of the champion, so every later step sees their arm's score.
    """
    champion = model.score(frame)
    if model.kind != "trained":
        yield model.version, champion
        return
    arms = experiments.versions_by_customer(model.name)
    assigned = pd.DataFrame(db.session.execute(union_all(*arms)).all() if arms else [],
                            columns=["customer_id", "version"])
    challengers = assigned[assigned["version"].ne(model.version) & assigned["version"].ne("")]
    moved = set()
    for version, group in challengers.groupby("version"):
        row = find_version(model.name, version)
        if row is None:
            log.warning("experiment names %s version %s, which does not exist", model.name,
                        version)
            continue
        ids = frame.index.intersection(group["customer_id"])
        moved.update(ids)
        yield version, model.score(frame.loc[ids], artifact=load_artifact(row))
    yield model.version, champion[~champion.index.isin(moved)]


def _finite(value) -> float:
    value = float(value)
    return value if math.isfinite(value) else 0.0


def apply_segments(*, as_of: date) -> int:
    """Set customers' segment and tier from that date's scores: one UPDATE per value."""
    written = 0
    for model, column in (("segment", Customer.segment), ("tier", Customer.tier)):
        bands = db.session.scalars(select(Score.band).where(Score.model == model,
                                                            Score.as_of == as_of).distinct())
        for band in list(bands):
            ids = select(Score.customer_id).where(Score.model == model, Score.as_of == as_of,
                                                  Score.band == band)
            result = db.session.execute(update(Customer).where(Customer.id.in_(ids),
                                                               column != band)
                                        .values({column.key: band}))
            written += result.rowcount or 0
    db.session.commit()
    return written

