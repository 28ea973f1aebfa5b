"""Users, passwords, login and the audit log."""

from datetime import timedelta

from flask import current_app, has_request_context, request
from sqlalchemy import func, insert, select
from werkzeug.security import check_password_hash, generate_password_hash

from backend.auth.models import ROLES, AuditEvent, Team, User
from backend.errors import Invalid, Locked
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


def _failures_since_success(user: User) -> int:
    """Failed logins within the lockout window and after the last successful one."""
    window = utcnow() - timedelta(minutes=current_app.config["LOGIN_LOCKOUT_MINUTES"])
    last_success = db.session.scalar(select(func.max(AuditEvent.at)).where(
        AuditEvent.user_id == user.id,
        AuditEvent.action.in_(("auth.login", "auth.password_changed"))))
    since = max(window, last_success) if last_success else window
    return db.session.scalar(select(func.count()).where(
        AuditEvent.user_id == user.id, AuditEvent.action == "auth.login_failed",
        AuditEvent.at > since)) or 0


def authenticate(*, username: str, password: str) -> User | None:
    """Return the user whose credentials these are, auditing the attempt.

    After LOGIN_LOCKOUT_ATTEMPTS failures within LOGIN_LOCKOUT_MINUTES the account is
    locked for the rest of the window, even for the right password (raises Locked).
    """
    user = db.session.scalar(select(User).where(User.username == username))
    attempts = current_app.config["LOGIN_LOCKOUT_ATTEMPTS"]
    failures = _failures_since_success(user) if user is not None else 0
    if failures >= attempts:
        audit("auth.login_locked", user_id=user.id)
        db.session.commit()
        raise Locked(f"Too many failed attempts: try again in "
                     f"{current_app.config['LOGIN_LOCKOUT_MINUTES']} minutes")
    ok = check_password_hash(user.password_hash if user else _DUMMY_HASH, password)
    if not user or not ok or not user.is_active:
        audit("auth.login_failed", user_id=user.id if user else None,
              detail={"username": username[:64]})
        if user is not None and failures + 1 >= attempts:
            audit("auth.locked", user_id=user.id,
                  detail={"minutes": current_app.config["LOGIN_LOCKOUT_MINUTES"]})
        db.session.commit()
        return None
    audit("auth.login", user_id=user.id)
    db.session.commit()
    return user


def change_password(user: User, *, current_password: str, new_password: str) -> None:
    """Set a new password; every other session of the user ends (session_version)."""
    if not check_password_hash(user.password_hash, current_password):
        raise Invalid("Wrong password", {"current_password": ["Wrong password."]})
    problems = password_problems(new_password, user.username)
    if current_password == new_password:
        problems.append("Must differ from the current password.")
    if problems:
        raise Invalid("Choose another password", {"new_password": problems})
    user.password_hash = hash_password(new_password)
    user.session_version += 1
    audit("auth.password_changed", user_id=user.id)
    db.session.commit()


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
