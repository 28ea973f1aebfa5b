"""Benchmark: the nightly pipeline at 10,000 and 100,000 customers, seconds per step.

For each size: a fresh database (a temporary SQLite file, or a fresh rm_bench_<random>
database on the PostgreSQL server of --database-url, dropped afterwards), the demo bank
loaded into it, the models trained once (timed apart: `flask models train` is not part
of the nightly run), then `backend.pipeline.run(as_of)` for today with seconds per step.

The feature step (`features(as_of)`, which the "scores" step calls first) is then timed
alone against its floor, in the same run on the same data: one hand-written SQL
aggregate through the raw driver (balances via flows with their 30/91/365-day averages,
own transactions by window and channel, the last one, fees, holdings and contacts per
customer), fetched in full. Target: features <= 2x the floor. At the end, each step's
growth from the smallest to the largest size; target <= 11x for 10x the customers.

The default 12 months of history (the demo bank's own default is 24) keeps the load
feasible: 100,000 customers x 24 months would be some 50 million transactions.

On SQLite the models are trained with planner statistics (ANALYZE), deleted again before
the pipeline runs: without them the product-label query is quadratic in the customers
(see planner_statistics); --stock-train trains without them.

    python bench/bench_pipeline.py [--sizes 10000,100000] [--months 12] [--database-url URL]
                                   [--rounds 2] [--stock-train]
"""

import argparse
import re
import shutil
import statistics
import sys
import time
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import machine, make_app, temporary_database, timed  # noqa: E402

TARGET_RATIO = 2.0
GROWTH_SLACK = 1.1  # 10x the customers: at most 11x the time
WINDOWS = (30, 91, 365)
TX_CHANNELS = ("branch", "mobile", "online", "atm", "pos", "transfer")
CONTACT_CHANNELS = ("visit", "call", "video", "message", "email")
OUTCOMES = {"contact_sales_12m": "sale", "contact_declines_12m": "declined",
            "complaints_12m": "complaint", "contact_interest_12m": "interested"}
# floor columns checked against the feature frame (same names, same meaning)
CHECKED = ("products_held", "products_opened_12m", "deposit_balance", "credit_balance",
           "credit_limit", "credit_accounts", "fees_12m",
           *(f"{kind}_avg_{w}d" for kind in ("deposit", "credit") for w in WINDOWS),
           *(f"tx_{what}_{w}d" for what in ("count", "amount") for w in WINDOWS),
           *(f"tx_{ch}_91d" for ch in TX_CHANNELS),
           "contacts_12m", "reached_12m", *OUTCOMES, *(f"contacts_{ch}_12m" for ch in
                                                       CONTACT_CHANNELS))


# --------------------------------------------------------------------------- database


# --------------------------------------------------------------------------- the floor


