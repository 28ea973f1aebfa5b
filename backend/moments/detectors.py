"""Key-moment detectors (DESIGN §2.3, docs/calendar.md): one pipeline step, set-based.

Each detector returns candidate rows {customer_id, kind, event_ref, due_on, severity,
reasons, detail}; `upsert_moments` inserts them with ON CONFLICT DO NOTHING on the unique
(customer_id, kind, event_ref), so reruns never duplicate and a moment the RM closed does
not come back for the same event. Renewal severity rises as maturity nears (an update of
the open moment). All dates are bank dates (BANK_TIMEZONE).
"""

from datetime import date, timedelta

from flask import current_app
from sqlalchemy import and_, case, func, select, update

from backend import texts
from backend.auth.models import User
from backend.customers.models import Account, Customer, Transaction
from backend.extensions import db
from backend.models_base import dialect_insert
from backend.moments.models import LIVE, KeyMoment
from backend.products.models import Product
from backend.push.models import Notification
from backend.push.service import notify
from backend.scoring.features import DORMANT_DAYS
from backend.scoring.latest import latest_scores
from backend.timeutil import local_date, start_of_bank_day
from backend.workdays import WorkCalendar

LAPSED_DAYS = 365
EDUCATION_DAYS = (1, 7, 30)
LOW_USAGE_WINDOW = (30, 90)  # days after onboarding when low usage is checked
STALE_DAYS = 7  # an education moment more than this overdue is not raised any more
# Kinds of which a customer has at most one live moment at a time
ONE_LIVE = ("dormancy", "retention")


def _live_customers():
    return and_(Customer.status != "closed")


# --------------------------------------------------------------------------- activation


def activation(as_of: date, cal: WorkCalendar, horizon_days: int = 14) -> list[dict]:
    """Education on day 1, 7 and 30; a follow-up when the first months show low usage."""
    cfg = current_app.config
    earliest = as_of - timedelta(days=max(EDUCATION_DAYS[-1], LOW_USAGE_WINDOW[1]) + STALE_DAYS)
    own = (select(Account.customer_id, func.count(Transaction.id).label("n"))
           .join(Transaction, Transaction.account_id == Account.id)
           .join(Customer, Customer.id == Account.customer_id)
           .where(Transaction.customer_initiated, Customer.onboarded_on >= earliest,
                  Transaction.posted_at >= start_of_bank_day(earliest),
                  Transaction.posted_at < start_of_bank_day(as_of + timedelta(days=1)))
           .group_by(Account.customer_id).subquery())
    rows = db.session.execute(
        select(Customer.id, Customer.onboarded_on, func.coalesce(own.c.n, 0))
        .outerjoin(own, own.c.customer_id == Customer.id)
        .where(_live_customers(), Customer.onboarded_on >= earliest,
               Customer.onboarded_on <= as_of)).all()
    out = []
    for cid, onboarded, n in rows:
        for day in EDUCATION_DAYS:
            due = cal.on_or_after(onboarded + timedelta(days=day))
            if as_of - timedelta(days=STALE_DAYS) <= due <= as_of + timedelta(days=horizon_days):
                out.append(dict(
                    customer_id=cid, kind="activation", event_ref=f"edu:{day}:{onboarded}",
                    due_on=due, severity=1, detail={"step": day},
                    reasons=[texts.reason("activation.education", day, day=day)]))
        age = (as_of - onboarded).days
        if LOW_USAGE_WINDOW[0] <= age <= LOW_USAGE_WINDOW[1] \
                and n < cfg["ACTIVATION_MIN_TRANSACTIONS"]:
            out.append(dict(
                customer_id=cid, kind="activation", event_ref=f"low_usage:{onboarded}",
                due_on=as_of, severity=2, detail={"transactions": int(n), "days": age},
                reasons=[texts.reason("activation.low_usage", n, age=age, count=n)]))
    return out


# --------------------------------------------------------------------------- renewal


