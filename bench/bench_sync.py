"""Benchmark: the offline sync, POST /api/v1/sync (DESIGN §7).

1. Drain, on the real server: `flask run` (tests/e2e/server.py) on a small SQLite demo bank
   (300 customers, 3 months) in a temporary folder. Logs in as rm1 over HTTP, builds 1,000
   interaction writes for rm1's customers as a device's outbox would (each its own uuid4
   client id) and drains them over loopback the way the PWA does: batches of 50 POSTed to
   /api/v1/sync, one after the other. Then resends all 1,000 (every answer must be
   `duplicate`), and checks in the server's SQLite file that it holds exactly 1,000
   interactions (and ledger rows) with those client ids.
2. Ingest rate against a floor, in process, on a fresh database (SQLite, or a fresh
   rm_bench_<random> database on the PostgreSQL server of --database-url, dropped at the
   end): backend.sync.process() on batches of 100 writes, and the floor measured in
   the same run on the same database: the same interactions rows and sync_writes ledger rows
   (same values) inserted with plain SQL through the same driver (engine.raw_connection(),
   executemany, one transaction per batch). The floor's values are parsed beforehand; its
   timing includes the driver conversions, reading back the new ids and the commit.
   Batches alternate (real, floor, real, ...) after one untimed warm-up batch of each.
   A last, untimed, instrumented batch tells where the real path's time goes.

3. The outbox in the browser (docs/sync.md, "When the outbox sends"): the built PWA in
   headless Chromium on its own `flask run` (SQLite, 60 customers). (a) Visits logged with
   the device offline for 30 s: the POSTs the page and its service worker sent meanwhile
   (target 0). (b) The server killed (SIGKILL) while visits are logged, back after 45, 50
   and 55 s: the time from its return (it answers again) to an empty outbox, target <= 15 s.
   The floor, measured in the same run: visits queued offline, then the device comes back
   online, which the page hears at once: the time from then to an empty outbox.

The server part always runs on SQLite (flask run on a temporary file).

    python bench/bench_sync.py [--database-url postgresql://user@host:5432/any_db]
                               [--skip-drain] [--skip-browser]
"""

import argparse
import json
import random
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
import urllib.request
import uuid
from collections import Counter
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import machine, make_app, percentile, temporary_database  # noqa: E402

BANK_TZ = ZoneInfo("Asia/Shanghai")  # the demo bank's devices send +08:00 times
CHANNELS = ("visit", "visit", "call", "call", "video", "message")
OUTCOMES = ("reached", "interested", "follow_up", "sale", "not_reached", "declined", "info")
PRODUCTS = ("WCL", "TD", "POS", "CMS", "BCARD", "INST")
NOTES = ("店里生意不错，想了解流动资金贷款", "客户要求下周再约，带上贷款方案",
         "Met the owner at the shop; asked about POS fees and a card for the staff.",
         "电话未接通，已发短信", "续贷材料已收齐，等待审批")
INTERACTION_COLUMNS = ("client_id", "version", "replaces_id", "body_hash", "rm_id",
                       "customer_id", "plan_entry_id", "channel", "started_at",
                       "duration_minutes", "objective", "outcome", "products_discussed",
                       "follow_up_on", "follow_up_objective", "notes", "location",
                       "sales_amount", "created_at")
LEDGER_COLUMNS = ("client_id", "kind", "user_id", "body_hash", "body", "base_version",
                  "result", "created_at")


# --------------------------------------------------------------------------- the outbox


