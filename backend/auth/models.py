"""Teams, users and the audit log."""

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import ForeignKey, Index, String, Time
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backend.extensions import db
from backend.models_base import JSONType, utcnow

ROLES = ("rm", "lead", "referrer", "analyst", "admin")


class Team(db.Model):
    __tablename__ = "teams"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    members: Mapped[list["User"]] = relationship(back_populates="team")


class User(UserMixin, db.Model):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    display_name: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(16), index=True)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"), index=True)
    # Grade sets the RM's pricing discretion band (1 = junior ... 5 = senior).
    grade: Mapped[int] = mapped_column(default=1)
    line: Mapped[str] = mapped_column(String(16), default="sme")
    email: Mapped[str | None] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(40))
    locale: Mapped[str] = mapped_column(String(10), default="zh-CN")
    time_zone: Mapped[str] = mapped_column(String(64), default="Asia/Shanghai")
    quiet_start: Mapped[datetime | None] = mapped_column(Time)
    quiet_end: Mapped[datetime | None] = mapped_column(Time)
    # Which alert kinds to push ({kind: bool}); a kind never chosen is on (backend/push)
    alert_kinds: Mapped[dict | None] = mapped_column(JSONType)
    # The planner's daily capacity (DESIGN §2.5): face-to-face visits and phone calls.
    visits_per_day: Mapped[int] = mapped_column(default=3)
    calls_per_day: Mapped[int] = mapped_column(default=8)
    # sha256 of the secret in the user's calendar feed URL (GET /api/v1/plan.ics?token=)
    calendar_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    is_active_user: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    team: Mapped[Team | None] = relationship(back_populates="members")

    # The signed-in session this object was loaded for (backend/auth/sessions.py); not a column.
    session_token = None
    auth_session_id = None

    @property
    def is_active(self) -> bool:
        return self.is_active_user

    def get_id(self) -> str | None:
        """What Flask-Login keeps in the cookie: the session record's id and secret."""
        return self.session_token


class AuthSession(db.Model):
    """One signed-in device of a user. The cookie carries its id and a secret; the secret's
    hash is kept here, so ending the record ends the session wherever the cookie is replayed."""

    __tablename__ = "auth_sessions"
    __table_args__ = (Index("ix_auth_sessions_user_open", "user_id", "ended_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    secret_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[datetime | None]
    # logout, revoked, password, deactivated, idle, expired
    end_reason: Mapped[str | None] = mapped_column(String(16))
    device: Mapped[str] = mapped_column(String(100))
    user_agent: Mapped[str | None] = mapped_column(String(300))
    ip: Mapped[str | None] = mapped_column(String(64))


class LoginAttempt(db.Model):
    """A sign-in attempt by username (known or not), for throttling (backend/auth/logins.py).

    `device` is the nonce of a valid device cookie for that username, None for an unknown
    device. Rows older than a day are deleted as new ones come in."""

    __tablename__ = "login_attempts"
    __table_args__ = (Index("ix_login_attempts_username_at", "username", "at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    username: Mapped[str] = mapped_column(String(64))
    device: Mapped[str | None] = mapped_column(String(32))
    succeeded: Mapped[bool]
    ip: Mapped[str | None] = mapped_column(String(64))


class AuditEvent(db.Model):
    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_events_object", "object_type", "object_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    action: Mapped[str] = mapped_column(String(64))
    object_type: Mapped[str | None] = mapped_column(String(32))
    object_id: Mapped[int | None]
    detail: Mapped[dict | None] = mapped_column(JSONType)
    ip: Mapped[str | None] = mapped_column(String(64))
