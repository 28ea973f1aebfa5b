"""Security headers on every response (DESIGN §8): what the browser may load and from where.

The PWA's scripts and styles are files served by this app, so the policy allows no
inline script or style element; Preact and uPlot set styles through the DOM, which a
policy does not govern. HSTS is sent when the app runs behind HTTPS (production).
"""

from flask import Flask, current_app

CONTENT_SECURITY_POLICY = "; ".join((
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data: blob:",
    "font-src 'self'",
    "connect-src 'self'",
    "manifest-src 'self'",
    "worker-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
))


def add_security_headers(response):
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    # The visit form records where a visit took place; nothing else needs the sensors.
    headers.setdefault("Permissions-Policy", "geolocation=(self), camera=(), microphone=()")
    seconds = current_app.config["HSTS_SECONDS"]
    if seconds:
        headers.setdefault("Strict-Transport-Security", f"max-age={seconds}; includeSubDomains")
    return response


def init_app(app: Flask) -> None:
    app.after_request(add_security_headers)