def outbox(customer_ids: list[int], n: int, rng: random.Random) -> list[dict]:
    """n interaction writes as a device queues them: a visit or call log, each its own uuid4."""
    now = datetime.now(UTC)
    writes = []
    for i in range(n):
        outcome = OUTCOMES[i % len(OUTCOMES)]
        started = (now - timedelta(days=rng.randint(0, 20), minutes=rng.randint(0, 600))) \
            .astimezone(UTC).replace(microsecond=0)
        local = started.astimezone(BANK_TZ)
        products = []
        if outcome in ("interested", "sale", "declined"):
            code = rng.choice(PRODUCTS)
            answer = {"interested": "interested", "sale": "accepted",
                      "declined": "declined"}[outcome]
            products.append({"product_code": code, "answer": answer,
                             **({"reason": "利率偏高"} if answer == "declined" else {})})
        body = {
            "customer_id": customer_ids[i % len(customer_ids)],
            "channel": rng.choice(CHANNELS), "started_at": local.isoformat(),
            "outcome": outcome, "notes": rng.choice(NOTES),
            "objective": "季度回访" if i % 3 else None,
            "duration_minutes": rng.randint(5, 90), "products_discussed": products,
            "follow_up_on": (local.date() + timedelta(days=7)).isoformat()
            if outcome == "follow_up" else None,
            "follow_up_objective": "带贷款方案再访" if outcome == "follow_up" else None,
            "location": {"lat": round(31.2 + rng.random() / 10, 6),
                         "lng": round(121.4 + rng.random() / 10, 6), "accuracy": 12.0}
            if i % 2 else None,
            "sales_amount": f"{rng.randint(1, 500) * 1000}.00" if outcome == "sale" else None,
        }
        writes.append({"client_id": str(uuid.uuid4()), "kind": "interaction", "body": body})
    return writes


# --------------------------------------------------------------------------- 1. the drain


class Http:
    """A logged-in session over HTTP: cookie jar, and the CSRF token sent on every POST."""

    def __init__(self, base_url: str):
        self.base_url = base_url
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor())
        self.csrf = None

    def call(self, method: str, path: str, body=None):
        data = None if body is None else json.dumps(body).encode()
        headers = {"Accept": "application/json"}
        if data is not None:
            headers["Content-Type"] = "application/json"
        if method != "GET" and self.csrf:
            headers["X-CSRF-Token"] = self.csrf
        request = urllib.request.Request(f"{self.base_url}/api/v1{path}", data=data,
                                         headers=headers, method=method)
        with self.opener.open(request, timeout=120) as response:
            return json.load(response)

    def login(self, username: str) -> dict:
        session = self.call("POST", "/auth/login", {"username": username, "password": "demo1234"})
        self.csrf = session["csrf_token"]
        return session["user"]


def drain(http: Http, writes: list[dict], batch: int) -> tuple[float, list[float], list[dict]]:
    """POST the writes in batches, sequentially, as the PWA drains its outbox."""
    results, batch_ms = [], []
    started = time.perf_counter()
    for i in range(0, len(writes), batch):
        t0 = time.perf_counter()
        answer = http.call("POST", "/sync", {"writes": writes[i:i + batch]})
        batch_ms.append((time.perf_counter() - t0) * 1000)
        results.extend(answer["results"])
    return time.perf_counter() - started, batch_ms, results


def stored_counts(db_path: Path, client_ids: list[str]) -> dict:
    """Count, in the server's SQLite file, the rows carrying these client ids."""
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        counts = Counter()
        for i in range(0, len(client_ids), 500):
            chunk = client_ids[i:i + 500]
            marks = ",".join("?" * len(chunk))
            for table in ("interactions", "sync_writes"):
                counts[table] += conn.execute(
                    f"SELECT count(DISTINCT client_id) FROM {table} WHERE client_id IN ({marks})",
                    chunk).fetchone()[0]
                counts[f"{table}_rows"] += conn.execute(
                    f"SELECT count(*) FROM {table} WHERE client_id IN ({marks})",
                    chunk).fetchone()[0]
        for table in ("interactions", "surveys", "outbound_messages"):
            counts[f"total_{table}"] = conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
        return dict(counts)
    finally:
        conn.close()