def renewal(as_of: date, cal: WorkCalendar) -> list[dict]:
    """Loans and term deposits maturing within the first window (60 days)."""
    windows = sorted(current_app.config["RENEWAL_WINDOWS_DAYS"], reverse=True)
    rows = db.session.execute(
        select(Account.id, Account.customer_id, Account.maturity_on, Account.opened_on,
               Account.balance, Account.rate, Product.code, Product.name, Product.name_en,
               Product.is_credit)
        .join(Product, Product.id == Account.product_id)
        .join(Customer, Customer.id == Account.customer_id)
        .where(_live_customers(), Account.status == "open", Account.maturity_on > as_of,
               Account.maturity_on <= as_of + timedelta(days=windows[0]))).all()
    repayment = latest_scores("repayment", as_of)
    risk = latest_scores("risk", as_of)
    out = []
    for acc, cid, maturity, opened, balance, rate, code, name, name_en, is_credit in rows:
        days_left = (maturity - as_of).days
        severity = 1 + sum(days_left <= w for w in windows[1:])
        term_days = (maturity - opened).days
        detail = {"account_id": acc, "product": {"code": code, "name": name, "name_en": name_en},
                  "maturity_on": maturity.isoformat(), "balance": float(balance or 0),
                  **suggested_conditions(is_credit, rate, term_days,
                                         repayment.get(cid), risk.get(cid))}
        out.append(dict(
            customer_id=cid, kind="renewal", event_ref=f"account:{acc}:{maturity}",
            due_on=max(as_of, cal.on_or_before(maturity)), severity=severity, detail=detail,
            reasons=[texts.reason("renewal.maturity", days_left, days=days_left,
                                  product=texts.Pair(name, name_en or name), maturity=maturity)]))
    return out


def suggested_conditions(is_credit: bool, rate: float | None, term_days: int,
                         repayment: tuple | None, risk: tuple | None) -> dict:
    """Renewal terms from the last deal and the customer's repayment and risk scores."""
    rate = float(rate) if rate is not None else None
    term_months = max(1, round(term_days / 30.4))
    if not is_credit:
        return {"suggested": {"term_months": term_months, "rate": rate,
                              **texts.terms("deposit", months=term_months)._asdict()}}
    risk_band = risk[1] if risk else None
    repay_p = repayment[0] if repayment else None
    if risk_band in ("high", "critical") or (repay_p is not None and repay_p >= 0.3):
        advice = {"action": "review", "rate": rate, "term_months": min(term_months, 6),
                  **texts.terms("review")._asdict()}
    elif risk_band == "low" and (repay_p is None or repay_p < 0.1):
        advice = {"action": "renew", "rate": None if rate is None else round(rate - 0.0010, 4),
                  "term_months": term_months, **texts.terms("better")._asdict()}
    else:
        advice = {"action": "renew", "rate": rate, "term_months": term_months,
                  **texts.terms("same")._asdict()}
    return {"suggested": advice, "risk_band": risk_band,
            "repayment_probability": None if repay_p is None else round(repay_p, 4)}


# --------------------------------------------------------------------------- dormancy


def last_own_activity(as_of: date) -> dict[int, tuple[date, str, str]]:
    """Each live customer's last own transaction's bank date up to as_of (else onboarding)."""
    end = start_of_bank_day(as_of + timedelta(days=1))
    last = (select(Account.customer_id, func.max(Transaction.posted_at).label("at"))
            .join(Transaction, Transaction.account_id == Account.id)
            .where(Transaction.customer_initiated, Transaction.posted_at < end)
            .group_by(Account.customer_id).subquery())
    rows = db.session.execute(
        select(Customer.id, last.c.at, Customer.onboarded_on, Customer.tier, Customer.status)
        .outerjoin(last, last.c.customer_id == Customer.id)
        .where(_live_customers(), (Customer.onboarded_on.is_(None))
               | (Customer.onboarded_on <= as_of))).all()
    out = {}
    for cid, at, onboarded, tier, status in rows:
        if at is not None:
            out[cid] = (local_date(at), tier, status)
        elif onboarded is not None:
            out[cid] = (onboarded, tier, status)
    return out


