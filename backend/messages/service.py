"""Queue messages to customers and deliver them through the configured adapter."""

import logging

from flask import current_app
from sqlalchemy import select

from backend.extensions import db
from backend.messages.adapters import open_adapter
from backend.messages.models import OutboundMessage
from backend.models_base import utcnow

log = logging.getLogger(__name__)

# A message that failed this many times is given up on (status "failed").
MAX_ATTEMPTS = 3


def queue(*, customer_id: int | None, channel: str, to_address: str, subject: str | None,
          body: str, purpose: str) -> OutboundMessage:
    """Add a message to the outbox; the caller's transaction commits it."""
    message = OutboundMessage(customer_id=customer_id, channel=channel, to_address=to_address,
                              subject=subject, body=body, purpose=purpose, status="queued",
                              attempts=0)
    db.session.add(message)
    return message


def deliver_queued(limit: int = 100) -> dict:
    """Send up to `limit` queued messages, oldest first; return how many were sent or failed."""
    counts = {"sent": 0, "failed": 0, "retry": 0}
    # SKIP LOCKED lets two senders run at once on PostgreSQL; SQLite ignores it.
    ids = db.session.scalars(
        select(OutboundMessage.id).where(OutboundMessage.status == "queued")
        .order_by(OutboundMessage.id).limit(limit)
    ).all()
    if not ids:
        return counts
    adapter = open_adapter(current_app.config)
    try:
        for message_id in ids:
            message = db.session.scalar(
                select(OutboundMessage)
                .where(OutboundMessage.id == message_id, OutboundMessage.status == "queued")
                .with_for_update(skip_locked=True))
            if message is None:
                continue  # another sender has it
            message.attempts += 1
            try:
                adapter.send(message)
            except Exception as exc:  # any adapter error fails this message only
                log.warning("message %s failed (attempt %s): %s", message.id, message.attempts,
                            exc)
                message.error = str(exc)[:500] or type(exc).__name__
                if message.attempts >= MAX_ATTEMPTS:
                    message.status = "failed"
                    counts["failed"] += 1
                else:
                    counts["retry"] += 1
            else:
                message.status, message.sent_at, message.error = "sent", utcnow(), None
                counts["sent"] += 1
            # One commit per message: a crash half-way must not send the same batch twice.
            db.session.commit()
    finally:
        adapter.close()
    return counts
