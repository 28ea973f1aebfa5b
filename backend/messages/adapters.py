"""Ways to send an outbound message: console (log), file (JSON lines), smtp (e-mail).

An adapter is opened once per batch: send() raises on failure, close() releases it.
"""

import contextlib
import json
import logging
import smtplib
from email.message import EmailMessage
from pathlib import Path

from backend.messages.models import OutboundMessage
from backend.models_base import utcnow

log = logging.getLogger(__name__)


class ConsoleAdapter:
    """Log the message: development, where nothing must reach a real customer."""

    def __init__(self, config):
        pass

    def send(self, message: OutboundMessage) -> None:
        log.info("message %s %s to %s: %s%s", message.id, message.channel, message.to_address,
                 f"[{message.subject}] " if message.subject else "", message.body)

    def close(self) -> None:
        pass


class FileAdapter:
    """Append one JSON line per message: tests and demos read the outbox back."""

    def __init__(self, config):
        self.path = Path(config["MESSAGE_OUTBOX_FILE"])

    def send(self, message: OutboundMessage) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        line = {"id": message.id, "customer_id": message.customer_id,
                "channel": message.channel, "to": message.to_address,
                "subject": message.subject, "body": message.body, "purpose": message.purpose,
                "at": utcnow().isoformat()}
        with self.path.open("a", encoding="utf-8") as outbox:
            outbox.write(json.dumps(line, ensure_ascii=False) + "\n")

    def close(self) -> None:
        pass


class SmtpAdapter:
    """Send e-mail through one SMTP connection per batch, opened on the first message."""

    def __init__(self, config):
        self.config = config
        self.server: smtplib.SMTP | None = None

    def _connect(self) -> smtplib.SMTP:
        if self.server is None:
            c = self.config
            server = smtplib.SMTP(c["SMTP_HOST"], c["SMTP_PORT"], timeout=30)
            if c["SMTP_STARTTLS"]:
                server.starttls()
            if c.get("SMTP_USER"):
                server.login(c["SMTP_USER"], c.get("SMTP_PASSWORD") or "")
            self.server = server
        return self.server

    def send(self, message: OutboundMessage) -> None:
        # An SMS needs a gateway, not a mail server: fail it visibly instead of guessing.
        if message.channel != "email":
            raise ValueError(f"the smtp adapter cannot send {message.channel} messages")
        email = EmailMessage()
        email["From"] = self.config["SMTP_FROM"]
        email["To"] = message.to_address
        email["Subject"] = message.subject or ""
        email.set_content(message.body)
        try:
            self._connect().send_message(email)
        except (smtplib.SMTPServerDisconnected, OSError):
            self.server = None  # reconnect for the next message
            raise

    def close(self) -> None:
        if self.server is not None:
            with contextlib.suppress(smtplib.SMTPException, OSError):
                self.server.quit()
            self.server = None


ADAPTERS = {"console": ConsoleAdapter, "file": FileAdapter, "smtp": SmtpAdapter}


def open_adapter(config):
    """Return the adapter named by MESSAGE_ADAPTER."""
    name = config.get("MESSAGE_ADAPTER", "console")
    if name not in ADAPTERS:
        raise ValueError(f"unknown MESSAGE_ADAPTER {name!r}; choose one of {sorted(ADAPTERS)}")
    return ADAPTERS[name](config)