def dormancy(as_of: date, activity: dict) -> list[dict]:
    """Dormant after 90 days without an own transaction; lapsed after 365, re-contacted on a
    schedule set per tier (LAPSED_RECONTACT_DAYS)."""
    every = current_app.config["LAPSED_RECONTACT_DAYS"]
    out = []
    for cid, (last, tier, _status) in activity.items():
        idle = (as_of - last).days
        if DORMANT_DAYS <= idle < LAPSED_DAYS:
            out.append(dict(
                customer_id=cid, kind="dormancy", event_ref=f"dormant:{last}", due_on=as_of,
                severity=1, detail={"idle_days": idle, "last_own_transaction": last.isoformat()},
                reasons=[texts.reason("dormancy.dormant", idle, idle=idle)]))
        elif idle >= LAPSED_DAYS:
            period = every.get(tier, max(every.values()))
            cycle = (idle - LAPSED_DAYS) // period
            out.append(dict(
                customer_id=cid, kind="dormancy", event_ref=f"lapsed:{last}:{cycle}",
                due_on=last + timedelta(days=LAPSED_DAYS + cycle * period), severity=1,
                detail={"idle_days": idle, "last_own_transaction": last.isoformat(),
                        "cycle": cycle, "every_days": period},
                reasons=[texts.reason("dormancy.lapsed", idle, idle=idle)]))
    return out


def statuses(activity: dict, as_of: date) -> int:
    """Keep customers' status (active / dormant / lapsed) in line with their activity."""
    want: dict[str, list[int]] = {"active": [], "dormant": [], "lapsed": []}
    for cid, (last, _tier, status) in activity.items():
        idle = (as_of - last).days
        new = "lapsed" if idle >= LAPSED_DAYS else "dormant" if idle >= DORMANT_DAYS else "active"
        if new != status:
            want[new].append(cid)
    written = 0
    for status, ids in want.items():
        for start in range(0, len(ids), 5000):
            chunk = ids[start:start + 5000]
            written += db.session.execute(update(Customer).where(Customer.id.in_(chunk))
                                          .values(status=status)).rowcount or 0
    return written


# --------------------------------------------------------------------------- retention


def deposit_drop(as_of: date, days: int = 60) -> dict[int, tuple[float, float]]:
    """(deposits at the end of as_of, deposits `days` earlier) per customer, from the books:
    today's balance minus the flows posted after each date."""
    end = start_of_bank_day(as_of + timedelta(days=1))
    start = end - timedelta(days=days)
    flows = (select(Transaction.account_id,
                    func.sum(case((Transaction.posted_at >= end, Transaction.amount), else_=0))
                    .label("after"),
                    func.sum(case((Transaction.posted_at >= start, Transaction.amount), else_=0))
                    .label("since"))
             .where(Transaction.posted_at >= start).group_by(Transaction.account_id).subquery())
    rows = db.session.execute(
        select(Account.customer_id,
               func.sum(Account.balance - func.coalesce(flows.c.after, 0)),
               func.sum(Account.balance - func.coalesce(flows.c.since, 0)))
        .join(Product, Product.id == Account.product_id)
        .outerjoin(flows, flows.c.account_id == Account.id)
        .where(Product.family == "deposit")
        .group_by(Account.customer_id)).all()
    return {cid: (float(now or 0), float(before or 0)) for cid, now, before in rows}


def retention(as_of: date) -> list[dict]:
    """Attrition score over its threshold or jumping, or deposits falling fast."""
    cfg = current_app.config
    now = latest_scores("attrition", as_of)
    before = latest_scores("attrition", as_of - timedelta(days=30))
    balances = deposit_drop(as_of)
    quarter = f"{as_of.year}Q{(as_of.month - 1) // 3 + 1}"
    live = {cid for (cid,) in db.session.execute(select(Customer.id).where(_live_customers()))}
    out = []
    for cid in sorted(live & (set(now) | set(balances))):
        reasons = []
        value = now.get(cid, (None,))[0]
        if value is not None and value >= cfg["RETENTION_SCORE"]:
            reasons.append(texts.reason("retention.score", value))
        old = before.get(cid, (None,))[0]
        if value is not None and old is not None and value - old >= cfg["RETENTION_JUMP"]:
            reasons.append(texts.reason("retention.jump", value - old))
        dep_now, dep_before = balances.get(cid, (0.0, 0.0))
        share = (dep_before - dep_now) / dep_before if dep_before > 1000 else 0.0
        if share > cfg["RETENTION_BALANCE_DROP"]:
            reasons.append(texts.reason("retention.balance_drop", share))
        if reasons:
            out.append(dict(customer_id=cid, kind="retention", event_ref=f"retention:{quarter}",
                            due_on=as_of, severity=3 if (value or 0) >= 0.7 else 2,
                            reasons=reasons, detail={"attrition": value}))
    return out


# --------------------------------------------------------------------------- writing


