"""Login, logout and the current user."""

from flask import current_app, session
from flask_login import current_user, login_required, login_user, logout_user
from flask_smorest import Blueprint

from backend.auth import security, service
from backend.auth.schemas import LoginSchema, PasswordChangeSchema, SessionSchema
from backend.errors import Unauthorized
from backend.extensions import limiter

blp = Blueprint("auth", __name__, url_prefix="/api/v1/auth", description="Sessions")


def login_rate_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


@blp.post("/login")
@limiter.limit(login_rate_limit)
@blp.arguments(LoginSchema)
@blp.response(200, SessionSchema)
@blp.alt_response(401, description="Wrong username or password")
@blp.alt_response(429, description="Too many attempts")
def login(credentials):
    """Log in and receive the session cookie and CSRF token"""
    user = service.authenticate(**credentials)
    if user is None:
        raise Unauthorized("Wrong username or password")
    session.clear()  # a fresh session on login: no fixation
    login_user(user)
    return {"user": user, "csrf_token": security.new_csrf_token()}


@blp.get("/me")
@login_required
@blp.response(200, SessionSchema)
def me():
    """Return the logged-in user and the session's CSRF token"""
    return {"user": current_user, "csrf_token": security.csrf_token()}


@blp.post("/password")
@login_required
@limiter.limit(login_rate_limit)
@blp.arguments(PasswordChangeSchema)
@blp.response(200, SessionSchema)
def change_password(body):
    """Change one's password: every other session ends; this one continues"""
    user = current_user._get_current_object()
    service.change_password(user, **body)
    login_user(user)  # this session goes on under the new session version
    return {"user": user, "csrf_token": security.csrf_token()}


@blp.post("/logout")
@blp.response(204)
def logout():
    """End the session"""
    logout_user()
    session.clear()
