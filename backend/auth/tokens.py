"""Secrets handed to a user's device (session cookies, calendar-feed links): made here, and
kept on the server only as their digest, so a copy of the database opens no session."""

import hashlib
import secrets


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def digest(secret: str) -> str:
    """sha256 hex: the secret is random and long, so no salt or slow hash is needed."""
    return hashlib.sha256(secret.encode()).hexdigest()