def floor_sql(dialect: str, codes: list[str]) -> str:
    """One hand-written statement: per account over its transactions (one scan), rolled up
    per customer with its accounts, joined with contacts. Parameters in :name style."""
    pg = dialect == "postgresql"
    days = "extract(epoch from t.posted_at) / 86400.0" if pg else "julianday(t.posted_at)"
    amount = "CAST(t.amount AS FLOAT)"
    own = "t.customer_initiated AND t.posted_at <= :end"
    per_account = [
        f"sum(CASE WHEN t.posted_at > :end THEN {amount} ELSE 0 END) AS after_end",
        f"sum(CASE WHEN t.kind = 'fee' AND t.posted_at > :s365 AND t.posted_at <= :end "
        f"THEN abs({amount}) ELSE 0 END) AS fees",
        f"max(CASE WHEN {own} THEN t.posted_at END) AS last_own",
    ]
    for w in WINDOWS:
        inside = f"t.posted_at > :s{w} AND t.posted_at <= :end"
        per_account += [
            f"sum(CASE WHEN {inside} THEN {amount} * ({days} - :d{w}) ELSE 0 END) AS w{w}",
            f"sum(CASE WHEN {own} AND t.posted_at > :s{w} THEN 1 ELSE 0 END) AS n{w}",
            f"sum(CASE WHEN {own} AND t.posted_at > :s{w} THEN abs({amount}) ELSE 0 END) "
            f"AS m{w}",
        ]
    per_account += [f"sum(CASE WHEN {own} AND t.posted_at > :s91 AND t.channel = '{ch}' "
                    f"THEN 1 ELSE 0 END) AS ch_{ch}" for ch in TX_CHANNELS]

    held = "(a.opened_on <= :as_of AND (a.closed_on IS NULL OR a.closed_on > :as_of))"
    deposit, credit = "p.family = 'deposit'", "p.is_credit"
    bal = "(CAST(a.balance AS FLOAT) - coalesce(f.after_end, 0))"
    per_customer = [
        f"sum(CASE WHEN {held} THEN 1 ELSE 0 END) AS products_held",
        "sum(CASE WHEN a.opened_on > :as_of_365 THEN 1 ELSE 0 END) AS products_opened_12m",
        f"sum(CASE WHEN {held} AND {deposit} THEN {bal} ELSE 0 END) AS deposit_balance",
        f"sum(CASE WHEN {held} AND {credit} THEN {bal} ELSE 0 END) AS credit_balance",
        f"sum(CASE WHEN {held} AND {credit} THEN CAST(a.limit_amount AS FLOAT) ELSE 0 END) "
        "AS credit_limit",
        f"sum(CASE WHEN {held} AND {credit} THEN 1 ELSE 0 END) AS credit_accounts",
        f"max(CASE WHEN {held} AND {credit} THEN a.days_overdue ELSE 0 END) AS days_overdue",
        "sum(coalesce(f.fees, 0)) AS fees_12m",
        "max(f.last_own) AS last_own_tx",
    ]
    for w in WINDOWS:
        avg = f"{bal} - coalesce(f.w{w}, 0) / {w}"
        per_customer += [
            f"sum(CASE WHEN {deposit} THEN {avg} ELSE 0 END) AS deposit_avg_{w}d",
            f"sum(CASE WHEN {credit} THEN {avg} ELSE 0 END) AS credit_avg_{w}d",
            f"sum(coalesce(f.n{w}, 0)) AS tx_count_{w}d",
            f"sum(coalesce(f.m{w}, 0)) AS tx_amount_{w}d",
        ]
    per_customer += [f"sum(coalesce(f.ch_{ch}, 0)) AS tx_{ch}_91d" for ch in TX_CHANNELS]
    per_customer += [f"max(CASE WHEN {held} AND p.code = '{c}' THEN 1 ELSE 0 END) "
                     f"AS holds_{c}" for c in codes]

    year = "i.started_at > :s365"
    contacts = ["max(i.started_at) AS last_contact",
                f"sum(CASE WHEN {year} THEN 1 ELSE 0 END) AS contacts_12m",
                f"sum(CASE WHEN {year} AND i.outcome <> 'not_reached' THEN 1 ELSE 0 END) "
                "AS reached_12m"]
    contacts += [f"sum(CASE WHEN {year} AND i.outcome = '{o}' THEN 1 ELSE 0 END) AS {name}"
                 for name, o in OUTCOMES.items()]
    contacts += [f"sum(CASE WHEN {year} AND i.channel = '{ch}' THEN 1 ELSE 0 END) "
                 f"AS contacts_{ch}_12m" for ch in CONTACT_CHANNELS]

    comma = ",\n       "
    return f"""
WITH f AS (
  SELECT t.account_id, {comma.join(per_account)}
  FROM transactions t GROUP BY t.account_id
), acc AS (
  SELECT a.customer_id, {comma.join(per_customer)}
  FROM accounts a JOIN products p ON p.id = a.product_id LEFT JOIN f ON f.account_id = a.id
  WHERE a.opened_on <= :as_of GROUP BY a.customer_id
), con AS (
  SELECT i.customer_id, {comma.join(contacts)}
  FROM interactions i WHERE i.started_at <= :end GROUP BY i.customer_id
)
SELECT c.id, c.industry, c.employees, c.annual_revenue, c.onboarded_on, c.consent_marketing,
       c.consent_phone, c.consent_email, acc.*, con.*
FROM customers c LEFT JOIN acc ON acc.customer_id = c.id LEFT JOIN con ON con.customer_id = c.id
WHERE (c.onboarded_on IS NULL OR c.onboarded_on <= :as_of)
  AND (c.closed_on IS NULL OR c.closed_on > :as_of)
ORDER BY c.id
"""


