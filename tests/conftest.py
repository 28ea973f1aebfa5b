"""Fixture chain: app (one database per run) -> client -> api (logged-in helper).

The database is SQLite in a temporary folder, or a fresh PostgreSQL database when
TEST_DATABASE_URL points at a server. The schema is built by the migrations, and
every table is emptied after each test.
"""

import contextvars
import os
import secrets
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient
from flask_migrate import upgrade

from backend import create_app
from backend.extensions import db, limiter
from backend.push import vapid
from config import TestConfig, database_url


def _make_postgres_database(server_url: str) -> tuple[str, callable]:
    """Create rm_test_<random> on the server; return its URL and a function dropping it."""
    name = f"rm_test_{secrets.token_hex(4)}"
    admin = sa.create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = sa.engine.make_url(server_url).set(database=name)

    def drop():
        with admin.connect() as conn:
            conn.execute(sa.text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"),
                {"n": name})
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()

    return url.render_as_string(hide_password=False), drop


@pytest.fixture(scope="session")
def database_uri(tmp_path_factory):
    server = os.environ.get("TEST_DATABASE_URL")
    if server:
        url, drop = _make_postgres_database(database_url(server))
        yield url
        drop()
    else:
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"


class IsolatedClient(FlaskClient):
    """Send each request from an empty context, as a real server would.

    Tests keep an app context pushed for their factories; without this, Flask would
    reuse it for requests, sharing g (the cached login) and the database session.
    """

    def open(self, *args, **kwargs):
        return contextvars.Context().run(super().open, *args, **kwargs)


@pytest.fixture(scope="session")
def app(database_uri, tmp_path_factory):
    class RunConfig(TestConfig):
        SQLALCHEMY_DATABASE_URI = database_uri
        DEMO_TRUTH_PATH = str(tmp_path_factory.mktemp("truth") / "demo_truth.csv")
        VAPID_FILE = str(tmp_path_factory.mktemp("vapid") / "vapid.json")

    vapid.save(Path(RunConfig.VAPID_FILE), vapid.generate(RunConfig.VAPID_SUBJECT))
    app = create_app(RunConfig)
    app.test_client_class = IsolatedClient
    with app.app_context():
        upgrade(directory=os.path.join(os.path.dirname(__file__), "..", "migrations"))
        _snapshot_reference_data()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


# Rows the migrations seed (the contact policy, the holiday calendar): every test starts with
# them as a fresh database has them.
REFERENCE_TABLES = ("contact_policies", "calendar_days")
_reference_rows: dict[str, list[dict]] = {}


def _snapshot_reference_data() -> None:
    with db.engine.connect() as conn:
        for name in REFERENCE_TABLES:
            table = db.metadata.tables[name]
            _reference_rows[name] = [dict(r._mapping) for r in conn.execute(sa.select(table))]


def empty_tables() -> None:
    """Empty every table but the migration-seeded reference rows (inside an app context)."""
    db.session.rollback()
    db.session.remove()
    tables = [t.name for t in reversed(db.metadata.sorted_tables)]
    with db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(sa.text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        else:
            for name in tables:
                conn.execute(sa.text(f"DELETE FROM {name}"))
        for name, rows in _reference_rows.items():
            if rows:
                conn.execute(sa.insert(db.metadata.tables[name]), rows)


@pytest.fixture(autouse=True)
def _clean_database(app):
    """Give every test empty tables and a fresh rate-limit budget."""
    ctx = app.app_context()
    ctx.push()
    yield
    empty_tables()
    limiter.reset()
    ctx.pop()


class ApiClient:
    """A test client that logs in for real and sends the CSRF token on writes."""

    def __init__(self, flask_client):
        self.http = flask_client
        self.csrf = None

    def login(self, username: str, password: str = "demo1234"):
        response = self.http.post("/api/v1/auth/login",
                                  json={"username": username, "password": password})
        self.csrf = response.get_json().get("csrf_token") if response.status_code == 200 else None
        return response

    def get(self, path, **kwargs):
        return self.http.get(path, **kwargs)

    def _write(self, method, path, **kwargs):
        headers = dict(kwargs.pop("headers", {}) or {})
        if self.csrf:
            headers.setdefault("X-CSRF-Token", self.csrf)
        return self.http.open(path, method=method, headers=headers, **kwargs)

    def post(self, path, **kwargs):
        return self._write("POST", path, **kwargs)

    def patch(self, path, **kwargs):
        return self._write("PATCH", path, **kwargs)

    def put(self, path, **kwargs):
        return self._write("PUT", path, **kwargs)

    def delete(self, path, **kwargs):
        return self._write("DELETE", path, **kwargs)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def api(app):
    """Make logged-in API clients: api('rm1') returns a client logged in as rm1."""

    def make(username: str | None = None, password: str = "demo1234") -> ApiClient:
        c = ApiClient(app.test_client())
        if username:
            response = c.login(username, password)
            assert response.status_code == 200, response.get_json()
        return c

    return make


@pytest.fixture
def api_once(api):
    """Like api, but one logged-in client per user and test (logins are rate-limited)."""
    clients = {}

    def make(username=None):
        if username is None:
            return api()
        if username not in clients:
            clients[username] = api(username)
        return clients[username]

    return make