def run_drain(args) -> None:
    from tests.e2e.server import serve

    folder = Path(tempfile.mkdtemp(prefix="rm-bench-sync-drain-"))
    try:
        started = time.perf_counter()
        with serve(folder, customers=args.customers, months=args.months) as url:
            print(f"server: flask run at {url}, SQLite {folder / 'e2e.db'}, demo bank "
                  f"{args.customers} customers / {args.months} months, ready in "
                  f"{time.perf_counter() - started:.1f} s")
            http = Http(url)
            user = http.login("rm1")
            customers, page = [], 1
            while True:
                answer = http.call("GET", f"/customers?per_page=200&page={page}")
                customers += [c["id"] for c in answer["items"]]
                if page * answer["per_page"] >= answer["total"]:
                    break
                page += 1
            writes = outbox(customers, args.writes, random.Random(7))
            before = stored_counts(folder / "e2e.db", [])
            print(f"rm1 ({user['display_name']}): {len(customers)} customers; outbox of "
                  f"{len(writes):,} interaction writes, batches of {args.batch}, sequential")

            seconds, batch_ms, results = drain(http, writes, args.batch)
            statuses = Counter(r["status"] for r in results)
            assert statuses == {"created": len(writes)}, statuses
            assert [r["client_id"] for r in results] == [w["client_id"] for w in writes]
            print(f"drain    {len(writes):,} writes in {seconds:6.2f} s = "
                  f"{len(writes) / seconds:7.0f} writes/s  (per POST of {args.batch}: "
                  f"p50 {percentile(batch_ms, 50):.0f} ms, p95 {percentile(batch_ms, 95):.0f} ms)")

            again_s, again_ms, again = drain(http, writes, args.batch)
            statuses = Counter(r["status"] for r in again)
            assert statuses == {"duplicate": len(writes)}, statuses
            assert [(r["id"], r["version"]) for r in again] == \
                [(r["id"], r["version"]) for r in results], "a duplicate answered differently"
            print(f"resend   {len(writes):,} writes in {again_s:6.2f} s = "
                  f"{len(writes) / again_s:7.0f} writes/s  (per POST: p50 "
                  f"{percentile(again_ms, 50):.0f} ms)  all {len(writes):,} answered duplicate")

            client_ids = [w["client_id"] for w in writes]
            after = stored_counts(folder / "e2e.db", client_ids)
            added = after["total_interactions"] - before["total_interactions"]
            ok = (after["interactions"] == after["interactions_rows"] == len(writes)
                  and after["sync_writes"] == after["sync_writes_rows"] == len(writes)
                  and added == len(writes))
            print(f"server's SQLite file (sqlite3): {after['interactions_rows']:,} interactions "
                  f"and {after['sync_writes_rows']:,} ledger rows with those client ids, "
                  f"{added:,} interactions added in all; surveys "
                  f"{before['total_surveys']} -> {after['total_surveys']}  "
                  f"{'OK' if ok else 'MISMATCH'}")
            assert ok, after
    finally:
        shutil.rmtree(folder, ignore_errors=True)


# --------------------------------------------------------------------------- 2. ingest


def fingerprint(write: dict) -> str:
    from backend.sync import fingerprint as real

    return real(write["kind"], write["body"], write.get("base_version"))


def parsed_rows(writes: list[dict], rm_id: int) -> list[tuple[dict, dict]]:
    """The interactions and sync_writes rows process() stores for these writes (ids aside)."""
    from backend.visits.schemas import InteractionWriteSchema

    schema = InteractionWriteSchema()
    rows = []
    for write in writes:
        body = schema.load(write["body"])
        now = datetime.now(UTC).replace(tzinfo=None)
        interaction = {
            "client_id": write["client_id"], "version": 1, "replaces_id": None,
            "body_hash": None, "rm_id": rm_id, "customer_id": body["customer_id"],
            "plan_entry_id": None, "channel": body["channel"],
            "started_at": body["started_at"].astimezone(UTC).replace(tzinfo=None),
            "duration_minutes": body["duration_minutes"], "objective": body["objective"],
            "outcome": body["outcome"], "products_discussed": body["products_discussed"],
            "follow_up_on": body["follow_up_on"],
            "follow_up_objective": body["follow_up_objective"], "notes": body["notes"],
            "location": body["location"], "sales_amount": body["sales_amount"],
            "created_at": now}
        ledger = {"client_id": write["client_id"], "kind": "interaction", "user_id": rm_id,
                  "body_hash": fingerprint(write), "body": write["body"], "base_version": None,
                  "result": None, "created_at": now}
        rows.append((interaction, ledger))
    return rows


