"""Cross-line referrals of an SME need to the owning RM (docs/offers.md)."""

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from backend.extensions import db
from backend.models_base import JSONType, utcnow

REFERRAL_STATES = ("new", "acknowledged", "contacted", "won", "lost")


class Referral(db.Model):
    __tablename__ = "referrals"
    id: Mapped[int] = mapped_column(primary_key=True)
    referrer_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    from_line: Mapped[str] = mapped_column(String(16))
    # An existing customer, or a prospect the referrer describes (never both)
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"), index=True)
    prospect: Mapped[dict | None] = mapped_column(JSONType)
    rm_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    need: Mapped[str] = mapped_column(String(1000))
    product_code: Mapped[str | None] = mapped_column(String(32))
    state: Mapped[str] = mapped_column(String(16), default="new", index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    alerted_at: Mapped[datetime | None]
    ack_due_at: Mapped[datetime | None]  # one business hour
    contact_due_at: Mapped[datetime | None]  # two business days
    acknowledged_at: Mapped[datetime | None]
    first_contact_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    lost_reason: Mapped[str | None] = mapped_column(String(200))
    credit: Mapped[dict | None] = mapped_column(JSONType)
