"""Benchmark: `flask import transactions` of a 1,000,000-row CSV file.

Generates the file (into a temporary folder) for 2,000 accounts it creates, imports it
with backend.importer.service into a fresh SQLite database and prints rows/s and the
process's ru_maxrss. The floor, measured in the same run on a copy of the same fresh
database: the same file read with csv.reader and inserted with raw sqlite3 executemany,
in the same batches, with the same pragmas (WAL, synchronous=NORMAL, foreign keys on).
With --database-url the import also runs on a fresh database of that PostgreSQL server,
with its floor: psycopg executemany. Last, the import runs again into another fresh
SQLite database under tracemalloc, for its peak of Python allocations (numpy's included);
tracing makes it about 5x slower, so its time is not the one reported as rows/s.

    python bench/bench_import.py [--rows N] [--batch-size N] [--database-url URL] [--no-trace]
"""

import argparse
import csv
import resource
import shutil
import sqlite3
import sys
import time
import tracemalloc
from datetime import date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import machine, make_app, temporary_database  # noqa: E402

ACCOUNTS = 2_000
CHANNELS = ("branch", "mobile", "online", "atm", "pos", "transfer")
KINDS = ("deposit", "withdrawal", "payment", "transfer", "fee")


def build_accounts(app) -> None:
    """One RM, one product, 500 customers and ACCOUNTS accounts, inserted in bulk."""
    from sqlalchemy import insert

    from backend.auth.models import User
    from backend.customers.models import Account, Customer
    from backend.extensions import db
    from backend.products.models import Product

    with app.app_context():
        rm = User(username="rm1", password_hash="-", display_name="RM", role="rm")
        product = Product(code="CUR", name="活期", name_en="Current", family="deposit")
        db.session.add_all([rm, product])
        db.session.flush()
        customer_ids = list(db.session.scalars(insert(Customer).returning(Customer.id), [
            {"external_id": f"C{i:06d}", "name": f"企业{i}", "rm_id": rm.id} for i in range(500)]))
        db.session.execute(insert(Account), [
            {"external_id": f"A{i:07d}", "customer_id": customer_ids[i % 500],
             "product_id": product.id, "opened_on": date(2020, 1, 1)} for i in range(ACCOUNTS)])
        db.session.commit()
        db.engine.dispose()  # checkpoints the WAL so the file can be copied


def write_file(path: Path, rows: int) -> int:
    """Write `rows` transactions; return the file's size in bytes."""
    start = datetime(2024, 1, 1, 8, 0, 0)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["external_id", "account_external_id", "posted_at", "amount",
                         "channel", "kind", "customer_initiated", "description"])
        for i in range(rows):
            cents = (i * 7919) % 2_000_000 - 1_000_000
            writer.writerow([
                f"T{i:010d}", f"A{i % ACCOUNTS:07d}",
                (start + timedelta(seconds=37 * i)).isoformat(),
                f"{cents / 100:.2f}", CHANNELS[i % len(CHANNELS)], KINDS[i % len(KINDS)],
                "true" if i % 3 else "false", f"货款 {i % 977}" if i % 4 else ""])
    return path.stat().st_size


def run_import(app, path: Path, batch_size: int, traced: bool = False):
    """Import with the service; return the summary and, when traced, the tracemalloc peak."""
    from backend.importer import service as importer_service

    with app.app_context():
        if traced:
            tracemalloc.start()
        summary = importer_service.import_file("transactions", path, batch_size=batch_size,
                                               progress=sys.stderr.isatty())
        peak = tracemalloc.get_traced_memory()[1] if traced else None
        tracemalloc.stop()
    return summary, peak


def _floor_rows(path: Path, account_ids: dict[str, int], batch_size: int):
    """The file's rows as driver parameters, batch by batch: the least work an import does."""
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        next(reader)
        batch = []
        for ext, account, posted, amount, channel, kind, initiated, description in reader:
            batch.append((ext, account_ids[account], posted, amount, channel, kind,
                          initiated == "true", description or None))
            if len(batch) == batch_size:
                yield batch
                batch = []
        if batch:
            yield batch


