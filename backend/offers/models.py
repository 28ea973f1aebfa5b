"""Next-best-product offers and their feedback states."""

from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from backend.extensions import db
from backend.models_base import JSONType, Money, Rate, utcnow

# "expired": a suggestion the nightly ranking no longer makes (never shown to an RM)
OFFER_STATES = ("suggested", "presented", "accepted", "declined", "sold", "expired")


class Offer(db.Model):
    __tablename__ = "offers"
    __table_args__ = (Index("ix_offers_customer_state", "customer_id", "state"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    as_of: Mapped[date]
    score: Mapped[float]
    expected_value: Mapped[float] = mapped_column(Money)
    reasons: Mapped[list | None] = mapped_column(JSONType)
    price: Mapped[dict | None] = mapped_column(JSONType)
    state: Mapped[str] = mapped_column(String(16), default="suggested")
    state_changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    decline_reason: Mapped[str | None] = mapped_column(String(200))
    sold_amount: Mapped[float | None] = mapped_column(Money)
    referral_id: Mapped[int | None] = mapped_column(ForeignKey("referrals.id"))
    credited_rm_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class PriceQuote(db.Model):
    __tablename__ = "price_quotes"
    id: Mapped[int] = mapped_column(primary_key=True)
    offer_id: Mapped[int] = mapped_column(ForeignKey("offers.id"), index=True)
    rm_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    price: Mapped[float] = mapped_column(Rate)
    unit: Mapped[str] = mapped_column(String(16))  # "rate" or "fee"
    band_min: Mapped[float] = mapped_column(Rate)
    band_max: Mapped[float] = mapped_column(Rate)
    state: Mapped[str] = mapped_column(String(20), default="pending_approval", index=True)
    approver_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None]
    expires_at: Mapped[datetime | None]
    note: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
