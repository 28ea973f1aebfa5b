"""Server-side sessions: one record per signed-in device, so that signing out really ends it.

The session cookie (Flask's, signed) carries `<record id>.<secret>`; the record keeps the
secret's sha256. A session is valid while its record is open, used within the idle timeout
and younger than its absolute lifetime (SESSION_IDLE_HOURS, SESSION_LIFETIME_DAYS).
Logout, a password change, ending it from another device and deactivating the user close
records; a replayed cookie then finds a closed record and is refused.
"""

import hmac
from datetime import timedelta
from functools import lru_cache

from flask import current_app
from sqlalchemy import select, update
from ua_parser import parse as parse_user_agent

from backend.auth import tokens
from backend.auth.models import AuthSession, User
from backend.extensions import db
from backend.models_base import utcnow

# last_seen_at is written at most this often per session: reads stay reads.
TOUCH_EVERY = timedelta(minutes=1)


@lru_cache(maxsize=512)
def device_name(user_agent: str | None) -> str:
    """A readable name for a browser: "Chrome · Pixel 7", "Mobile Safari · iPad" ("" unknown)."""
    if not user_agent:
        return ""
    parsed = parse_user_agent(user_agent[:300])
    browser = parsed.user_agent.family if parsed.user_agent else None
    device = parsed.device
    where = (device.model if device and device.brand not in (None, "Generic") else None) or (
        parsed.os.family if parsed.os else None)
    return " · ".join(part for part in (browser, where) if part and part != "Other")[:100]


def _limits() -> tuple[timedelta, timedelta]:
    config = current_app.config
    return (timedelta(hours=config["SESSION_IDLE_HOURS"]),
            timedelta(days=config["SESSION_LIFETIME_DAYS"]))


def _open_clause(now):
    """SQL: the session records that are still valid at `now` (the rule of _timed_out)."""
    idle, lifetime = _limits()
    return (AuthSession.ended_at.is_(None), AuthSession.last_seen_at > now - idle,
            AuthSession.created_at > now - lifetime)


def _timed_out(record: AuthSession, now) -> str | None:
    """Why an open record is no longer valid at `now` ("expired", "idle"), or None."""
    idle, lifetime = _limits()
    if now - record.created_at >= lifetime:
        return "expired"
    return "idle" if now - record.last_seen_at >= idle else None


def start(user: User, *, user_agent: str | None, ip: str | None) -> str:
    """Open a session for `user`; set and return the token the cookie carries."""
    secret = tokens.new_secret()
    now = utcnow()
    record = AuthSession(user_id=user.id, secret_hash=tokens.digest(secret), created_at=now,
                         last_seen_at=now, device=device_name(user_agent),
                         user_agent=(user_agent or "")[:300] or None, ip=ip)
    db.session.add(record)
    db.session.flush()
    user.session_token = f"{record.id}.{secret}"
    user.auth_session_id = record.id
    return user.session_token


def resume(token: str, *, ip: str | None) -> User | None:
    """The user of a valid session token, or None (closing the record when it timed out)."""
    record_id, _, secret = (token or "").partition(".")
    if not record_id.isdigit() or not secret or len(record_id) > 12:
        return None
    # one query for both: this runs on every request
    row = db.session.execute(select(AuthSession, User).join(User, User.id == AuthSession.user_id)
                             .where(AuthSession.id == int(record_id))).first()
    if row is None:
        return None
    record, user = row
    if record.ended_at is not None or not hmac.compare_digest(record.secret_hash,
                                                              tokens.digest(secret)):
        return None
    now = utcnow()
    if reason := _timed_out(record, now):
        _close(select(AuthSession.id).where(AuthSession.id == record.id), reason, now)
        db.session.commit()
        return None
    if not user.is_active:
        return None
    if now - record.last_seen_at >= TOUCH_EVERY or record.ip != ip:
        db.session.execute(update(AuthSession).where(AuthSession.id == record.id)
                           .values(last_seen_at=now, ip=ip))
        db.session.commit()
    user.session_token = token
    user.auth_session_id = record.id
    return user


def list_open(user: User) -> list[dict]:
    """The user's valid sessions, the most recently used first."""
    rows = db.session.scalars(select(AuthSession).where(
        AuthSession.user_id == user.id, *_open_clause(utcnow()))
        .order_by(AuthSession.last_seen_at.desc(), AuthSession.id.desc()))
    return [{"id": row.id, "device": row.device, "user_agent": row.user_agent, "ip": row.ip,
             "created_at": row.created_at, "last_seen_at": row.last_seen_at,
             "current": row.id == user.auth_session_id} for row in rows]


def _close(ids, reason: str, now) -> int:
    result = db.session.execute(update(AuthSession).where(
        AuthSession.id.in_(ids), AuthSession.ended_at.is_(None))
        .values(ended_at=now, end_reason=reason))
    return result.rowcount


def end(user: User, session_id: int, *, reason: str = "revoked") -> bool:
    """End one of the user's own open sessions; False when it is not theirs or not open."""
    ids = select(AuthSession.id).where(AuthSession.id == session_id,
                                       AuthSession.user_id == user.id, *_open_clause(utcnow()))
    return _close(ids, reason, utcnow()) > 0


def end_all(user_id: int, *, reason: str, keep: int | None = None) -> int:
    """End every open session of a user (but `keep`); return how many ended."""
    ids = select(AuthSession.id).where(AuthSession.user_id == user_id,
                                       AuthSession.ended_at.is_(None))
    if keep is not None:
        ids = ids.where(AuthSession.id != keep)
    return _close(ids, reason, utcnow())