def sqlite_floor(db_path: Path, path: Path, batch_size: int) -> float:
    """Insert the file's rows with sqlite3 executemany; return the seconds taken."""
    conn = sqlite3.connect(db_path)
    for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "foreign_keys=ON"):
        conn.execute(f"PRAGMA {pragma}")
    started = time.perf_counter()
    account_ids = dict(conn.execute("SELECT external_id, id FROM accounts"))
    sql = ("INSERT INTO transactions (external_id, account_id, posted_at, amount, channel, "
           "kind, customer_initiated, description) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
    for batch in _floor_rows(path, account_ids, batch_size):
        conn.executemany(sql, batch)
        conn.commit()
    seconds = time.perf_counter() - started
    count = conn.execute("SELECT count(*) FROM transactions").fetchone()[0]
    conn.close()
    assert count > 0
    return seconds


def postgres_floor(url: str, path: Path, batch_size: int) -> float:
    import psycopg

    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as conn:
        conn.execute("TRUNCATE transactions")
        conn.commit()
        started = time.perf_counter()
        account_ids = dict(conn.execute("SELECT external_id, id FROM accounts").fetchall())
        sql = ("INSERT INTO transactions (external_id, account_id, posted_at, amount, channel, "
               "kind, customer_initiated, description) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)")
        with conn.cursor() as cursor:
            for batch in _floor_rows(path, account_ids, batch_size):
                cursor.executemany(sql, batch)
                conn.commit()
        return time.perf_counter() - started


def maxrss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def report(label: str, summary, floor_seconds: float) -> None:
    rate = summary.read / summary.seconds
    floor_rate = summary.read / floor_seconds
    print(f"{label}: {summary.read:,} rows ({summary.created:,} created, "
          f"{summary.rejected} rejected) in {summary.seconds:.1f} s = {rate:,.0f} rows/s")
    print(f"  floor, raw driver executemany: {floor_seconds:.1f} s = {floor_rate:,.0f} rows/s; "
          f"import takes {summary.seconds / floor_seconds:.1f}x the floor")
    print(f"  ru_maxrss of the process so far: {maxrss_mib():.0f} MiB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--batch-size", type=int, default=2000)
    parser.add_argument("--database-url", help="also run on a fresh database of this server")
    parser.add_argument("--no-trace", action="store_true",
                        help="skip the tracemalloc run (it is about 5x slower)")
    args = parser.parse_args()

    print(f"machine: {machine()}")
    app, folder = make_app(None, "import")
    folders = [folder]
    try:
        csv_path = folder / "transactions.csv"
        started = time.perf_counter()
        size = write_file(csv_path, args.rows)
        print(f"generated {args.rows:,} rows, {size / 2**20:.0f} MiB, "
              f"in {time.perf_counter() - started:.1f} s")
        build_accounts(app)
        shutil.copyfile(folder / "bench.db", folder / "floor.db")
        print(f"ru_maxrss before the import: {maxrss_mib():.0f} MiB")

        summary, _ = run_import(app, csv_path, args.batch_size)
        floor = sqlite_floor(folder / "floor.db", csv_path, args.batch_size)
        report("SQLite import", summary, floor)

        if args.database_url:
            with temporary_database(args.database_url) as url:
                pg_app, pg_folder = make_app(url, "import-pg")
                folders.append(pg_folder)
                build_accounts(pg_app)
                summary, _ = run_import(pg_app, csv_path, args.batch_size)
                floor = postgres_floor(url, csv_path, args.batch_size)
                report("PostgreSQL import", summary, floor)
                from backend.extensions import db

                with pg_app.app_context():
                    db.engine.dispose()

        if not args.no_trace:
            # A second import, on a fresh SQLite database, with every allocation traced.
            traced_app, traced_folder = make_app(None, "import-traced")
            folders.append(traced_folder)
            build_accounts(traced_app)
            summary, peak = run_import(traced_app, csv_path, args.batch_size, traced=True)
            print(f"tracemalloc peak of the import (SQLite, traced run of {summary.seconds:.0f} s):"
                  f" {peak / 2**20:.1f} MiB = {peak / size:.2f}x the {size / 2**20:.0f} MiB "
                  f"file, {peak / summary.read:.0f} bytes per row")
    finally:
        for path in folders:
            shutil.rmtree(path, ignore_errors=True)


if __name__ == "__main__":
    main()
