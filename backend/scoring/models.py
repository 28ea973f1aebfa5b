"""Scores, model versions and experiments."""

from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from backend.extensions import db
from backend.models_base import JSONType, utcnow


class ModelVersion(db.Model):
    __tablename__ = "model_versions"
    __table_args__ = (UniqueConstraint("name", "version", name="uq_model_versions_name_version"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    version: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(16))  # rules | trained
    role: Mapped[str] = mapped_column(String(16), default="champion")  # champion | challenger
    trained_at: Mapped[datetime] = mapped_column(default=utcnow)
    metrics: Mapped[dict | None] = mapped_column(JSONType)
    parameters: Mapped[dict | None] = mapped_column(JSONType)
    artifact: Mapped[bytes | None]


class Score(db.Model):
    __tablename__ = "scores"
    __table_args__ = (
        UniqueConstraint("customer_id", "model", "version", "as_of", name="uq_scores_run"),
        Index("ix_scores_model_as_of", "model", "as_of"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"),
                                             index=True)
    model: Mapped[str] = mapped_column(String(64))
    version: Mapped[str] = mapped_column(String(32))
    as_of: Mapped[date]
    value: Mapped[float]
    band: Mapped[str] = mapped_column(String(16))
    reasons: Mapped[list | None] = mapped_column(JSONType)


class Experiment(db.Model):
    __tablename__ = "experiments"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    description: Mapped[str | None] = mapped_column(String(1000))
    model: Mapped[str | None] = mapped_column(String(64))
    cells: Mapped[list] = mapped_column(JSONType)  # [{"name": "champion", "share": 0.8}, ...]
    state: Mapped[str] = mapped_column(String(16), default="draft")
    started_on: Mapped[date | None]
    ended_on: Mapped[date | None]
    results: Mapped[dict | None] = mapped_column(JSONType)


class ExperimentAssignment(db.Model):
    __tablename__ = "experiment_assignments"
    experiment_id: Mapped[int] = mapped_column(ForeignKey("experiments.id", ondelete="CASCADE"),
                                               primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"),
                                             primary_key=True, index=True)
    cell: Mapped[str] = mapped_column(String(32))
    assigned_on: Mapped[date]
