"""Key moments (activation, renewal, dormancy, retention) and early-warning risk cases."""

from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column

from backend.extensions import db
from backend.models_base import JSONType, Money, utcnow

MOMENT_KINDS = ("activation", "renewal", "dormancy", "retention", "early_warning", "referral")
MOMENT_STATES = ("open", "acknowledged", "done", "dismissed")
LIVE = ("open", "acknowledged")  # a moment still waiting for the RM
RISK_STATES = ("open", "pending_approval", "closed")
RISK_ACTIONS = ("waiver", "extension")


class KeyMoment(db.Model):
    __tablename__ = "key_moments"
    __table_args__ = (
        # One moment per customer, kind and event, whatever its state: detectors may rerun
        # safely and a dismissed moment does not come back for the same event.
        Index("uq_key_moments_event", "customer_id", "kind", "event_ref", unique=True),
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
    resolved_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    resolution: Mapped[str | None] = mapped_column(String(200))


class RiskCase(db.Model):
    """An early warning: signals, ranked by probability x exposure, answered by tier.

    Small and micro customers get an automated reminder (tier_response "automated");
    medium and large are escalated to the RM and the lead ("escalated"). The RM may request
    a penalty waiver or a term extension for a cooperative customer; the lead decides.
    """

    __tablename__ = "risk_cases"
    __table_args__ = (
        # At most one live case per customer: new signals update it.
        Index("uq_risk_cases_live", "customer_id", unique=True,
              sqlite_where=text("state != 'closed'"), postgresql_where=text("state != 'closed'")),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"),
                                             index=True)
    opened_on: Mapped[date]
    signals: Mapped[list] = mapped_column(JSONType)
    probability: Mapped[float]
    exposure: Mapped[float] = mapped_column(Money)
    expected_loss: Mapped[float] = mapped_column(default=0.0)  # probability x exposure: rank
    severity: Mapped[int]
    tier_response: Mapped[str] = mapped_column(String(16))  # automated | escalated
    reminder_message_id: Mapped[int | None] = mapped_column(ForeignKey("outbound_messages.id"))
    state: Mapped[str] = mapped_column(String(16), default="open", index=True)
    requested_action: Mapped[str | None] = mapped_column(String(32))  # waiver | extension
    action_detail: Mapped[dict | None] = mapped_column(JSONType)
    requested_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    requested_at: Mapped[datetime | None]
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None]
    decision: Mapped[str | None] = mapped_column(String(16))  # approved | refused
    decision_note: Mapped[str | None] = mapped_column(String(500))
    updated_on: Mapped[date | None]
    closed_at: Mapped[datetime | None]
    closed_reason: Mapped[str | None] = mapped_column(String(200))
