"""Serve the built PWA: hashed assets cached for a year, the shell and worker never cached."""

from pathlib import Path

from flask import Blueprint, current_app, request, send_from_directory
from werkzeug.exceptions import MethodNotAllowed
from werkzeug.exceptions import NotFound as HTTPNotFound
from werkzeug.routing import IntegerConverter

from backend.errors import NotFound

bp = Blueprint("web", __name__)

# Files whose name does not change between releases must be revalidated every time.
NO_CACHE = {"index.html", "sw.js", "manifest.webmanifest"}
YEAR = 365 * 24 * 3600


class RowId(IntegerConverter):
    """`<int:...>` in every route: ids fit the database's 32-bit integer columns, so a
    larger number is a 404 rather than an overflow inside the driver."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(map, *args, **kwargs)


def _dist() -> Path:
    return Path(current_app.config["PWA_DIST"])


def _send(path: str):
    response = send_from_directory(_dist(), path)
    if path.startswith("assets/"):
        response.headers["Cache-Control"] = f"public, max-age={YEAR}, immutable"
    elif path in NO_CACHE:
        response.headers["Cache-Control"] = "no-cache"
    else:
        response.headers["Cache-Control"] = "public, max-age=86400"
    if path == "sw.js":
        response.headers["Service-Worker-Allowed"] = "/"
    return response


@bp.get("/", defaults={"path": ""})
@bp.get("/<path:path>")
def app_shell(path: str):
    """Serve a built file, or index.html for a client-side route"""
    if path.startswith("api/"):
        # This catch-all answers GET everywhere; an API path that exists for other
        # methods is a 405, not a 404.
        adapter = current_app.url_map.bind_to_environ(request.environ)
        allowed = set(adapter.allowed_methods("/" + path)) - {"GET", "HEAD", "OPTIONS"}
        if allowed:
            raise MethodNotAllowed(valid_methods=sorted(allowed))
        raise NotFound("No such API route")
    if not (_dist() / "index.html").exists():
        raise NotFound("The app is not built: run `make run` (or `npm run build` in pwa/)")
    if path and (_dist() / path).is_file():
        return _send(path)
    if Path(path).suffix and not path.endswith(".html"):
        raise NotFound("No such file")
    try:
        return _send("index.html")
    except HTTPNotFound as exc:  # pragma: no cover - raced with a rebuild
        raise NotFound("The app is not built") from exc


def no_store_api(response):
    """Customer data must never sit in a browser or proxy cache."""
    if request.path.startswith("/api/"):
        response.headers["Cache-Control"] = "no-store"
    return response
