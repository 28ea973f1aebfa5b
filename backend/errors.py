"""Domain errors, and the one JSON error shape every 4xx/5xx answers with.

Shape (DESIGN §9): {"error": code, "message": text, "fields": {name: [problems]}}.
"""

import logging

from flask import Flask, jsonify
from marshmallow import Schema, fields
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)


class ErrorSchema(Schema):
    """The error shape, as the OpenAPI spec documents it for every operation."""

    error = fields.String(required=True, metadata={"description": "a stable code"})
    message = fields.String(required=True)
    fields_ = fields.Dict(data_key="fields", keys=fields.String(), values=fields.Raw(),
                          metadata={"description": "the fields at fault: a list of problems "
                                                   "each, nested the same way for items"})


class DomainError(Exception):
    """Base of the errors services raise; each maps to one HTTP status."""

    status = 400
    code = "bad_request"

    def __init__(self, message: str, fields: dict | None = None):
        super().__init__(message)
        self.message = message
        self.fields = fields or {}


class Invalid(DomainError):
    status = 422
    code = "invalid"


class Unauthorized(DomainError):
    status = 401
    code = "unauthorized"


class Forbidden(DomainError):
    status = 403
    code = "forbidden"


class NotFound(DomainError):
    status = 404
    code = "not_found"


class Conflict(DomainError):
    status = 409
    code = "conflict"


class Throttled(DomainError):
    """Too many failed attempts: the next one may come after `retry_after` seconds."""

    status = 429
    code = "rate_limited"

    def __init__(self, message: str, retry_after: int):
        super().__init__(message)
        self.retry_after = retry_after


class Unavailable(DomainError):
    status = 503
    code = "unavailable"


class Gone(DomainError):
    status = 410
    code = "gone"


CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    410: "gone",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "invalid",
    429: "rate_limited",
    500: "internal_error",
}


def error_body(status: int, message: str, fields: dict | None = None, code: str | None = None):
    """Build the JSON error response."""
    body = {"error": code or CODES.get(status, "error"), "message": message, "fields": fields or {}}
    return jsonify(body), status


def flatten_webargs_messages(messages) -> dict:
    """Turn webargs' {location: {field: [msg]}} into {field: [msg]}."""
    fields: dict[str, list] = {}
    if not isinstance(messages, dict):
        return {"_body": messages if isinstance(messages, list) else [str(messages)]}
    for location, problems in messages.items():
        if isinstance(problems, dict):
            for name, msgs in problems.items():
                fields.setdefault(name, []).extend(msgs if isinstance(msgs, list) else [msgs])
        else:
            fields.setdefault(f"_{location}", []).extend(
                problems if isinstance(problems, list) else [problems]
            )
    return fields


def register(app: Flask) -> None:
    """Map domain errors and HTTP errors to the JSON shape, replacing flask-smorest's handler."""

    @app.errorhandler(DomainError)
    def handle_domain(exc: DomainError):
        response, status = error_body(exc.status, exc.message, exc.fields, exc.code)
        if isinstance(exc, Throttled):
            response.headers["Retry-After"] = str(exc.retry_after)
        return response, status

    @app.errorhandler(HTTPException)
    def handle_http(exc: HTTPException):
        data = getattr(exc, "data", None) or {}
        fields = flatten_webargs_messages(data["messages"]) if "messages" in data else {}
        message = exc.description or exc.name
        if fields:
            message = "Some fields are invalid: " + ", ".join(sorted(fields))
        response, status = error_body(exc.code or 500, message, fields)
        for name, value in (data.get("headers") or {}).items():
            response.headers[name] = value
        if exc.code == 405 and hasattr(exc, "valid_methods") and exc.valid_methods:
            response.headers["Allow"] = ", ".join(exc.valid_methods)
        return response, status

    @app.errorhandler(Exception)
    def handle_unexpected(exc: Exception):
        log.exception("unhandled error")
        return error_body(500, "Internal server error")
