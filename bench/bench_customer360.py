"""Benchmark: GET /api/v1/customers/{id} on the 20,000-customer bench bank.

Builds a bench bank (20,000 customers, 100 RMs, 24 months), logs in as one RM and
reads 1,000 360 cards of that RM's portfolio (round robin) through the whole Flask
stack. The floor, measured in the same run on the same data: the same card read
with hand-written SQL through the same driver (including the audit insert).
Also prints the default demo bank's (1,500 customers) load time.

    python bench/bench_customer360.py [--database-url URL] [--customers N] [--requests N]
"""

import argparse
import sys
import time
from datetime import date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import machine, make_app, summary, timed  # noqa: E402

TARGET_RATIO = 3.0


def build_bank(app, customers: int, rms: int, months: int):
    from backend import demo

    with app.app_context(), timed() as t:
        counts = demo.load(customers=customers, months=months, rms=rms, seed=7, progress=True)
    return counts, t["seconds"]


def card_sql(dialect: str) -> dict[str, str]:
    """Hand-written SQL for every part of the 360 card."""
    month = "to_char(t.posted_at, 'YYYY-MM')" if dialect == "postgresql" else \
        "strftime('%Y-%m', t.posted_at)"
    return {
        "customer": "SELECT c.*, u.display_name FROM customers c LEFT JOIN users u "
                    "ON u.id = c.rm_id WHERE c.id = :cid AND c.rm_id = :rm",
        "accounts": "SELECT a.*, p.code, p.name, p.name_en, p.family, p.is_credit, p.margin_rate, "
                    "p.annual_cost FROM accounts a JOIN products p ON p.id = a.product_id "
                    "WHERE a.customer_id = :cid",
        "flows": f"SELECT t.account_id, {month}, count(*), sum(t.amount), sum(abs(t.amount)) "
                 "FROM transactions t JOIN accounts a ON a.id = t.account_id "
                 f"WHERE a.customer_id = :cid AND t.posted_at >= :since24 "
                 f"GROUP BY t.account_id, {month}",
        "fees": "SELECT coalesce(sum(abs(t.amount)), 0) FROM transactions t JOIN accounts a "
                "ON a.id = t.account_id WHERE a.customer_id = :cid AND t.kind = 'fee' "
                "AND t.posted_at >= :since12",
        "contacts": "SELECT channel, count(*) FROM interactions WHERE customer_id = :cid "
                    "AND started_at >= :since12 GROUP BY channel",
        "mix": "SELECT t.channel, count(*), sum(abs(t.amount)) FROM transactions t JOIN accounts a "
               "ON a.id = t.account_id WHERE a.customer_id = :cid AND t.posted_at >= :since12 "
               "AND t.customer_initiated GROUP BY t.channel",
        "transactions": "SELECT t.*, p.code, p.name FROM transactions t JOIN accounts a "
                        "ON a.id = t.account_id JOIN products p ON p.id = a.product_id "
                        "WHERE a.customer_id = :cid ORDER BY t.posted_at DESC, t.id DESC LIMIT 20",
        "interactions": "SELECT i.*, u.display_name FROM interactions i JOIN users u "
                        "ON u.id = i.rm_id WHERE i.customer_id = :cid "
                        "ORDER BY i.started_at DESC, i.id DESC LIMIT 10",
        "parties_out": "SELECT r.*, o.name FROM related_parties r LEFT JOIN customers o "
                       "ON o.id = r.related_customer_id WHERE r.customer_id = :cid",
        "parties_in": "SELECT r.*, o.name FROM related_parties r JOIN customers o "
                      "ON o.id = r.customer_id WHERE r.related_customer_id = :cid",
        "scores": "SELECT * FROM scores WHERE customer_id = :cid",
        "moments": "SELECT * FROM key_moments WHERE customer_id = :cid AND state IN "
                   "('open', 'acknowledged')",
        "risk_cases": "SELECT * FROM risk_cases WHERE customer_id = :cid AND state != 'closed'",
        "offers": "SELECT o.*, p.code FROM offers o JOIN products p ON p.id = o.product_id "
                  "WHERE o.customer_id = :cid AND o.state IN ('suggested', 'presented')",
        "audit": "INSERT INTO audit_events (at, user_id, action, object_type, object_id) "
                 "VALUES (:now, :rm, 'customer.view', 'customer', :cid)",
    }


