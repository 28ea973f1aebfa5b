"""Users, passwords, login and the audit log."""

from flask import has_request_context, request
from sqlalchemy import insert, select
from werkzeug.security import check_password_hash, generate_password_hash

from backend.auth.models import ROLES, AuditEvent, Team, User
from backend.errors import Invalid
from backend.extensions import db
from backend.models_base import utcnow

MIN_PASSWORD_LENGTH = 8
# Checked against when the username is unknown, so both paths take the same time.
_DUMMY_HASH = generate_password_hash("not-a-real-password")


def hash_password(password: str) -> str:
    """Hash a password with scrypt (werkzeug's default)."""
    return generate_password_hash(password)


def audit(action: str, *, user_id: int | None, object_type: str | None = None,
          object_id: int | None = None, detail: dict | None = None) -> None:
    """Write an audit event in the caller's transaction (committed with the caller's work)."""
    # A Core insert: audit rows are written on every card read and never read back here.
    db.session.execute(insert(AuditEvent), [{
        "at": utcnow(), "action": action, "user_id": user_id, "object_type": object_type,
        "object_id": object_id, "detail": detail,
        "ip": request.remote_addr if has_request_context() else None,
    }])


def authenticate(*, username: str, password: str) -> User | None:
    """Return the user whose credentials these are, auditing the attempt."""
    user = db.session.scalar(select(User).where(User.username == username))
    ok = check_password_hash(user.password_hash if user else _DUMMY_HASH, password)
    if not user or not ok or not user.is_active:
        audit("auth.login_failed", user_id=user.id if user else None,
              detail={"username": username[:64]})
        db.session.commit()
        return None
    audit("auth.login", user_id=user.id)
    db.session.commit()
    return user


def create_user(*, username: str, password: str, role: str, display_name: str | None = None,
                team: str | None = None, grade: int = 1, line: str = "sme",
                password_hash: str | None = None) -> User:
    """Create a user, creating the named team when it does not exist yet."""
    problems = {}
    if role not in ROLES:
        problems["role"] = [f"Must be one of: {', '.join(ROLES)}."]
    if password_hash is None and len(password) < MIN_PASSWORD_LENGTH:
        problems["password"] = [f"At least {MIN_PASSWORD_LENGTH} characters."]
    if db.session.scalar(select(User.id).where(User.username == username)):
        problems["username"] = ["Already taken."]
    if problems:
        raise Invalid("Cannot create user", problems)
    team_row = None
    if team:
        team_row = db.session.scalar(select(Team).where(Team.name == team))
        if team_row is None:
            team_row = Team(name=team)
            db.session.add(team_row)
    user = User(username=username, password_hash=password_hash or hash_password(password),
                role=role, display_name=display_name or username, team=team_row, grade=grade,
                line=line)
    db.session.add(user)
    db.session.flush()
    return user
