"""VAPID keys (RFC 8292): made by `flask push keys`, kept in instance/ or the environment.

The private key is the raw 32-byte P-256 scalar and the public key the uncompressed point,
both base64url: the form browsers (applicationServerKey) and py_vapid take as they are.
"""

import base64
import json
import os
import time
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from py_vapid import Vapid

JWT_LIFETIME_SECONDS = 12 * 3600  # push services refuse tokens valid for more than 24 h


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@dataclass(frozen=True)
class Keys:
    private_key: str
    public_key: str
    subject: str


def generate(subject: str) -> Keys:
    key = ec.generate_private_key(ec.SECP256R1())
    raw_private = key.private_numbers().private_value.to_bytes(32, "big")
    raw_public = key.public_key().public_bytes(serialization.Encoding.X962,
                                               serialization.PublicFormat.UncompressedPoint)
    return Keys(b64url(raw_private), b64url(raw_public), subject)


def load(config) -> Keys | None:
    """The keys from the environment (VAPID_*), else from VAPID_FILE; None when neither."""
    subject = config["VAPID_SUBJECT"]
    if config.get("VAPID_PRIVATE_KEY") and config.get("VAPID_PUBLIC_KEY"):
        return Keys(config["VAPID_PRIVATE_KEY"].strip(), config["VAPID_PUBLIC_KEY"].strip(),
                    subject)
    path = Path(config["VAPID_FILE"])
    if not path.exists():
        return None
    stored = json.loads(path.read_text())
    return Keys(stored["private_key"], stored["public_key"], subject)


def save(path: Path, keys: Keys) -> None:
    """Write the pair readable by its owner only."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as out:
        json.dump({"private_key": keys.private_key, "public_key": keys.public_key}, out)


class Signer:
    """VAPID Authorization headers, one signature per push service origin, reused until
    close to expiry (signing costs more than encrypting a message)."""

    def __init__(self, keys: Keys):
        self.vapid = Vapid.from_string(keys.private_key)
        self.subject = keys.subject
        self._cache: dict[str, tuple[float, dict]] = {}

    def headers(self, audience: str) -> dict:
        now = time.time()
        cached = self._cache.get(audience)
        if cached and cached[0] - now > 3600:
            return cached[1]
        expires = int(now) + JWT_LIFETIME_SECONDS
        headers = self.vapid.sign({"aud": audience, "exp": expires, "sub": self.subject})
        self._cache[audience] = (expires, headers)
        return headers
