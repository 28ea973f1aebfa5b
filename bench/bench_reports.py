"""Benchmark: the team dashboard (GET /api/v1/reports/team) on the bench bank.

Builds the bench bank (20,000 customers, 100 RMs in teams of about five, 24 months, with
the demo's history of app use: past plan entries, offers, surveys, referrals), runs the
moments step, then a lead reads the running month's dashboard N times through the whole
Flask stack (session, scoping, the grouped queries, assembling, JSON). The floor, in the
same run on the same data: the same figures as hand-written SQL statements, one per
figure group, through the same driver, rows fetched and nothing else. For scale, the RM
report (which adds 12 months of trends and the team median) and the nightly snapshot of
every report of a closed month are timed too.

    python bench/bench_reports.py [--database-url URL] [--customers N] [--rms N] [--requests N]
"""

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.bench_customer360 import to_driver  # noqa: E402
from bench.common import (  # noqa: E402
    machine,
    make_app,
    percentile,
    summary,
    temporary_database,
    timed,
)

TARGET_RATIO = 3.0
TEAM_RMS = "(SELECT id FROM users WHERE team_id = :team AND role = 'rm')"

FLOOR_SQL = {
    "rms": "SELECT id, display_name FROM users WHERE team_id = :team AND role = 'rm' "
           "ORDER BY id",
    "plan": f"""
        SELECT rm_id, channel, count(*), sum(CASE WHEN state = 'done' THEN 1 ELSE 0 END)
        FROM plan_entries WHERE rm_id IN {TEAM_RMS} AND day >= :start AND day < :plan_end
        GROUP BY rm_id, channel""",
    "contacts": f"""
        SELECT i.rm_id, i.channel, count(*),
               sum(CASE WHEN i.outcome != 'not_reached' THEN 1 ELSE 0 END),
               coalesce(sum(i.sales_amount), 0)
        FROM interactions i
        WHERE i.rm_id IN {TEAM_RMS} AND i.started_at >= :t0 AND i.started_at < :t1
          AND NOT EXISTS (SELECT 1 FROM interactions n WHERE n.replaces_id = i.id)
        GROUP BY i.rm_id, i.channel""",
    "moments": f"""
        SELECT c.rm_id, m.kind, m.due_on, m.state, m.resolved_at
        FROM key_moments m JOIN customers c ON c.id = m.customer_id
        WHERE c.rm_id IN {TEAM_RMS} AND m.due_on >= :start AND m.due_on < :end""",
    "offers": f"""
        SELECT coalesce(o.credited_rm_id, c.rm_id),
               sum(CASE WHEN o.state IN ('accepted', 'sold') THEN 1 ELSE 0 END),
               sum(CASE WHEN o.state = 'sold' THEN 1 ELSE 0 END), count(*),
               coalesce(sum(o.sold_amount), 0)
        FROM offers o JOIN customers c ON c.id = o.customer_id
        WHERE c.rm_id IN {TEAM_RMS} AND o.state IN ('presented', 'accepted', 'declined', 'sold')
          AND o.state_changed_at >= :t0 AND o.state_changed_at < :t1
        GROUP BY coalesce(o.credited_rm_id, c.rm_id)""",
    "referrals_in": f"""
        SELECT rm_id, count(*), sum(CASE WHEN state = 'won' THEN 1 ELSE 0 END) FROM referrals
        WHERE rm_id IN {TEAM_RMS} AND created_at >= :t0 AND created_at < :t1 GROUP BY rm_id""",
    "referrals_out": f"""
        SELECT referrer_id, count(*), sum(CASE WHEN state = 'won' THEN 1 ELSE 0 END)
        FROM referrals WHERE referrer_id IN {TEAM_RMS} AND created_at >= :t0
          AND created_at < :t1 GROUP BY referrer_id""",
    "satisfaction": f"""
        SELECT rm_id, count(*), avg(score) FROM surveys
        WHERE rm_id IN {TEAM_RMS} AND score IS NOT NULL AND answered_at >= :t0
          AND answered_at < :t1 GROUP BY rm_id""",
    "overdue": f"""
        SELECT p.rm_id, count(DISTINCT p.customer_id) FROM plan_entries p
        WHERE p.rm_id IN {TEAM_RMS} AND p.state IN ('planned', 'missed')
          AND p.day >= :overdue_since AND p.day < :today
          AND NOT EXISTS (SELECT 1 FROM plan_entries l WHERE l.customer_id = p.customer_id
                          AND l.state = 'done' AND l.day >= p.day)
        GROUP BY p.rm_id""",
    "daily": f"""
        SELECT i.rm_id, {{day}}, count(*),
               sum(CASE WHEN i.outcome != 'not_reached' THEN 1 ELSE 0 END),
               coalesce(sum(i.sales_amount), 0)
        FROM interactions i
        WHERE i.rm_id IN {TEAM_RMS} AND i.started_at >= :trend_t0 AND i.started_at < :t1
          AND NOT EXISTS (SELECT 1 FROM interactions n WHERE n.replaces_id = i.id)
        GROUP BY i.rm_id, {{day}}""",
    "risk": f"""
        SELECT r.severity, count(*),
               sum(CASE WHEN r.state = 'pending_approval' THEN 1 ELSE 0 END),
               coalesce(sum(r.exposure), 0)
        FROM risk_cases r JOIN customers c ON c.id = r.customer_id
        WHERE c.rm_id IN {TEAM_RMS} AND r.state != 'closed' GROUP BY r.severity""",
    "approvals_risk": """
        SELECT count(*) FROM risk_cases WHERE state = 'pending_approval'
          AND requested_by IN (SELECT id FROM users WHERE team_id = :team)""",
    "approvals_quotes": """
        SELECT count(*) FROM price_quotes WHERE state = 'pending_approval'
          AND rm_id IN (SELECT id FROM users WHERE team_id = :team) AND expires_at > :now""",
}
BANK_DAY = {"sqlite": "strftime('%Y-%m-%d', i.started_at, '+480 minutes')",
            "postgresql": "to_char(i.started_at + interval '480 minutes', 'YYYY-MM-DD')"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="PostgreSQL server URL: a temporary database "
                        "is created there (default: a temporary SQLite file)")
    parser.add_argument("--customers", type=int, default=20_000)
    parser.add_argument("--rms", type=int, default=100)
    parser.add_argument("--months", type=int, default=24)
    parser.add_argument("--requests", type=int, default=300)
    args = parser.parse_args()
    with temporary_database(args.database_url) as url:
        run(args, url)


