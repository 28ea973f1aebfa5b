"""Load test: 50 RMs' mornings for 3 minutes against gunicorn, on SQLite and PostgreSQL.

For each database (SQLite always; PostgreSQL when --database-url is given or the local
server answers): a fresh database with a demo bank of 50 RMs and the nightly pipeline
run, gunicorn serving it (GUNICORN_ARGS below: the worker settings docs/deploy.md
documents), and Locust running bench/load/locustfile.py headless: log in, Today, five
360 cards, three visits logged through sync, one offer presented. Prints p50/p95 per
endpoint, requests per second, and the errors; exits non-zero on any error.

The production limits apply (config.py's defaults: sign-in per username and address and
per address, sync per user), counted in Redis as a multi-process deployment must, and every
simulated RM comes from one address: a branch behind one NAT address, seen through one
trusted proxy hop (TRUSTED_PROXY_HOPS=1, X-Forwarded-For).

    python bench/bench_load.py [--users 50] [--seconds 180] [--customers 5000]
                               [--database-url postgresql://...] [--no-postgres]
"""

import argparse
import csv
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import machine, temporary_database  # noqa: E402

BIN = Path(sys.executable).parent
PG_SERVER = "postgresql://postgres@127.0.0.1:5432/test"
REDIS = "redis://127.0.0.1:6379/9"
BRANCH_ADDRESS = "10.8.0.1"  # only ever a header value: no traffic goes there
# 2 cores here: 3 workers of 4 threads each (I/O waits on the database overlap).
# Keep-alive longer than an RM's pause between requests (1-3 s): with gunicorn's default
# of 2 s the server closed idle connections just as the client reused them, and the first
# request after a pause failed with "connection reset" (the first run's errors).
GUNICORN_ARGS = ["--workers", "3", "--threads", "4", "--worker-class", "gthread",
                 "--timeout", "30", "--graceful-timeout", "10", "--keep-alive", "5"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def flask(env: dict, *args: str) -> None:
    subprocess.run([str(BIN / "flask"), *args], cwd=ROOT, env=env, check=True,
                   stdout=subprocess.DEVNULL)


def read_csv(path: str) -> list[dict]:
    with open(path, encoding="utf-8") as f:
        return list(csv.DictReader(f))


def postgres_reachable(url: str) -> bool:
    try:
        import psycopg

        psycopg.connect(url, connect_timeout=3).close()
        return True
    except Exception:
        return False


def run_one(label: str, database_url: str, args, folder: Path) -> bool:
    # development settings (plain HTTP cookies) but none of the limits is loosened
    env = {key: value for key, value in os.environ.items()
           if not key.endswith("RATE_LIMIT") and not key.startswith("LOGIN_")}
    env.update({"FLASK_APP": "wsgi", "DATABASE_URL": database_url,
                "RM_ENV": "development", "SCHEDULER_IN_PROCESS": "0",
                "REDIS_URL": args.redis_url, "TRUSTED_PROXY_HOPS": "1",
                "LOAD_CLIENT_ADDRESS": BRANCH_ADDRESS,
                "DEMO_TRUTH_PATH": str(folder / "truth.csv"),
                "VAPID_FILE": str(folder / "v.json")})
    _flush_limits(args.redis_url)
    start = time.perf_counter()
    flask(env, "db", "upgrade")
    flask(env, "demo", "load", "--customers", str(args.customers), "--rms", str(args.users))
    flask(env, "pipeline", "run")
    print(f"[{label}] bank of {args.customers:,} customers and {args.users} RMs, nightly "
          f"pipeline run: {time.perf_counter() - start:.0f} s", flush=True)
    port = free_port()
    log = (folder / f"gunicorn-{label}.log").open("w")
    server = subprocess.Popen([str(BIN / "gunicorn"), "wsgi:app", "--bind", f"127.0.0.1:{port}",
                               *GUNICORN_ARGS], cwd=ROOT, env=env,
                              stdout=subprocess.DEVNULL, stderr=log)
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/openapi.json", timeout=1)
                break
            except OSError:
                time.sleep(0.2)
        prefix = folder / label
        locust = subprocess.run(
            [str(BIN / "locust"), "-f", str(ROOT / "bench/load/locustfile.py"), "--headless",
             "--users", str(args.users), "--spawn-rate", "10", "--run-time", f"{args.seconds}s",
             "--host", f"http://127.0.0.1:{port}", "--csv", str(prefix), "--only-summary",
             "--loglevel", "WARNING"], cwd=ROOT, env=env, capture_output=True, text=True)
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()
    rows, failures = read_csv(f"{prefix}_stats.csv"), read_csv(f"{prefix}_failures.csv")
    from config import Config

    print(f"[{label}] gunicorn {' '.join(GUNICORN_ARGS)}; {args.users} users for "
          f"{args.seconds} s, all from {BRANCH_ADDRESS} (one trusted proxy hop); production "
          f"limits in Redis: login {Config.LOGIN_RATE_LIMIT} per username and address, "
          f"{Config.LOGIN_ADDRESS_RATE_LIMIT} per address, sync {Config.SYNC_RATE_LIMIT} "
          f"per user")
    print(f"  {'endpoint':38} {'requests':>8} {'errors':>6} {'p50 ms':>7} {'p95 ms':>7} "
          f"{'req/s':>7}")
    total = None
    for row in rows:
        line = (f"  {row['Type'] + ' ' + row['Name'] if row['Name'] != 'Aggregated' else 'all':38}"
                f" {row['Request Count']:>8} {row['Failure Count']:>6} "
                f"{row['50%']:>7} {row['95%']:>7} {float(row['Requests/s']):7.1f}")
        print(line)
        if row["Name"] == "Aggregated":
            total = row
    errors = int(total["Failure Count"]) if total else -1
    for failure in failures[:10]:
        print(f"  error: {failure['Method']} {failure['Name']}: {failure['Error']} "
              f"x{failure['Occurrences']}")
    ok = errors == 0 and locust.returncode == 0
    print(f"[{label}] {'OK: no errors' if ok else f'FAILED: {errors} errors'}; "
          f"{float(total['Requests/s']) if total else 0:.1f} requests/s overall", flush=True)
    if locust.returncode != 0:  # an exception in a simulated RM is not a request failure
        exceptions = Path(f"{prefix}_exceptions.csv")
        for row in (read_csv(str(exceptions)) if exceptions.exists() else [])[:5]:
            print(f"  exception x{row.get('Count')}: {row.get('Message')} at "
                  f"{(row.get('Traceback') or '').strip().splitlines()[-1:]}")
        print(locust.stderr[-2000:])
    return ok


def _flush_limits(url: str) -> None:
    """Each run starts with empty rate-limit counts (its own Redis database)."""
    import redis

    redis.Redis.from_url(url).flushdb()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=180)
    # the demo bank's size; LOAD_CUSTOMERS lets `make bench` on a small machine go faster
    parser.add_argument("--customers", type=int,
                        default=int(os.environ.get("LOAD_CUSTOMERS", 5000)))
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--redis-url", default=REDIS, help="rate-limit counts (a database "
                        "this run may empty)")
    args = parser.parse_args()
    print(f"machine: {machine()}")
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        results.append(run_one("sqlite", f"sqlite:///{folder / 'load.db'}", args, folder))
        server = args.database_url or (None if args.no_postgres else PG_SERVER)
        if server and postgres_reachable(server):
            with temporary_database(server) as url:
                results.append(run_one("postgresql", url, args, folder))
        else:
            print("[postgresql] not reachable: skipped")
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
