"""The daily contact plan and the contact policy (the cross-sell red line)."""

from datetime import date, datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from backend.extensions import db
from backend.models_base import JSONType, utcnow

PLAN_STATES = ("planned", "done", "snoozed", "missed")


class PlanEntry(db.Model):
    __tablename__ = "plan_entries"
    __table_args__ = (UniqueConstraint("rm_id", "day", "customer_id", name="uq_plan_entries_day"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    rm_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    day: Mapped[date] = mapped_column(index=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    reasons: Mapped[list] = mapped_column(JSONType)
    objective: Mapped[str] = mapped_column(String(200))
    channel: Mapped[str] = mapped_column(String(16))
    priority: Mapped[int] = mapped_column(default=0)
    state: Mapped[str] = mapped_column(String(16), default="planned")
    is_marketing: Mapped[bool] = mapped_column(default=False)
    moment_id: Mapped[int | None] = mapped_column(ForeignKey("key_moments.id"))
    version: Mapped[int] = mapped_column(default=1)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class ContactPolicy(db.Model):
    __tablename__ = "contact_policies"
    id: Mapped[int] = mapped_column(primary_key=True)
    segment: Mapped[str] = mapped_column(String(16), unique=True)
    cadence_days: Mapped[int]  # regular service contact, e.g. 90 for medium
    max_marketing_30d: Mapped[int]
    min_gap_days: Mapped[int]
    decline_cooldown_days: Mapped[int]
    preferred_channels: Mapped[list] = mapped_column(JSONType)
