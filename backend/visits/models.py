"""Visit and call logs, and post-contact satisfaction surveys."""

from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backend.extensions import db
from backend.models_base import JSONType, Money, utcnow

INTERACTION_CHANNELS = ("visit", "call", "video", "message", "email")
OUTCOMES = ("reached", "not_reached", "interested", "sale", "declined", "follow_up",
            "complaint", "info")


class Interaction(db.Model):
    """A visit or call log. client_id makes an offline write idempotent (DESIGN §7)."""

    __tablename__ = "interactions"
    __table_args__ = (Index("ix_interactions_customer_started", "customer_id", "started_at"),
                      # reports: an RM's contacts by date; edits found by what they replace
                      Index("ix_interactions_rm_started", "rm_id", "started_at"),
                      Index("ix_interactions_replaces", "replaces_id"))
    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[str] = mapped_column(String(36), unique=True)
    version: Mapped[int] = mapped_column(default=1)
    replaces_id: Mapped[int | None] = mapped_column(ForeignKey("interactions.id"))
    body_hash: Mapped[str | None] = mapped_column(String(64))
    rm_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    # indexed: replanning deletes untouched entries, and the foreign key is checked for each
    plan_entry_id: Mapped[int | None] = mapped_column(ForeignKey("plan_entries.id",
                                                             ondelete="SET NULL"), index=True)
    channel: Mapped[str] = mapped_column(String(16))
    started_at: Mapped[datetime]
    duration_minutes: Mapped[int | None]
    objective: Mapped[str | None] = mapped_column(String(200))
    outcome: Mapped[str] = mapped_column(String(32))
    products_discussed: Mapped[list | None] = mapped_column(JSONType)
    follow_up_on: Mapped[date | None]
    follow_up_objective: Mapped[str | None] = mapped_column(String(200))
    notes: Mapped[str | None] = mapped_column(String(4000))
    location: Mapped[dict | None] = mapped_column(JSONType)
    sales_amount: Mapped[float | None] = mapped_column(Money)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    rm = relationship("User")


class Survey(db.Model):
    __tablename__ = "surveys"
    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    interaction_id: Mapped[int] = mapped_column(ForeignKey("interactions.id"), index=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"),
                                             index=True)
    rm_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    answered_at: Mapped[datetime | None]
    score: Mapped[int | None]
    comment: Mapped[str | None] = mapped_column(String(1000))