def floor_params(team_id: int, today) -> dict:
    from datetime import timedelta

    from flask import current_app

    from backend.models_base import utcnow
    from backend.reports.periods import month_of, week_starts
    from backend.timeutil import start_of_bank_day

    period = month_of(None, today)
    return {"team": team_id, "start": period.start, "end": period.end,
            "plan_end": min(period.end, today + timedelta(days=1)),
            "t0": start_of_bank_day(period.start), "t1": start_of_bank_day(period.end),
            "trend_t0": start_of_bank_day(week_starts(period.last_day)[0]),
            "overdue_since": today - timedelta(days=current_app.config["OVERDUE_LOOKBACK_DAYS"]),
            "today": today, "now": utcnow()}


def run(args, url: str | None) -> None:
    from datetime import date

    from sqlalchemy import func, select

    from backend import demo
    from backend.auth.models import User
    from backend.extensions import db
    from backend.moments import detectors, risk
    from backend.reports import service
    from backend.reports.periods import previous_month
    from backend.timeutil import bank_today
    from backend.visits.models import Interaction

    print(f"machine: {machine()}  date: {date.today()}")
    app, _ = make_app(url, "reports")
    with app.app_context():
        with timed() as t:
            demo.load(customers=args.customers, months=args.months, rms=args.rms, seed=7,
                      progress=False)
        dialect = db.engine.dialect.name
        print(f"bench bank ({args.customers:,} customers, {args.rms} RMs, {args.months} months, "
              f"{dialect}): built in {t['seconds']:.1f} s")
        today = bank_today()
        detectors.detect(today)
        risk.detect_cases(today)
        db.session.commit()
        # the lead of the busiest team
        team_id = db.session.execute(
            select(User.team_id).join(Interaction, Interaction.rm_id == User.id)
            .where(User.team_id.is_not(None)).group_by(User.team_id)
            .order_by(func.count().desc()).limit(1)).scalar_one()
        lead = db.session.scalar(select(User.username).where(User.team_id == team_id,
                                                             User.role == "lead"))
        rm = db.session.scalar(select(User.username).where(User.team_id == team_id,
                                                           User.role == "rm").limit(1))
        team_size = db.session.scalar(select(func.count()).where(User.team_id == team_id,
                                                                 User.role == "rm"))
        params = floor_params(team_id, today)
        month = f"{previous_month(today):%Y-%m}"
        with timed() as t:
            taken = service.take_snapshots(month, today)
            db.session.commit()
        print(f"snapshot of {month}: {taken} reports in {t['seconds']:.2f} s")

    def read(username: str, path: str, n: int) -> tuple[list[float], dict]:
        client = app.test_client()
        login = client.post("/api/v1/auth/login",
                            json={"username": username, "password": "demo1234"})
        assert login.status_code == 200, login.get_json()
        for _ in range(5):  # warm-up
            client.get(path)
        samples, body = [], None
        for _ in range(n):
            start = time.perf_counter()
            response = client.get(path)
            samples.append((time.perf_counter() - start) * 1000)
            assert response.status_code == 200, response.get_json()
            body = response.get_json()
        return samples, body

    api_ms, body = read(lead, "/api/v1/reports/team", args.requests)
    rm_ms, _ = read(rm, "/api/v1/reports/rm", max(50, args.requests // 3))

    with app.app_context():
        statements = {name: to_driver(sql.replace("{day}", BANK_DAY[dialect]), dialect)
                      for name, sql in FLOOR_SQL.items()}
        raw = db.engine.raw_connection()
        floor_ms = []
        for n in range(5 + args.requests):
            start = time.perf_counter()
            cur = raw.cursor()
            for sql, names in statements.values():
                cur.execute(sql, [params[k] for k in names])
                cur.fetchall()
            cur.close()
            raw.commit()
            if n >= 5:
                floor_ms.append((time.perf_counter() - start) * 1000)
        raw.close()

    totals = body["totals"]
    print(f"GET /api/v1/reports/team as {lead} ({team_size} RMs; this month: "
          f"{totals['contacts_logged']} contacts, {totals['contacts_planned']} planned, "
          f"{totals['moments_due']} moments, {totals['offers_presented']} offers presented)")
    print(f"  API                       {summary(api_ms)}")
    print(f"  floor (hand-written SQL)  {summary(floor_ms)}")
    ratio50 = percentile(api_ms, 50) / percentile(floor_ms, 50)
    ratio95 = percentile(api_ms, 95) / percentile(floor_ms, 95)
    print(f"  ratio p50 {ratio50:.2f}  p95 {ratio95:.2f}  (target <= {TARGET_RATIO})  "
          f"{'OK' if max(ratio50, ratio95) <= TARGET_RATIO else 'ABOVE TARGET'}")
    print(f"GET /api/v1/reports/rm as {rm} (adds 12 months of trends, the team median)")
    print(f"  API                       {summary(rm_ms)}")


if __name__ == "__main__":
    main()
