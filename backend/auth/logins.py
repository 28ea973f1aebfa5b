"""Throttling of sign-in failures with device cookies (OWASP, "Slow Down Online Guessing
Attacks with Device Cookies").

- A browser that has signed in as a user gets a device cookie for that username (signed, with
  a random nonce). Later attempts from it are *trusted*: failures elsewhere never slow it down,
  so nobody who merely knows an RM's username can keep the RM out of the phone they use.
- A trusted device that fails LOGIN_FREE_FAILURES times within the window is treated as
  unknown until it signs in again (a stolen phone gets no more guesses than anyone).
- Unknown devices share one budget per username: after LOGIN_FREE_FAILURES failures within
  LOGIN_FAILURE_WINDOW_MINUTES each further attempt must wait, LOGIN_DELAY_SECONDS doubled per
  failure, up to the window. Nothing is ever hard-locked.
- Attempts are recorded by the username typed, whether or not it exists, so a name that does
  not exist is throttled exactly like one that does: the answers tell nobody who exists.
"""

import secrets
from datetime import datetime, timedelta

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import delete, func, insert, select

from backend.auth.models import LoginAttempt
from backend.extensions import db
from backend.models_base import utcnow

KEEP_ATTEMPTS = timedelta(days=1)


def normalise(username: str) -> str:
    return username.strip().casefold()[:64]


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="device-cookie")


def new_device_token(username: str, nonce: str | None = None) -> str:
    """A signed device-cookie value for `username` (a new nonce unless the device has one)."""
    return _serializer().dumps({"u": normalise(username), "n": nonce or secrets.token_hex(16)})


def device_nonce(token: str | None, username: str) -> str | None:
    """The nonce of a valid device cookie issued for this username, else None."""
    if not token or len(token) > 500:
        return None
    try:
        data = _serializer().loads(token)
    except BadSignature:
        return None
    if not isinstance(data, dict) or data.get("u") != normalise(username):
        return None
    nonce = data.get("n")
    return nonce if isinstance(nonce, str) and len(nonce) == 32 else None


def _window_start(now: datetime) -> datetime:
    return now - timedelta(minutes=current_app.config["LOGIN_FAILURE_WINDOW_MINUTES"])


def _failures(username: str, device: str | None, now: datetime) -> tuple[int, datetime | None]:
    """Failures of this device (None: of unknown devices) for the username since its last
    success within the window, and when the latest happened."""
    same_device = (LoginAttempt.device == device if device is not None
                   else LoginAttempt.device.is_(None))
    mine = (LoginAttempt.username == username, same_device,
            LoginAttempt.at > _window_start(now))
    last_success = select(func.max(LoginAttempt.at)).where(
        *mine, LoginAttempt.succeeded.is_(True)).scalar_subquery()
    count, latest = db.session.execute(select(func.count(), func.max(LoginAttempt.at)).where(
        *mine, LoginAttempt.succeeded.is_(False),
        LoginAttempt.at > func.coalesce(last_success, _window_start(now)))).one()
    return count or 0, latest


def trusted_device(token: str | None, username: str) -> str | None:
    """The device nonce when the cookie is valid for the username and not itself throttled."""
    nonce = device_nonce(token, username)
    if nonce is None:
        return None
    failures, _ = _failures(normalise(username), nonce, utcnow())
    return nonce if failures < current_app.config["LOGIN_FREE_FAILURES"] else None


def wait_seconds(username: str, device: str | None) -> int:
    """Seconds before the next attempt for this username from this device may be checked."""
    if device is not None:
        return 0  # a trusted device is never slowed down by others' failures
    now = utcnow()
    failures, latest = _failures(normalise(username), None, now)
    free = current_app.config["LOGIN_FREE_FAILURES"]
    if failures < free or latest is None:
        return 0
    window = timedelta(minutes=current_app.config["LOGIN_FAILURE_WINDOW_MINUTES"])
    doublings = min(failures - free, 20)  # the window caps the delay long before this
    delay = min(timedelta(seconds=current_app.config["LOGIN_DELAY_SECONDS"] * 2 ** doublings),
                window)
    remaining = (latest + delay - now).total_seconds()
    return max(0, int(remaining + 0.999))


def record(username: str, device: str | None, *, succeeded: bool, ip: str | None) -> None:
    """Remember an attempt (in the caller's transaction), dropping those nobody needs now."""
    now = utcnow()
    db.session.execute(delete(LoginAttempt).where(LoginAttempt.at < now - KEEP_ATTEMPTS))
    db.session.execute(insert(LoginAttempt), [{
        "at": now, "username": normalise(username), "device": device, "succeeded": succeeded,
        "ip": ip}])