def floor_params(dialect: str, as_of: date, end) -> dict:
    """The statement's parameters as the driver takes them (SQLite: SQLAlchemy's strings)."""
    from backend.scoring.features import _epoch_days

    pg = dialect == "postgresql"
    stamp = (lambda d: d) if pg else (lambda d: d.strftime("%Y-%m-%d %H:%M:%S.%f"))
    day = (lambda d: d) if pg else (lambda d: d.isoformat())
    params = {"end": stamp(end), "as_of": day(as_of),
              "as_of_365": day(as_of - timedelta(days=365))}
    for w in WINDOWS:
        start = end - timedelta(days=w)
        params[f"s{w}"] = stamp(start)
        # julianday on SQLite; days since the epoch on PostgreSQL
        params[f"d{w}"] = _epoch_days(start) + (0.0 if pg else 2440587.5)
    return params


def to_driver(sql: str, dialect: str) -> str:
    """:name -> %(name)s for psycopg; sqlite3 takes :name as it is."""
    if dialect != "postgresql":
        return sql
    return re.sub(r"(?<!:):(\w+)", r"%(\1)s", sql.replace("%", "%%"))


def run_floor(engine, sql: str, params: dict) -> tuple[list[str], list[tuple]]:
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        cur.execute(sql, params)
        rows = cur.fetchall()
        columns = [d[0] for d in cur.description]
        cur.close()
        raw.rollback()
    finally:
        raw.close()
    return columns, rows


def floor_mismatches(frame, columns: list[str], rows: list[tuple]) -> list[str]:
    """Columns where the floor's figures differ from the features' (both on every customer)."""
    import numpy as np
    import pandas as pd

    floor = pd.DataFrame(rows, columns=columns)
    floor = floor.loc[:, ~floor.columns.duplicated()].set_index("id")
    out = []
    if list(floor.index) != list(frame.index):
        out.append(f"customers ({len(floor)} vs {len(frame)})")
        return out
    for name in CHECKED:
        mine = pd.to_numeric(floor[name], errors="coerce").astype(float).fillna(0.0).to_numpy()
        theirs = frame[name].astype(float).to_numpy()
        if not np.allclose(mine, theirs, rtol=1e-6, atol=0.05):
            out.append(f"{name} (max diff {np.max(np.abs(mine - theirs)):.3g})")
    return out


# --------------------------------------------------------------------------- probes


@contextmanager
def probe(module, name: str, sink: dict):
    """Add the time spent in module.name to sink[name] while the block runs."""
    original = getattr(module, name)

    def wrapper(*args, **kwargs):
        start = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            sink[name] = sink.get(name, 0.0) + time.perf_counter() - start

    setattr(module, name, wrapper)
    try:
        yield sink
    finally:
        setattr(module, name, original)


@contextmanager
def model_probes(sink: dict):
    """Time every model's score() (per model) while the block runs."""
    from backend.scoring.service import all_models

    models = all_models()
    for m in models:
        m.score = _timed_method(m.score, m.name, sink)
    try:
        yield sink
    finally:
        for m in models:
            m.__dict__.pop("score", None)


def _timed_method(method, key: str, sink: dict):
    def wrapper(*args, **kwargs):
        start = time.perf_counter()
        try:
            return method(*args, **kwargs)
        finally:
            sink[key] = sink.get(key, 0.0) + time.perf_counter() - start
    return wrapper


# --------------------------------------------------------------------------- statistics

STOCK_LABEL_LIMIT = 20_000  # above this, one stock label query alone takes minutes