def upsert_moments(rows: list[dict]) -> int:
    """Insert new moments; raise the severity of open ones; skip kinds already live."""
    if not rows:
        return 0
    live = set(db.session.execute(
        select(KeyMoment.customer_id, KeyMoment.kind)
        .where(KeyMoment.state.in_(LIVE), KeyMoment.kind.in_(ONE_LIVE))).all())
    # a new lapsed cycle replaces the last (see _close_stale_dormancy)
    rows = [r for r in rows if r["kind"] not in ONE_LIVE
            or (r["customer_id"], r["kind"]) not in live or r["event_ref"].startswith("lapsed:")]
    insert = dialect_insert()
    written = 0
    for start in range(0, len(rows), 2000):
        chunk = [{**r, "state": "open"} for r in rows[start:start + 2000]]
        statement = insert(KeyMoment).values(chunk)
        statement = statement.on_conflict_do_update(
            index_elements=["customer_id", "kind", "event_ref"],
            set_={"severity": statement.excluded.severity, "detail": statement.excluded.detail,
                  "reasons": statement.excluded.reasons},
            where=and_(KeyMoment.state.in_(LIVE), KeyMoment.severity < statement.excluded.severity))
        # RETURNING counts the rows really written (rowcount is -1 here on PostgreSQL)
        written += len(db.session.execute(statement.returning(KeyMoment.id)).all())
    return written


def detect(as_of: date) -> int:
    """Run every detector for as_of; return the moments written (new or raised)."""
    cal = WorkCalendar.load()
    activity = last_own_activity(as_of)
    rows = [*activation(as_of, cal), *renewal(as_of, cal), *dormancy(as_of, activity),
            *retention(as_of)]
    _close_stale_dormancy(rows, activity, as_of)
    written = upsert_moments(rows) + statuses(activity, as_of)
    alert_renewals_due()
    return written


def alert_renewals_due() -> int:
    """Tell the RM at once when a large customer's renewal is a week away (once a moment)."""
    rows = db.session.execute(
        select(KeyMoment.id, KeyMoment.customer_id, KeyMoment.reasons, Customer.name,
               Customer.name_en, User)
        .join(Customer, Customer.id == KeyMoment.customer_id)
        .join(User, User.id == Customer.rm_id)
        .where(KeyMoment.kind == "renewal", KeyMoment.severity >= 3,
               KeyMoment.state.in_(LIVE), Customer.segment == "large")).all()
    keys = {f"renewal_due:{row.id}" for row in rows}
    sent = set(db.session.scalars(select(Notification.dedupe_key)
                                  .where(Notification.dedupe_key.in_(keys)))) if keys else set()
    for mid, cid, reasons, name, name_en, rm in rows:
        if f"renewal_due:{mid}" in sent:
            continue
        reason = reasons[0]  # a renewal always says when it matures
        notify(rm, kind="renewal_due", url=f"/customers/{cid}", dedupe_key=f"renewal_due:{mid}",
               texts=texts.notice("renewal_due", customer=texts.Pair(name, name_en or name),
                                  reason=texts.Pair(reason["zh"], reason["en"])),
               detail={"moment_id": mid, "customer_id": cid})
    return len(rows) - len(sent)


def _close_stale_dormancy(rows: list[dict], activity: dict, as_of: date) -> None:
    """A dormancy moment ends when the customer is active again, or when the next stage
    (lapsed, or the next lapsed cycle) opens."""
    current = {r["customer_id"]: r["event_ref"] for r in rows if r["kind"] == "dormancy"}
    live = db.session.execute(
        select(KeyMoment.id, KeyMoment.customer_id, KeyMoment.event_ref)
        .where(KeyMoment.kind == "dormancy", KeyMoment.state.in_(LIVE))).all()
    active_again, superseded = [], []
    for mid, cid, ref in live:
        if cid in activity and (as_of - activity[cid][0]).days < DORMANT_DAYS:
            active_again.append(mid)
        elif cid in current and current[cid] != ref and current[cid].startswith("lapsed:"):
            superseded.append(mid)
    for ids, why in ((active_again, "active again"), (superseded, "superseded")):
        if ids:
            db.session.execute(update(KeyMoment).where(KeyMoment.id.in_(ids))
                               .values(state="done" if why == "active again" else "dismissed",
                                       resolution=why))
