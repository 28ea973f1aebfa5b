"""Shared helpers for the benchmarks: a throwaway database, an app on it, percentiles."""

import os
import platform
import secrets
import statistics
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

from flask_migrate import upgrade

ROOT = Path(__file__).resolve().parent.parent


def make_app(database_url: str | None, label: str):
    """Create an app on a fresh database (a temporary SQLite file unless a URL is given)."""
    from backend import create_app
    from config import DevConfig
    from config import database_url as normalise

    folder = Path(tempfile.mkdtemp(prefix=f"rm-bench-{label}-"))
    uri = normalise(database_url) if database_url else f"sqlite:///{folder / 'bench.db'}"

    class BenchConfig(DevConfig):
        SQLALCHEMY_DATABASE_URI = uri
        DEMO_TRUTH_PATH = str(folder / "truth.csv")
        LOGIN_RATE_LIMIT = "100000 per minute"

    app = create_app(BenchConfig)
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
    return app, folder


def percentile(samples: list[float], q: float) -> float:
    """Return the q-th percentile (0-100) of the samples, by the nearest-rank method."""
    ordered = sorted(samples)
    k = max(0, min(len(ordered) - 1, round(q / 100 * len(ordered) + 0.5) - 1))
    return ordered[k]


@contextmanager
def timed():
    """Yield a dict whose 'seconds' is filled when the block ends."""
    out = {}
    start = time.perf_counter()
    yield out
    out["seconds"] = time.perf_counter() - start


def machine() -> str:
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return (f"{platform.machine()}, {os.cpu_count()} cores, {mem:.0f} GiB, "
            f"Python {platform.python_version()}")


def summary(samples_ms: list[float]) -> str:
    return (f"p50 {percentile(samples_ms, 50):7.2f} ms  p95 {percentile(samples_ms, 95):7.2f} ms  "
            f"mean {statistics.fmean(samples_ms):7.2f} ms")


@contextmanager
def temporary_database(server_url: str | None):
    """Yield the URL of a new rm_bench_<random> database on the server, dropped afterwards.

    With no server, yield None: the caller uses a temporary SQLite file.
    """
    if not server_url:
        yield None
        return
    import psycopg
    from sqlalchemy.engine import make_url

    from config import database_url

    url = make_url(database_url(server_url))
    admin_dsn = url.set(drivername="postgresql").render_as_string(hide_password=False)
    name = f"rm_bench_{secrets.token_hex(4)}"
    with psycopg.connect(admin_dsn, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(admin_dsn, autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                          "WHERE datname = %s AND pid <> pg_backend_pid()", (name,))
            admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
