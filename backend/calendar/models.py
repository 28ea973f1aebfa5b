"""The daily contact plan."""

from datetime import date, datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from backend.extensions import db
from backend.models_base import JSONType, utcnow

PLAN_STATES = ("planned", "done", "snoozed", "dismissed", "missed")
PLAN_CHANNELS = ("visit", "call", "video", "message", "email")


class PlanEntry(db.Model):
    """One customer to contact on one day. Reasons are chips {code, zh, en, value}."""

    __tablename__ = "plan_entries"
    __table_args__ = (UniqueConstraint("rm_id", "day", "customer_id", name="uq_plan_entries_day"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    rm_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    day: Mapped[date] = mapped_column(index=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"),
                                             index=True)
    reasons: Mapped[list] = mapped_column(JSONType)
    objective: Mapped[str] = mapped_column(String(200))  # Chinese
    objective_en: Mapped[str | None] = mapped_column(String(200))
    channel: Mapped[str] = mapped_column(String(16))
    suggested_hour: Mapped[int | None]
    priority: Mapped[int] = mapped_column(default=0)
    state: Mapped[str] = mapped_column(String(16), default="planned")
    is_marketing: Mapped[bool] = mapped_column(default=False)
    # What raised the entry: ["moment:12", "risk:3", "cadence", "follow_up:55", "offer:9"]
    sources: Mapped[list | None] = mapped_column(JSONType)
    moment_id: Mapped[int | None] = mapped_column(ForeignKey("key_moments.id",
                                                             ondelete="SET NULL"))
    risk_case_id: Mapped[int | None] = mapped_column(ForeignKey("risk_cases.id",
                                                                ondelete="SET NULL"))
    carried_days: Mapped[int] = mapped_column(default=0)  # days it was missed before
    snoozed_to: Mapped[date | None]
    dismiss_reason: Mapped[str | None] = mapped_column(String(200))
    done_at: Mapped[datetime | None]
    version: Mapped[int] = mapped_column(default=1)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