class Floor:
    """Plain SQL through the engine's own driver: executemany, one transaction per batch."""

    def __init__(self, engine, tables):
        dialect = engine.dialect
        self.raw = engine.raw_connection()
        mark = "%s" if dialect.name == "postgresql" else "?"
        self.mark = mark
        interactions, ledger = tables

        def processors(table, names):
            out = []
            for name in names:
                column = table.c[name]
                out.append(column.type.dialect_impl(dialect).bind_processor(dialect))
            return out

        self.i_proc = processors(interactions, INTERACTION_COLUMNS)
        self.l_proc = processors(ledger, LEDGER_COLUMNS)
        self.i_sql = (f"INSERT INTO interactions ({', '.join(INTERACTION_COLUMNS)}) "
                      f"VALUES ({', '.join([mark] * len(INTERACTION_COLUMNS))})")
        self.l_sql = (f"INSERT INTO sync_writes ({', '.join(LEDGER_COLUMNS)}) "
                      f"VALUES ({', '.join([mark] * len(LEDGER_COLUMNS))})")

    @staticmethod
    def _values(row: dict, names, procs) -> tuple:
        return tuple(p(row[n]) if p else row[n] for n, p in zip(names, procs, strict=True))

    def insert(self, rows: list[tuple[dict, dict]]) -> None:
        cursor = self.raw.cursor()
        cursor.executemany(self.i_sql, [self._values(i, INTERACTION_COLUMNS, self.i_proc)
                                        for i, _ in rows])
        client_ids = [i["client_id"] for i, _ in rows]
        cursor.execute(f"SELECT client_id, id FROM interactions WHERE client_id IN "
                       f"({', '.join([self.mark] * len(client_ids))})", client_ids)
        ids = dict(cursor.fetchall())
        ledger = []
        for interaction, row in rows:
            row = {**row, "result": {"id": ids[interaction["client_id"]], "version": 1}}
            ledger.append(self._values(row, LEDGER_COLUMNS, self.l_proc))
        cursor.executemany(self.l_sql, ledger)
        self.raw.commit()
        cursor.close()

    def close(self) -> None:
        self.raw.close()


@contextmanager
def instrumented(engine):
    """Count statements and time the driver's execute and commit calls."""
    from sqlalchemy import event

    stats = {"execute_s": 0.0, "commit_s": 0.0, "statements": Counter(), "commits": 0}
    starts = []

    def before(conn, cursor, statement, parameters, context, executemany):
        starts.append(time.perf_counter())

    def after(conn, cursor, statement, parameters, context, executemany):
        stats["execute_s"] += time.perf_counter() - starts.pop()
        words = statement.split()
        verb = words[0].upper()
        table = next((words[k + 1] for k, w in enumerate(words[:-1])
                      if w.upper() in ("FROM", "INTO", "UPDATE")), "?")
        stats["statements"][f"{verb} {table.strip(chr(34))}"] += 1

    dialect = engine.dialect
    do_commit = dialect.do_commit

    def timed_commit(dbapi_connection):
        t0 = time.perf_counter()
        do_commit(dbapi_connection)
        stats["commit_s"] += time.perf_counter() - t0
        stats["commits"] += 1

    event.listen(engine, "before_cursor_execute", before)
    event.listen(engine, "after_cursor_execute", after)
    dialect.do_commit = timed_commit
    try:
        yield stats
    finally:
        event.remove(engine, "before_cursor_execute", before)
        event.remove(engine, "after_cursor_execute", after)
        del dialect.do_commit


