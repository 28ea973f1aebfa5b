"""Messages to customers (survey links, automated reminders), sent by an adapter."""

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from backend.extensions import db
from backend.models_base import utcnow

MESSAGE_STATES = ("queued", "sent", "failed")


class OutboundMessage(db.Model):
    __tablename__ = "outbound_messages"
    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int | None] = mapped_column(
        ForeignKey("customers.id", ondelete="SET NULL"), index=True)
    channel: Mapped[str] = mapped_column(String(16))  # sms | email
    to_address: Mapped[str] = mapped_column(String(200))
    subject: Mapped[str | None] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(String(4000))
    purpose: Mapped[str] = mapped_column(String(32))  # survey | reminder | campaign
    # Messages raised by the nightly pipeline carry a key so a rerun queues nothing twice.
    dedupe_key: Mapped[str | None] = mapped_column(String(100), unique=True)
    status: Mapped[str] = mapped_column(String(16), default="queued", index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]
