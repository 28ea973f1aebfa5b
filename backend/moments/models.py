"""Key moments (activation, renewal, dormancy, retention) and early-warning risk cases."""

from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column

from backend.extensions import db
from backend.models_base import JSONType, Money, utcnow

MOMENT_KINDS = ("activation", "renewal", "dormancy", "retention", "early_warning", "referral")
MOMENT_STATES = ("open", "acknowledged", "done", "dismissed")


class KeyMoment(db.Model):
    __tablename__ = "key_moments"
    __table_args__ = (
        # One open moment per customer, kind and event: detectors may rerun safely.
        Index("uq_key_moments_open", "customer_id", "kind", "event_ref", "due_on", unique=True,
              sqlite_where=text("state = 'open'"), postgresql_where=text("state = 'open'")),
        Index("ix_key_moments_state_due", "state", "due_on"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"),
                                             index=True)
    kind: Mapped[str] = mapped_column(String(16))
    event_ref: Mapped[str] = mapped_column(String(64), default="")
    due_on: Mapped[date]
    severity: Mapped[int] = mapped_column(default=1)  # 1 low .. 3 high
    state: Mapped[str] = mapped_column(String(16), default="open")
    reasons: Mapped[list | None] = mapped_column(JSONType)
    detail: Mapped[dict | None] = mapped_column(JSONType)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    resolved_at: Mapped[datetime | None]
    resolution: Mapped[str | None] = mapped_column(String(200))


class RiskCase(db.Model):
    __tablename__ = "risk_cases"
    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"),
                                             index=True)
    opened_on: Mapped[date]
    signals: Mapped[list] = mapped_column(JSONType)
    probability: Mapped[float]
    exposure: Mapped[float] = mapped_column(Money)
    severity: Mapped[int]
    tier_response: Mapped[str] = mapped_column(String(16))  # automated | escalated
    state: Mapped[str] = mapped_column(String(16), default="open", index=True)
    requested_action: Mapped[str | None] = mapped_column(String(32))  # waiver | extension
    action_detail: Mapped[dict | None] = mapped_column(JSONType)
    requested_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None]
    decision: Mapped[str | None] = mapped_column(String(16))
    closed_at: Mapped[datetime | None]