def run_ingest(args) -> None:
    from sqlalchemy import func, select
    from sqlalchemy.engine import make_url

    from backend import demo
    from backend.auth.models import User
    from backend.customers.models import Customer
    from backend.extensions import db
    from backend.sync import SyncWrite
    from backend.visits import service as visits_service
    from backend.visits.models import Interaction, Survey

    with temporary_database(args.database_url) as url:
        pg_name = make_url(url).database if url else None
        app, folder = make_app(url, "sync")
        try:
            with app.app_context():
                started = time.perf_counter()
                demo.load(customers=args.customers, months=args.months, rms=5, seed=7,
                          progress=False)
                dialect = db.engine.dialect.name
                where = f"PostgreSQL database {pg_name} (dropped at the end)" if pg_name \
                    else "SQLite temporary file"
                print(f"ingest database: {dialect} ({where}); demo bank {args.customers} "
                      f"customers / {args.months} months loaded in "
                      f"{time.perf_counter() - started:.1f} s")
                rm1 = db.session.scalar(select(User).where(User.username == "rm1"))
                rm_id = rm1.id
                customers = list(db.session.scalars(
                    select(Customer.id).where(Customer.rm_id == rm_id).order_by(Customer.id)))
                rng = random.Random(11)
                n, size = args.ingest_batches, args.ingest_size
                real_batches = [outbox(customers, size, rng) for _ in range(n + 2)]
                floor_batches = [outbox(customers, size, rng) for _ in range(n + 1)]
                floor_rows = [parsed_rows(b, rm_id) for b in floor_batches]
                surveys_before = db.session.scalar(select(func.count(Survey.id)))

                floor = Floor(db.engine, (Interaction.__table__, SyncWrite.__table__))

                def real(batch):
                    results = visits_service.sync_writes(user=rm1, writes=batch)
                    assert all(r["status"] == "created" for r in results), results[:3]

                real(real_batches[0])  # warm-up, untimed
                floor.insert(floor_rows[0])
                real_s, floor_s = [], []
                for i in range(1, n + 1):
                    t0 = time.perf_counter()
                    real(real_batches[i])
                    real_s.append(time.perf_counter() - t0)
                    t0 = time.perf_counter()
                    floor.insert(floor_rows[i])
                    floor_s.append(time.perf_counter() - t0)
                floor.close()

                with instrumented(db.engine) as stats:
                    t0 = time.perf_counter()
                    real(real_batches[n + 1])
                    traced_s = time.perf_counter() - t0
                db.session.remove()

                stored = db.session.scalar(select(func.count(Interaction.id)).where(
                    Interaction.client_id.in_(
                        [w["client_id"] for b in real_batches + floor_batches for w in b])))
                ledger = db.session.scalar(select(func.count(SyncWrite.id)))
                surveys = db.session.scalar(select(func.count(Survey.id))) - surveys_before
                writes = n * size
                expected = (n + 2) * size + (n + 1) * size
                assert stored == ledger == expected, (stored, ledger, expected)
        finally:
            with app.app_context():
                db.session.remove()
                db.engine.dispose()
            shutil.rmtree(folder, ignore_errors=True)

    real_rate = writes / sum(real_s)
    floor_rate = writes / sum(floor_s)
    print(f"sync.process()  {n} batches x {size}: {sum(real_s):6.3f} s = {real_rate:7.0f} writes/s"
          f"  (per batch p50 {statistics.median(real_s) * 1000:.0f} ms, "
          f"max {max(real_s) * 1000:.0f} ms)")
    print(f"floor (raw SQL)  {n} batches x {size}: {sum(floor_s):6.3f} s = "
          f"{floor_rate:7.0f} writes/s  (per batch p50 {statistics.median(floor_s) * 1000:.1f} ms)")
    print(f"ratio: sync.process() takes {floor_rate / real_rate:.1f}x the floor's time per write")
    per_write = traced_s / size * 1000
    other = traced_s - stats["execute_s"] - stats["commit_s"]
    print(f"where the time goes (one more batch of {size}, instrumented, "
          f"{per_write:.2f} ms/write): driver execute {stats['execute_s'] / traced_s:.0%}, "
          f"commit {stats['commit_s'] / traced_s:.0%} ({stats['commits'] / size:.1f}/write), "
          f"Python (ORM, marshmallow, hashing, sampler) {other / traced_s:.0%}")
    verbs = ", ".join(f"{k} {v / size:.2f}" for k, v in stats["statements"].most_common())
    print(f"  SQL statements per write: {sum(stats['statements'].values()) / size:.2f} "
          f"({verbs})")
    print(f"  surveys sampled by the real path during this part: {surveys} "
          f"(SURVEY_SAMPLE_RATE {app.config['SURVEY_SAMPLE_RATE']}, one per customer per "
          f"{app.config['SURVEY_MIN_DAYS']} days)")


# --------------------------------------------------------------------------- 3. the browser

AWAY_SECONDS = (45, 50, 55)
OFFLINE_SECONDS = 30
BACK_TARGET_S = 15


def _unsent(page) -> int:
    return int(page.get_by_test_id("sync-chip").get_attribute("data-count") or 0)


def _until_empty(page, started: float, limit_s: float = 120) -> float:
    while _unsent(page) > 0:
        if time.monotonic() - started > limit_s:
            raise AssertionError(f"the outbox still holds {_unsent(page)} after {limit_s} s")
        page.wait_for_timeout(100)
    return time.monotonic() - started