def to_driver(sql: str, dialect: str) -> tuple[str, list[str]]:
    """Rewrite :name parameters to the driver's own style; return the names in order."""
    import re

    names = re.findall(r":(\w+)", sql)
    if dialect == "postgresql":
        return re.sub(r":(\w+)", "%s", sql.replace("%", "%%")), names
    return re.sub(r":(\w+)", "?", sql), names


def floor_read(raw, statements, params) -> None:
    cur = raw.cursor()
    for key, (sql, names) in statements.items():
        cur.execute(sql, [params[n] for n in names])
        if key != "audit":
            cur.fetchall()
    raw.commit()
    cur.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="PostgreSQL URL (default: a temporary SQLite file)")
    parser.add_argument("--customers", type=int, default=20_000)
    parser.add_argument("--rms", type=int, default=100)
    parser.add_argument("--months", type=int, default=24)
    parser.add_argument("--requests", type=int, default=1_000)
    parser.add_argument("--skip-demo", action="store_true", help="skip the 1,500-customer load")
    args = parser.parse_args()

    print(f"machine: {machine()}  date: {date.today()}")
    if not args.skip_demo:
        demo_app, _ = make_app(None, "demo")
        counts, seconds = build_bank(demo_app, 1_500, 5, 24)
        print(f"demo bank load (1,500 customers, 24 months, SQLite): {seconds:.1f} s  {counts}")

    app, _ = make_app(args.database_url, "360")
    counts, seconds = build_bank(app, args.customers, args.rms, args.months)
    print(f"bench bank load ({args.customers:,} customers, {args.rms} RMs, {args.months} months): "
          f"{seconds:.1f} s  {counts}")

    from sqlalchemy import func, select

    from backend.auth.models import User
    from backend.customers.models import Customer
    from backend.extensions import db

    with app.app_context():
        rm_id, username = db.session.execute(
            select(User.id, User.username).join(Customer, Customer.rm_id == User.id)
            .where(User.role == "rm").group_by(User.id, User.username)
            .order_by(func.count().desc()).limit(1)).one()
        ids = list(db.session.scalars(select(Customer.id).where(Customer.rm_id == rm_id)
                                      .order_by(Customer.id)))
        dialect = db.engine.dialect.name
    sequence = [ids[i % len(ids)] for i in range(args.requests)]
    print(f"reading {args.requests} cards of {username} ({len(ids)} customers), {dialect}")

    client = app.test_client()
    login = client.post("/api/v1/auth/login", json={"username": username, "password": "demo1234"})
    assert login.status_code == 200, login.get_json()
    for cid in ids[:20]:  # warm-up
        client.get(f"/api/v1/customers/{cid}")
    api_ms = []
    for cid in sequence:
        start = time.perf_counter()
        response = client.get(f"/api/v1/customers/{cid}")
        api_ms.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200

    with app.app_context():
        statements = {k: to_driver(v, dialect) for k, v in card_sql(dialect).items()}
        raw = db.engine.raw_connection()
        today = date.today()
        base = {"rm": rm_id, "since24": datetime(today.year - 2, today.month, 1),
                "since12": datetime.combine(today - timedelta(days=365), datetime.min.time())}
        for cid in ids[:20]:
            floor_read(raw, statements, {**base, "cid": cid, "now": datetime.now()})
        floor_ms = []
        for cid in sequence:
            start = time.perf_counter()
            floor_read(raw, statements, {**base, "cid": cid, "now": datetime.now()})
            floor_ms.append((time.perf_counter() - start) * 1000)
        raw.close()

    from bench.common import percentile

    ratio50 = percentile(api_ms, 50) / percentile(floor_ms, 50)
    ratio95 = percentile(api_ms, 95) / percentile(floor_ms, 95)
    print(f"GET /api/v1/customers/{{id}}   {summary(api_ms)}")
    print(f"floor (hand-written SQL)       {summary(floor_ms)}")
    print(f"ratio p50 {ratio50:.2f}  p95 {ratio95:.2f}  (target <= {TARGET_RATIO})  "
          f"{'OK' if max(ratio50, ratio95) <= TARGET_RATIO else 'ABOVE TARGET'}")


if __name__ == "__main__":
    main()
