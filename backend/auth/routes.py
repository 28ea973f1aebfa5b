"""Login, logout, the current user and the user's signed-in devices."""

from datetime import timedelta

from flask import after_this_request, current_app, request, session
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_required, login_user, logout_user
from flask_smorest import Blueprint

from backend.auth import logins, security, service, sessions
from backend.auth.schemas import (
    DeviceSessionListSchema,
    LoginSchema,
    PasswordChangeSchema,
    SessionSchema,
)
from backend.errors import NotFound, Unauthorized
from backend.extensions import db, limiter

blp = Blueprint("auth", __name__, url_prefix="/api/v1/auth", description="Sessions")


def login_rate_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def login_address_rate_limit() -> str:
    return current_app.config["LOGIN_ADDRESS_RATE_LIMIT"]


def login_key() -> str:
    """Throttle by username and address together: RMs behind one NAT address each count alone."""
    body = request.get_json(silent=True)
    name = body.get("username") if isinstance(body, dict) else None
    return f"{get_remote_address()}|{logins.normalise(name if isinstance(name, str) else '')}"


def user_key() -> str:
    return f"user:{current_user.id}"


def _remember_device(token: str) -> None:
    @after_this_request
    def set_cookie(response):
        config = current_app.config
        response.set_cookie(config["DEVICE_COOKIE_NAME"], token, path="/api/v1/auth",
                            max_age=int(timedelta(days=config["DEVICE_COOKIE_DAYS"])
                                        .total_seconds()),
                            secure=config["SESSION_COOKIE_SECURE"], httponly=True,
                            samesite="Strict")
        return response


@blp.post("/login")
@limiter.limit(login_address_rate_limit, key_func=get_remote_address)
@limiter.limit(login_rate_limit, key_func=login_key)
@blp.arguments(LoginSchema)
@blp.response(200, SessionSchema)
@blp.alt_response(401, description="Wrong username or password")
@blp.alt_response(429, description="Too many attempts: retry after Retry-After seconds")
def login(credentials):
    """Log in and receive the session cookie and CSRF token"""
    user, device_token = service.authenticate(
        **credentials, device_token=request.cookies.get(current_app.config["DEVICE_COOKIE_NAME"]),
        ip=request.remote_addr)
    if user is None:
        raise Unauthorized("Wrong username or password")
    session.clear()  # a fresh session on login: no fixation
    session.permanent = True  # the cookie outlives a closed browser, within the session's life
    sessions.start(user, user_agent=request.user_agent.string, ip=request.remote_addr)
    db.session.commit()
    login_user(user)
    _remember_device(device_token)
    return {"user": user, "csrf_token": security.new_csrf_token()}


@blp.get("/me")
@login_required
@blp.response(200, SessionSchema)
def me():
    """Return the logged-in user and the session's CSRF token"""
    return {"user": current_user, "csrf_token": security.csrf_token()}


@blp.post("/password")
@login_required
@limiter.limit(login_rate_limit, key_func=user_key)
@blp.arguments(PasswordChangeSchema)
@blp.response(200, SessionSchema)
def change_password(body):
    """Change one's password: every other session ends; this one continues"""
    service.change_password(current_user._get_current_object(), **body)
    return {"user": current_user, "csrf_token": security.csrf_token()}


@blp.get("/sessions")
@login_required
@blp.response(200, DeviceSessionListSchema)
def list_sessions():
    """List the devices signed in as me"""
    return {"items": sessions.list_open(current_user)}


@blp.delete("/sessions/<int:session_id>")
@login_required
@blp.response(204)
@blp.alt_response(404, description="No such session")
def end_session(session_id):
    """Sign one of my devices out"""
    user = current_user._get_current_object()
    if not sessions.end(user, session_id):
        raise NotFound("No such session")
    service.audit("auth.session_ended", user_id=user.id, object_type="auth_session",
                  object_id=session_id)
    db.session.commit()
    if session_id == user.auth_session_id:
        logout_user()
        session.clear()


@blp.post("/logout")
@blp.response(204)
def logout():
    """End the session"""
    if current_user.is_authenticated:
        sessions.end(current_user, current_user.auth_session_id, reason="logout")
        db.session.commit()
    logout_user()
    session.clear()