def run_browser(args) -> None:
    from playwright.sync_api import sync_playwright

    from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, PHONE, login
    from tests.e2e.server import LiveServer
    from tests.e2e.test_visits import log_visit, open_first_card_of_today

    folder = Path(tempfile.mkdtemp(prefix="rm-bench-outbox-"))
    server = LiveServer(folder)
    try:
        server.load(customers=60, months=2)
        server.start()
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS,
                                                 headless=True)
            context = browser.new_context(base_url=server.url, viewport=PHONE, locale="zh-CN",
                                          service_workers="allow")
            page = context.new_page()
            login(page)
            customer_id = open_first_card_of_today(page)
            posts = []
            context.on("request", lambda r: posts.append(r.url)
                       if r.url.endswith("/api/v1/sync") else None)

            context.set_offline(True)
            for i in range(3):
                log_visit(page, customer_id, f"bench offline {i}")
            page.wait_for_timeout(OFFLINE_SECONDS * 1000)
            offline_posts = len(posts)
            context.set_offline(False)
            floor_s = _until_empty(page, time.monotonic())
            print(f"offline {OFFLINE_SECONDS} s with 3 visits logged: {offline_posts} sync POSTs "
                  f"sent (target 0)  {'OK' if offline_posts == 0 else 'MISSED'}")
            print(f"floor: back online to an empty outbox in {floor_s:.1f} s (the page hears "
                  f"the 'online' event at once)")

            back_s = []
            for away in AWAY_SECONDS:
                server.kill()
                for i in range(2):
                    log_visit(page, customer_id, f"bench server away {away} s, {i}")
                page.wait_for_timeout(away * 1000)
                server.start()  # returns once the server answers
                back_s.append(_until_empty(page, time.monotonic()))
            worst = max(back_s)
            print("server killed and back after " + ", ".join(
                f"{a} s: empty {b:.1f} s later" for a, b in zip(AWAY_SECONDS, back_s,
                                                                   strict=True)))
            print(f"server return to an empty outbox: worst {worst:.1f} s, median "
                  f"{statistics.median(back_s):.1f} s  target <= {BACK_TARGET_S} s  "
                  f"{'OK' if worst <= BACK_TARGET_S else 'MISSED'}  (floor {floor_s:.1f} s, "
                  f"ratio {worst / max(floor_s, 0.001):.1f}x)")
            stored = OtherNotes(server.url).count_prefix(customer_id, "bench ")
            expected = 3 + 2 * len(AWAY_SECONDS)
            print(f"stored on the server: {stored} of {expected} visits, each once  "
                  f"{'OK' if stored == expected else 'MISSED'}")
            browser.close()
    finally:
        server.stop()
        shutil.rmtree(folder, ignore_errors=True)


class OtherNotes:
    """The server's view of the customer's contacts, read over HTTP as rm1."""

    def __init__(self, base_url: str):
        from tests.e2e.conftest import OtherDevice

        self.device = OtherDevice(base_url, "rm1")

    def count_prefix(self, customer_id: int, prefix: str) -> int:
        card = self.device.call("GET", f"/customers/{customer_id}")
        return sum(1 for i in card["interactions"] if (i["notes"] or "").startswith(prefix))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url",
                        help="PostgreSQL server for the ingest part (a fresh rm_bench_<random> "
                             "database is created on it and dropped); default SQLite")
    parser.add_argument("--customers", type=int, default=300)
    parser.add_argument("--months", type=int, default=3)
    parser.add_argument("--writes", type=int, default=1_000)
    parser.add_argument("--batch", type=int, default=50, help="writes per POST in the drain")
    parser.add_argument("--ingest-batches", type=int, default=10)
    parser.add_argument("--ingest-size", type=int, default=100)
    parser.add_argument("--skip-drain", action="store_true")
    parser.add_argument("--skip-ingest", action="store_true")
    parser.add_argument("--skip-browser", action="store_true")
    args = parser.parse_args()

    started = time.perf_counter()
    print(f"machine: {machine()}  date: {date.today()}")
    if not args.skip_drain:
        print("-- 1. drain over HTTP (the server part runs on SQLite"
              + (", whatever --database-url says)" if args.database_url else ")"))
        run_drain(args)
    if not args.skip_ingest:
        print("-- 2. ingest in process: sync.process() against the raw-SQL floor")
        run_ingest(args)
    if not args.skip_browser:
        print("-- 3. the outbox in the browser: offline, and a server that comes back")
        run_browser(args)
    print(f"total run time {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
