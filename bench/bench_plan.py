"""Benchmark: planning 100 RMs x 14 working days, and GET /api/v1/plan, on the bench bank.

Builds the bench bank (20,000 customers, 100 RMs, 24 months), runs the moments step (key
moments and risk cases), then times the planner for every RM. Then one RM reads a day of
their plan 1,000 times (round robin over the 14 days) through the whole Flask stack. The
floor, measured in the same run on the same data: the same read as one hand-written SQL
statement (entries, customer, RM name, the latest contact) through the same driver. For
scale, the framework's own ceiling too: a signed-in GET /api/v1/auth/me through the same
stack (session, user load, JSON), which no endpoint can beat.

    python bench/bench_plan.py [--database-url URL] [--customers N] [--rms N] [--requests N]
"""

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (  # noqa: E402
    machine,
    make_app,
    percentile,
    summary,
    temporary_database,
    timed,
)

TARGET_RATIO = 3.0

FLOOR_SQL = """
SELECT pe.id, pe.day, pe.reasons, pe.objective, pe.objective_en, pe.channel,
       pe.suggested_hour, pe.priority, pe.state, pe.version, pe.is_marketing, pe.carried_days,
       pe.snoozed_to, pe.dismiss_reason, pe.moment_id, pe.risk_case_id,
       c.id, c.name, c.name_en, c.segment, c.phone, u.display_name,
       i.started_at, i.channel, i.outcome, i.notes
FROM plan_entries pe
JOIN customers c ON c.id = pe.customer_id AND c.rm_id = pe.rm_id
JOIN users u ON u.id = pe.rm_id
LEFT JOIN interactions i ON i.id = (
    SELECT i2.id FROM interactions i2 WHERE i2.customer_id = pe.customer_id
    ORDER BY i2.started_at DESC, i2.id DESC LIMIT 1)
WHERE pe.rm_id = :rm AND pe.day = :day
ORDER BY pe.priority DESC, pe.customer_id
"""
CALENDAR_SQL = "SELECT working FROM calendar_days WHERE day = :day"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="PostgreSQL server URL: a temporary database "
                        "is created there (default: a temporary SQLite file)")
    parser.add_argument("--customers", type=int, default=20_000)
    parser.add_argument("--rms", type=int, default=100)
    parser.add_argument("--months", type=int, default=24)
    parser.add_argument("--requests", type=int, default=1_000)
    args = parser.parse_args()
    with temporary_database(args.database_url) as url:
        run(args, url)


def run(args, url: str | None) -> None:
    from datetime import date

    from sqlalchemy import func, select

    from backend import demo
    from backend.auth.models import User
    from backend.calendar import planner
    from backend.calendar.models import PlanEntry
    from backend.extensions import db
    from backend.moments import detectors, risk
    from backend.timeutil import bank_today
    from bench.bench_customer360 import to_driver

    print(f"machine: {machine()}  date: {date.today()}")
    app, _ = make_app(url, "plan")
    with app.app_context():
        with timed() as t:
            demo.load(customers=args.customers, months=args.months, rms=args.rms, seed=7,
                      progress=False)
        print(f"bench bank ({args.customers:,} customers, {args.rms} RMs, {args.months} months, "
              f"{db.engine.dialect.name}): built in {t['seconds']:.1f} s")
        today = bank_today()
        with timed() as t:
            moments = detectors.detect(today) + risk.detect_cases(today)
            db.session.commit()
        print(f"moments step: {moments:,} moments and cases in {t['seconds']:.2f} s")
        with timed() as t:
            entries = planner.plan(today)
            db.session.commit()
        # the days planned from today on (the demo's history has past entries too)
        days = sorted(db.session.scalars(select(PlanEntry.day).distinct()
                                         .where(PlanEntry.day >= today)))
        print(f"planner, {args.rms} RMs x {len(days)} working days: {entries:,} entries "
              f"in {t['seconds']:.2f} s")
        with timed() as t:
            planner.plan(today)
            db.session.commit()
        print(f"planner rerun (replaces the untouched entries): {t['seconds']:.2f} s")
        rm_id, username = db.session.execute(
            select(User.id, User.username).join(PlanEntry, PlanEntry.rm_id == User.id)
            .group_by(User.id, User.username).order_by(func.count().desc()).limit(1)).one()
        dialect = db.engine.dialect.name

    sequence = [days[i % len(days)] for i in range(args.requests)]
    client = app.test_client()
    login = client.post("/api/v1/auth/login", json={"username": username, "password": "demo1234"})
    assert login.status_code == 200, login.get_json()
    for day in days:  # warm-up
        client.get(f"/api/v1/plan?date={day}")
    me_ms = []
    for _ in sequence:
        start = time.perf_counter()
        client.get("/api/v1/auth/me")
        me_ms.append((time.perf_counter() - start) * 1000)
    api_ms, sizes = [], []
    for day in sequence:
        start = time.perf_counter()
        response = client.get(f"/api/v1/plan?date={day}")
        api_ms.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200
        sizes.append(len(response.get_json()["entries"]))

    with app.app_context():
        plan_sql, plan_names = to_driver(FLOOR_SQL, dialect)
        cal_sql, cal_names = to_driver(CALENDAR_SQL, dialect)
        raw = db.engine.raw_connection()
        floor_ms = []
        for n, day in enumerate([*days, *sequence]):
            params = {"rm": rm_id, "day": day}
            start = time.perf_counter()
            cur = raw.cursor()
            cur.execute(cal_sql, [params[k] for k in cal_names])
            cur.fetchall()
            cur.execute(plan_sql, [params[k] for k in plan_names])
            cur.fetchall()
            cur.close()
            raw.commit()
            if n >= len(days):  # the first pass over the days is the warm-up
                floor_ms.append((time.perf_counter() - start) * 1000)
        raw.close()

    print(f"GET /api/v1/plan as {username} ({sum(sizes) / len(sizes):.1f} entries a day)")
    print(f"  API                       {summary(api_ms)}")
    print(f"  floor (hand-written SQL)  {summary(floor_ms)}")
    print(f"  framework (GET auth/me)   {summary(me_ms)}  "
          f"plan/framework p50 {percentile(api_ms, 50) / percentile(me_ms, 50):.2f}")
    ratio50 = percentile(api_ms, 50) / percentile(floor_ms, 50)
    ratio95 = percentile(api_ms, 95) / percentile(floor_ms, 95)
    print(f"  ratio p50 {ratio50:.2f}  p95 {ratio95:.2f}  (target <= {TARGET_RATIO})  "
          f"{'OK' if max(ratio50, ratio95) <= TARGET_RATIO else 'ABOVE TARGET'}")


if __name__ == "__main__":
    main()
