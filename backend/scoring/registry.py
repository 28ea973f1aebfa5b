"""The model registry: every scoring model has a name, a version and a kind, and scores in bulk.

Adding a model is one class with score() (and train() when it learns) registered with
@register; propensity models are made per product from the catalogue (propensity:<code>).
"""

import io
import pickle
from datetime import date

import numpy as np
import pandas as pd
from sqlalchemy import select

from backend.extensions import db
from backend.models_base import utcnow
from backend.scoring.models import ModelVersion

SCORE_COLUMNS = ("value", "band", "reasons")


class ScoringModel:
    """A model: score(features) -> DataFrame[value, band, reasons] indexed like features."""

    name: str = ""
    version: str = "1"
    kind: str = "rules"  # rules | trained
    parameters: dict = {}

    def train(self, as_of: date) -> dict:
        """Learn from the bank's history up to as_of and store a version; rules learn nothing."""
        return {}

    def score(self, features: pd.DataFrame) -> pd.DataFrame:
        raise NotImplementedError

    def describe(self) -> dict:
        return {"name": self.name, "version": self.version, "kind": self.kind,
                "parameters": self.parameters}


def empty_scores() -> pd.DataFrame:
    frame = pd.DataFrame(columns=list(SCORE_COLUMNS))
    frame.index.name = "customer_id"
    return frame


def score_frame(index, value, band, reasons) -> pd.DataFrame:
    out = pd.DataFrame({"value": np.asarray(value, dtype=float), "band": band,
                        "reasons": reasons}, index=index)
    out.index.name = "customer_id"
    return out


def bands(values, edges, names) -> np.ndarray:
    """Band names from ascending edges: names[i] for edges[i-1] <= v < edges[i]."""
    return np.asarray(names, dtype=object)[np.digitize(values, edges)]


MODELS: dict[str, ScoringModel] = {}


def register(cls):
    """Register a model class (instantiated once) under its name."""
    MODELS[cls.name] = cls()
    return cls


def save_version(*, name: str, version: str, kind: str, metrics: dict, parameters: dict,
                 artifact) -> ModelVersion:
    """Store (or replace) a trained version with its metrics and pickled estimator."""
    buffer = io.BytesIO()
    pickle.dump(artifact, buffer)
    row = db.session.scalar(select(ModelVersion).where(ModelVersion.name == name,
                                                       ModelVersion.version == version))
    if row is None:
        row = ModelVersion(name=name, version=version, kind=kind)
        db.session.add(row)
    row.trained_at = utcnow()
    row.metrics, row.parameters, row.artifact = metrics, parameters, buffer.getvalue()
    db.session.flush()
    return row


def latest_version(name: str) -> ModelVersion | None:
    return db.session.scalar(select(ModelVersion).where(ModelVersion.name == name,
                                                        ModelVersion.role == "champion")
                             .order_by(ModelVersion.trained_at.desc(), ModelVersion.id.desc())
                             .limit(1))


def find_version(name: str, version: str) -> ModelVersion | None:
    return db.session.scalar(select(ModelVersion).where(ModelVersion.name == name,
                                                        ModelVersion.version == version))


def load_artifact(row: ModelVersion):
    # Artifacts are written only by save_version above, from this codebase's own estimators.
    return pickle.loads(row.artifact)  # noqa: S301
