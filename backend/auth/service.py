"""Users, passwords, login and the audit log."""

from flask import has_request_context, request
from sqlalchemy import insert, select
from werkzeug.security import check_password_hash, generate_password_hash

from backend.auth import logins, sessions
from backend.auth.models import ROLES, AuditEvent, Team, User
from backend.errors import Invalid, NotFound, Throttled
from backend.extensions import db
from backend.models_base import utcnow

MIN_PASSWORD_LENGTH = 8
# Refused whatever their length: the first guesses of anyone trying.
COMMON_PASSWORDS = {"password", "password1", "12345678", "123456789", "1234567890",
                    "qwerty123", "abc12345", "11111111", "88888888", "a1234567",
                    "password123", "iloveyou1", "admin123", "welcome1", "changeme1"}
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


def password_problems(password: str, username: str = "") -> list[str]:
    """What is wrong with a new password (an empty list when it is acceptable)."""
    problems = []
    if len(password) < MIN_PASSWORD_LENGTH:
        problems.append(f"At least {MIN_PASSWORD_LENGTH} characters.")
    if not any(c.isalpha() for c in password) or not any(c.isdigit() for c in password):
        problems.append("Both letters and digits.")
    if password.lower() in COMMON_PASSWORDS or (username and username.lower() in
                                                 password.lower()):
        problems.append("Too easy to guess: not a common password, not your username.")
    return problems


def authenticate(*, username: str, password: str, device_token: str | None = None,
                 ip: str | None = None) -> tuple[User | None, str | None]:
    """Check credentials, throttling failures (backend/auth/logins.py) and auditing.

    Returns the user and a device-cookie value for this browser, or (None, None) for wrong
    credentials. Raises Throttled while unknown devices must wait. A name that does not exist
    walks the same path as one that does (the same queries, a password hash checked), so the
    answers and their timing tell nobody which usernames exist.
    """
    device = logins.trusted_device(device_token, username)
    wait = logins.wait_seconds(username, device)
    if wait:
        audit("auth.login_throttled", user_id=None,
              detail={"username": username[:64], "retry_after": wait})
        db.session.commit()
        raise Throttled(f"Too many failed attempts: try again in {wait} seconds", wait)
    user = db.session.scalar(select(User).where(User.username == username))
    ok = check_password_hash(user.password_hash if user else _DUMMY_HASH, password)
    if not user or not ok or not user.is_active:
        logins.record(username, device, succeeded=False, ip=ip)
        audit("auth.login_failed", user_id=user.id if user else None,
              detail={"username": username[:64], "known_device": device is not None})
        db.session.commit()
        return None, None
    logins.record(username, device, succeeded=True, ip=ip)
    audit("auth.login", user_id=user.id, detail={"known_device": device is not None})
    return user, logins.new_device_token(username, device)


def change_password(user: User, *, current_password: str, new_password: str) -> None:
    """Set a new password; every other session of the user ends."""
    if not check_password_hash(user.password_hash, current_password):
        raise Invalid("Wrong password", {"current_password": ["Wrong password."]})
    problems = password_problems(new_password, user.username)
    if current_password == new_password:
        problems.append("Must differ from the current password.")
    if problems:
        raise Invalid("Choose another password", {"new_password": problems})
    user.password_hash = hash_password(new_password)
    sessions.end_all(user.id, reason="password", keep=user.auth_session_id)
    audit("auth.password_changed", user_id=user.id)
    db.session.commit()


def set_active(username: str, active: bool) -> tuple[User, int]:
    """(De)activate a user; deactivation ends every session at once. Returns (user, ended)."""
    user = db.session.scalar(select(User).where(User.username == username))
    if user is None:
        raise NotFound("No such user", {"username": ["No such user."]})
    user.is_active_user = active
    ended = 0 if active else sessions.end_all(user.id, reason="deactivated")
    audit("auth.activated" if active else "auth.deactivated", user_id=user.id,
          detail={"sessions_ended": ended})
    db.session.commit()
    return user, ended


def create_user(*, username: str, password: str, role: str, display_name: str | None = None,
                team: str | None = None, grade: int = 1, line: str = "sme",
                password_hash: str | None = None) -> User:
    """Create a user, creating the named team when it does not exist yet."""
    problems = {}
    if role not in ROLES:
        problems["role"] = [f"Must be one of: {', '.join(ROLES)}."]
    if password_hash is None and (weak := password_problems(password, username)):
        problems["password"] = weak
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
