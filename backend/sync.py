"""Offline writes, applied exactly once (DESIGN §7, the IETF Idempotency-Key semantics).

Each write carries a client-generated UUID. The first time a client id is seen, the
write's effect and its ledger row (SyncWrite) commit in one transaction, and the
answer is stored. A resend with the same body is answered as the first time
(`duplicate`); the same client id with another body, or an edit based on a stale
version, is a `conflict` carrying both versions. Failed writes (`invalid`,
`forbidden`, `error`) are not recorded, so the device may fix and resend them.

Whatever a write holds, it is answered on its own and the batch goes on: text that is not
text is `invalid` naming the field (checked here, not before the route, see
backend/inputs.py), and a fault inside one write's transaction is a retryable `error`,
logged with the client id. A device's outbox is never blocked by one poisoned write.

Domains add kinds with @write_kind; this module knows nothing of what a kind does, nor of
who may write: the caller checks the user may, and hands in who writes (anything with an id).
"""

import hashlib
import json
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from marshmallow import Schema, ValidationError
from sqlalchemy import ForeignKey, String, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from backend.errors import Conflict, Forbidden, Invalid, NotFound
from backend.extensions import db
from backend.inputs import json_problems
from backend.models_base import JSONType, utcnow

MAX_WRITES = 500

log = logging.getLogger(__name__)


class SyncWrite(db.Model):
    """The idempotency ledger of offline writes: one row per client id, whatever its kind.

    Written in the same transaction as the write's effect, so a write is applied once.
    """

    __tablename__ = "sync_writes"
    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[str] = mapped_column(String(36), unique=True)
    kind: Mapped[str] = mapped_column(String(32))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    body_hash: Mapped[str] = mapped_column(String(64))
    body: Mapped[dict] = mapped_column(JSONType)
    base_version: Mapped[int | None]
    result: Mapped[dict] = mapped_column(JSONType)  # what the first answer said
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Writer(Protocol):
    """Who sends the writes; each kind's apply() receives it as `user`."""

    id: int


class StaleVersion(Conflict):
    """The write was based on a version the server has moved past."""

    def __init__(self, message: str, server: dict):
        super().__init__(message)
        self.server = server


@dataclass(frozen=True)
class WriteKind:
    schema: Schema
    apply: Callable[..., dict]  # (user=Writer, body=, base_version=, client_id=) -> {"id": ...}


KINDS: dict[str, WriteKind] = {}


def write_kind(name: str, schema: Schema):
    """Register the function applying writes of this kind; it returns the result ids."""

    def register(apply):
        KINDS[name] = WriteKind(schema=schema, apply=apply)
        return apply

    return register