@contextmanager
def planner_statistics(dialect: str, size: int, as_of: date, stock: bool):
    """Give training the planner statistics a fresh bank lacks, for the block only on SQLite.

    Without statistics SQLite runs labels_product_taken()'s correlated EXISTS through
    ix_accounts_product_id, scanning every account of the product for every customer:
    quadratic, hours at 100,000 customers. ANALYZE makes it pick ix_accounts_customer_id.
    The statistics are deleted afterwards (and connections reopened) so the pipeline runs
    on the stock planner. PostgreSQL: ANALYZE, as autovacuum would do soon after the load.
    """
    from sqlalchemy import text

    from backend.extensions import db
    from backend.scoring import features as feats

    if dialect == "postgresql":
        db.session.execute(text("ANALYZE"))
        db.session.commit()
        print("  PostgreSQL: ANALYZE after the load (autovacuum would do the same)")
    if dialect != "sqlite" or stock:
        if stock:
            print("  training on the stock planner (--stock-train)")
        yield
        return

    def label_seconds() -> float:
        with timed() as t:
            feats.labels_product_taken(as_of - timedelta(days=91), "TD")
        return t["seconds"]

    before = label_seconds() if size <= STOCK_LABEL_LIMIT else None
    db.session.execute(text("ANALYZE"))
    db.session.commit()
    after = label_seconds()
    print("  SQLite: ANALYZE for training only (a fresh bank has no planner statistics); one "
          "label query (propensity:TD, one date): "
          + (f"{before:.2f} s without statistics, " if before is not None else
             "not timed without statistics at this size (quadratic), ")
          + f"{after:.2f} s with", flush=True)
    try:
        yield
    finally:
        db.session.commit()
        tables = db.session.scalars(text("SELECT name FROM sqlite_master "
                                         "WHERE name LIKE 'sqlite_stat%'")).all()
        for name in tables:
            db.session.execute(text(f"DELETE FROM {name}"))
        db.session.commit()
        db.session.remove()
        db.engine.dispose()  # new connections load the (now empty) statistics


# --------------------------------------------------------------------------- one size


def measure(size: int, args) -> dict:
    with temporary_database(args.database_url) as url:
        app, folder = make_app(url, f"pipeline{size}")
        try:
            with app.app_context():
                return _measure(app, size, args)
        finally:
            with app.app_context():
                from backend.extensions import db

                db.session.remove()
                db.engine.dispose()
            shutil.rmtree(folder, ignore_errors=True)


