"""Session loading, the CSRF check on every write, and JSON answers for 401."""

import hmac
import secrets

from flask import Flask, request, session
from flask_login import current_user

from backend.auth import sessions
from backend.errors import Forbidden, Unauthorized
from backend.extensions import login_manager

WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
# Login hands out the token, so it cannot require one; SameSite=Lax and the JSON
# body requirement keep cross-site form posts from logging a victim in.
CSRF_EXEMPT_ENDPOINTS = {"auth.login"}


def new_csrf_token() -> str:
    """Create the session's CSRF token and remember it in the session."""
    token = secrets.token_urlsafe(32)
    session["csrf"] = token
    return token


def csrf_token() -> str:
    """Return the session's CSRF token, creating one when missing."""
    return session.get("csrf") or new_csrf_token()


def check_csrf() -> None:
    """Refuse a write whose X-CSRF-Token header does not match the session's token."""
    if request.method not in WRITE_METHODS or not request.path.startswith("/api/"):
        return
    if request.endpoint in CSRF_EXEMPT_ENDPOINTS:
        return
    if not current_user.is_authenticated:
        return  # nothing to forge without a session; the route answers 401
    sent = request.headers.get("X-CSRF-Token", "")
    expected = session.get("csrf", "")
    if not sent or not expected or not hmac.compare_digest(sent, expected):
        raise Forbidden("Missing or invalid CSRF token", {"X-CSRF-Token": ["Invalid or missing."]})


def init_app(app: Flask) -> None:
    """Wire Flask-Login and the CSRF check into the app."""
    @login_manager.user_loader
    def load_user(token: str):
        # The cookie names a server-side session record; an ended or timed-out one reads as
        # signed out wherever the cookie is replayed.
        return sessions.resume(token, ip=request.remote_addr)

    @login_manager.unauthorized_handler
    def unauthorized():
        raise Unauthorized("Log in first")

    app.before_request(check_csrf)