def fingerprint(kind: str, body: dict, base_version: int | None) -> str:
    """Hash what makes two sends 'the same request'."""
    canonical = json.dumps({"kind": kind, "body": body, "base_version": base_version},
                           sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def process(*, user: Writer, writes: list) -> list[dict]:
    """Apply a batch of writes, each in its own transaction, each answered on its own.

    Every commit expires ORM objects: hand in a snapshot of the user, not the ORM row."""
    if not isinstance(writes, list) or len(writes) > MAX_WRITES:
        raise Invalid("Bad batch", {"writes": [f"A list of at most {MAX_WRITES} writes."]})
    return [_process_one(user, write) for write in writes]


def _envelope(write) -> tuple[str, str, dict, int | None]:
    if not isinstance(write, dict):
        raise Invalid("A write must be an object", {"_write": ["Must be an object."]})
    problems = {name: [found] for name, found in _text_problems(write).items()}
    if problems:  # nothing else of it can be read safely (hashed, stored, echoed)
        raise Invalid("Invalid write", problems)
    client_id = write.get("client_id")
    try:
        client_id = str(uuid.UUID(str(client_id)))
    except ValueError:
        problems["client_id"] = ["Must be a UUID."]
    kind = write.get("kind")
    if not isinstance(kind, str) or kind not in KINDS:
        problems["kind"] = [f"Must be one of: {', '.join(sorted(KINDS))}."]
    body = write.get("body")
    if not isinstance(body, dict):
        problems["body"] = ["Must be an object."]
    base_version = write.get("base_version")
    if base_version is not None and (not isinstance(base_version, int)
                                     or isinstance(base_version, bool) or base_version < 1):
        problems["base_version"] = ["Must be a positive integer."]
    unknown = set(write) - {"client_id", "kind", "body", "base_version"}
    for name in unknown:
        problems[name] = ["Unknown field."]
    if problems:
        raise Invalid("Invalid write", problems)
    return client_id, kind, body, base_version


def _text_problems(write: dict) -> dict[str, str]:
    """The body's fields by their own names (as the schema's errors name them), the
    envelope's by theirs."""
    body = write.get("body")
    found = json_problems(body) if isinstance(body, dict) else {}
    for name, value in write.items():
        if name != "body" or not isinstance(body, dict):
            found.update(json_problems({name: value}))
    return found


def _process_one(user: Writer, write) -> dict:
    raw_id = write.get("client_id") if isinstance(write, dict) else None
    try:
        client_id, kind, body, base_version = _envelope(write)
    except Invalid as exc:
        return {"client_id": raw_id, "status": "invalid",
                "error": {"message": exc.message, "fields": exc.fields}}
    try:
        return _apply(user, client_id, kind, body, base_version)
    except Exception:
        # Nothing of this write stays; the device sends it again later, and the others go on.
        log.exception("sync write %s (%s) of user %s failed", client_id, kind, user.id)
        _rollback()
        return {"client_id": client_id, "status": "error",
                "error": {"message": "The server could not store this write; it is sent again "
                                     "later", "fields": {}, "retryable": True}}


def _rollback() -> None:
    try:
        db.session.rollback()
    except Exception:  # the connection itself is gone: the pool replaces it
        log.exception("rollback after a failed sync write failed")


def _apply(user: Writer, client_id: str, kind: str, body: dict,
           base_version: int | None) -> dict:
    digest = fingerprint(kind, body, base_version)
    seen = _answer_for_seen(user, client_id, digest, body)
    if seen:
        return seen
    try:
        parsed = KINDS[kind].schema.load(body)
        result = KINDS[kind].apply(user=user, body=parsed, base_version=base_version,
                                   client_id=client_id)
        db.session.execute(insert(SyncWrite), [{
            "client_id": client_id, "kind": kind, "user_id": user.id, "body_hash": digest,
            "body": body, "base_version": base_version, "result": result,
            "created_at": utcnow()}])
        db.session.commit()
    except ValidationError as exc:
        db.session.rollback()
        return {"client_id": client_id, "status": "invalid",
                "error": {"message": "Invalid body", "fields": _flat(exc.messages)}}
    except Invalid as exc:
        db.session.rollback()
        return {"client_id": client_id, "status": "invalid",
                "error": {"message": exc.message, "fields": exc.fields}}
    except (Forbidden, NotFound):
        db.session.rollback()
        return {"client_id": client_id, "status": "forbidden",
                "error": {"message": "Not a customer of your portfolio", "fields": {}}}
    except StaleVersion as exc:
        db.session.rollback()
        return {"client_id": client_id, "status": "conflict",
                "error": {"message": exc.message, "fields": {"base_version": ["Stale."]}},
                "server": exc.server, "client": body}
    except IntegrityError:
        # Another request stored the same client id first: answer as it was answered.
        db.session.rollback()
        return _answer_for_seen(user, client_id, digest, body) or {
            "client_id": client_id, "status": "invalid",
            "error": {"message": "The write breaks a database rule", "fields": {}}}
    return {"client_id": client_id, "status": "created", **result}


def _answer_for_seen(user: Writer, client_id: str, digest: str, body: dict) -> dict | None:
    seen = db.session.scalar(select(SyncWrite).where(SyncWrite.client_id == client_id))
    if seen is None:
        return None
    if seen.user_id != user.id:
        # Another user's key: say nothing about what it holds.
        return {"client_id": client_id, "status": "conflict",
                "error": {"message": "This client id was used by someone else", "fields": {}}}
    if seen.body_hash == digest:
        return {"client_id": client_id, "status": "duplicate", **seen.result}
    return {"client_id": client_id, "status": "conflict",
            "error": {"message": "This client id was already used with another body",
                      "fields": {"client_id": ["Reused with a different body."]}},
            "server": seen.body, "client": body}


def _flat(messages) -> dict:
    if isinstance(messages, dict):
        return {k: v if isinstance(v, list) else [v] for k, v in messages.items()}
    return {"body": messages}