def _measure(app, size: int, args) -> dict:
    from backend import demo, pipeline
    from backend.extensions import db
    from backend.scoring import features as feats
    from backend.scoring import service

    out = {"size": size}
    rms = max(5, size // 200)
    with timed() as t:
        counts = demo.load(customers=size, months=args.months, rms=rms, seed=7, progress=True)
    out["load"] = t["seconds"]
    print(f"  demo bank: {size:,} customers, {rms} RMs, {args.months} months: "
          f"{counts['accounts']:,} accounts, {counts['transactions']:,} transactions, "
          f"{counts['interactions']:,} contacts; loaded in {t['seconds']:.1f} s", flush=True)

    as_of = feats.snapshot_date()
    dialect = db.engine.dialect.name
    with planner_statistics(dialect, size, as_of, args.stock_train), timed() as t:
        trained = service.train_all(as_of=as_of)
    out["train"] = t["seconds"]
    aucs = [m.get("auc") for m in trained.values() if m.get("auc") is not None]
    print(f"  models train (once, not a nightly step): {t['seconds']:.1f} s for "
          f"{len(trained)} models (median validation AUC "
          f"{statistics.median(aucs) if aucs else float('nan'):.3f})", flush=True)

    inside: dict = {}
    with probe(feats, "features", inside), model_probes(inside):
        results = pipeline.run(as_of, progress=False)
    out["steps"] = {r.name: r.seconds for r in results}
    out["rows"] = {r.name: r.rows for r in results}
    out["inside"] = inside
    width = max(len("total"), *(len(r.name) for r in results))
    print(f"  pipeline.run({as_of.isoformat()}):")
    print(f"    {'step':<{width}}  {'rows':>10}  {'seconds':>8}")
    for r in results:
        print(f"    {r.name:<{width}}  {r.rows:>10,}  {r.seconds:>8.2f}")
    print(f"    {'total':<{width}}  {sum(r.rows for r in results):>10,}  "
          f"{sum(r.seconds for r in results):>8.2f}")
    if "scores" in out["steps"]:
        scoring = {k: v for k, v in inside.items() if k != "features"}
        top = sorted(scoring.items(), key=lambda kv: -kv[1])[:3]
        rest = out["steps"]["scores"] - inside.get("features", 0.0) - sum(scoring.values())
        print(f"    scores = features {inside.get('features', 0.0):.2f} s + models "
              f"{sum(scoring.values()):.2f} s ({', '.join(f'{k} {v:.2f}' for k, v in top)}, ...)"
              f" + writing {rest:.2f} s")

    end = feats.day_end(as_of)
    sql = to_driver(floor_sql(dialect, feats.product_codes()), dialect)
    params = floor_params(dialect, as_of, end)
    feature_runs, finish_runs, floor_runs = [], [], []
    for _ in range(args.rounds):  # alternate, so neither side always has the warmer cache
        split: dict = {}
        with probe(feats, "_finish", split), timed() as t:
            frame = feats.features(as_of)
        feature_runs.append(t["seconds"])
        finish_runs.append(split["_finish"])
        db.session.rollback()
        with timed() as t:
            columns, rows = run_floor(db.engine, sql, params)
        floor_runs.append(t["seconds"])
    out["features"], out["floor"] = min(feature_runs), min(floor_runs)
    finish = finish_runs[feature_runs.index(out["features"])]
    ratio = out["features"] / out["floor"]
    wrong = floor_mismatches(frame, columns, rows)
    print(f"  features({as_of.isoformat()}) alone: {out['features']:.2f} s for {len(frame):,} "
          f"customers x {frame.shape[1]} features (SQL and fetch "
          f"{out['features'] - finish:.2f} s, pandas finish {finish:.2f} s)")
    print(f"  floor (one hand-written SQL aggregate, raw driver, {len(columns)} columns): "
          f"{out['floor']:.2f} s; best of {args.rounds} each")
    print(f"  ratio features/floor {ratio:.2f}  (target <= {TARGET_RATIO:g})  "
          f"{'OK' if ratio <= TARGET_RATIO else 'ABOVE TARGET'}; floor agrees with features "
          f"on {len(CHECKED) - len(wrong)}/{len(CHECKED)} checked columns"
          + (f", differs on: {', '.join(wrong)}" if wrong else ""), flush=True)
    out["ratio"] = ratio
    return out


# --------------------------------------------------------------------------- main


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000",
                        help="customer counts, comma-separated (default 10000,100000)")
    parser.add_argument("--months", type=int, default=12,
                        help="months of history (default 12; the demo bank's default is 24)")
    parser.add_argument("--database-url",
                        help="PostgreSQL server: a fresh rm_bench_<random> database is created "
                             "on it per size and dropped (default: a temporary SQLite file)")
    parser.add_argument("--rounds", type=int, default=2,
                        help="runs of features() and of the floor per size (best is kept)")
    parser.add_argument("--stock-train", action="store_true",
                        help="train without planner statistics on SQLite (quadratic label "
                             "queries: hours at 100,000 customers)")
    args = parser.parse_args()
    sizes = sorted(int(s) for s in args.sizes.split(",") if s.strip())

    started = time.perf_counter()
    print(f"machine: {machine()}  date: {date.today()}")
    print(f"sizes {', '.join(f'{s:,}' for s in sizes)} customers, {args.months} months of "
          f"history (not the demo's 24: 100,000 customers x 24 months would be ~50M "
          f"transactions), {'PostgreSQL' if args.database_url else 'SQLite'}", flush=True)
    results = []
    for size in sizes:
        print(f"-- {size:,} customers", flush=True)
        results.append(measure(size, args))

    if len(results) > 1:
        small, large = results[0], results[-1]
        factor = large["size"] / small["size"]
        limit = GROWTH_SLACK * factor
        print(f"-- growth from {small['size']:,} to {large['size']:,} customers "
              f"({factor:g}x; target <= {limit:g}x per step and in total)")
        rows = [(name, small["steps"][name], large["steps"].get(name), True)
                for name in small["steps"]]
        rows.append(("pipeline total", sum(small["steps"].values()),
                     sum(large["steps"].values()), True))
        rows += [("features alone", small["features"], large["features"], False),
                 ("floor", small["floor"], large["floor"], False),
                 ("load (not nightly)", small["load"], large["load"], False),
                 ("train (not nightly)", small["train"], large["train"], False)]
        print(f"    {'':<20}  {small['size']:>9,}  {large['size']:>9,}  growth")
        for name, a, b, target in rows:
            if b is None:
                continue
            growth = b / a if a else float("inf")
            verdict = ("OK" if growth <= limit else "ABOVE TARGET") if target else ""
            print(f"    {name:<20}  {a:>8.2f}s  {b:>8.2f}s  {growth:6.1f}x  {verdict}")
    print(f"total run time {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
