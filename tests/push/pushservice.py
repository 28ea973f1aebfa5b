"""A push service on 127.0.0.1 for tests and the benchmark, and a subscriber's keys.

It answers each POST with the next status queued for its path (default 201) and records
what it received; `decrypt` opens a message as the browser would (aes128gcm, http_ece).
"""

import base64
import json
import os
import threading
from collections import defaultdict, deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import http_ece
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, utils


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass
class Subscriber:
    """A browser's side of a subscription: its key pair and auth secret."""

    endpoint: str
    private_key: ec.EllipticCurvePrivateKey = field(
        default_factory=lambda: ec.generate_private_key(ec.SECP256R1()))
    auth: bytes = field(default_factory=lambda: os.urandom(16))

    @property
    def keys(self) -> dict:
        public = self.private_key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
        return {"p256dh": b64url(public), "auth": b64url(self.auth)}

    def decrypt(self, body: bytes) -> dict:
        clear = http_ece.decrypt(body, private_key=self.private_key, auth_secret=self.auth,
                                 version="aes128gcm")
        return json.loads(clear)


@dataclass
class Received:
    path: str
    headers: dict
    body: bytes


class PushService:
    def __init__(self):
        self.received: list[Received] = []
        self.answers: dict[str, deque] = defaultdict(deque)  # path -> [(status, headers)]
        self._lock = threading.Lock()
        service = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as real push services do

            def do_POST(self):  # noqa: N802 - the http.server API
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with service._lock:
                    service.received.append(Received(
                        self.path, {k.lower(): v for k, v in self.headers.items()}, body))
                    queued = service.answers[self.path]
                    status, headers = queued.popleft() if queued else (201, {})
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.origin = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> "PushService":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()

    def subscriber(self, name: str) -> Subscriber:
        return Subscriber(f"{self.origin}/push/{name}")

    def answer(self, subscriber: Subscriber, status: int, **headers) -> None:
        self.answers["/" + subscriber.endpoint.split("/", 3)[3]].append((status, headers))

    def to(self, subscriber: Subscriber) -> list[Received]:
        path = "/" + subscriber.endpoint.split("/", 3)[3]
        return [r for r in self.received if r.path == path]


def vapid_claims(authorization: str, public_key_b64: str) -> dict:
    """Check a `vapid t=<jwt>,k=<key>` header's ES256 signature; return the JWT's claims."""
    scheme, _, params = authorization.partition(" ")
    assert scheme == "vapid"
    fields = dict(part.split("=", 1) for part in params.split(","))
    assert fields["k"] == public_key_b64
    header, claims, signature = fields["t"].split(".")
    raw = unb64url(signature)
    der = utils.encode_dss_signature(int.from_bytes(raw[:32], "big"),
                                     int.from_bytes(raw[32:], "big"))
    key = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), unb64url(fields["k"]))
    key.verify(der, f"{header}.{claims}".encode(), ec.ECDSA(hashes.SHA256()))  # raises if bad
    assert json.loads(unb64url(header))["alg"] == "ES256"
    return json.loads(unb64url(claims))
