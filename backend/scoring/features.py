"""Customer features as of a date, computed by the database in bulk (DESIGN §5 step 1).

One grouped statement per source (accounts with their transactions, transactions by
customer, contacts, offers), joined on the customer, gives one row per customer who was
a customer on `as_of` (onboarded by then, not closed before it). No features table: the
frame is rebuilt on demand; on the demo bank it takes well under a second.

Balances: the exact time-weighted average balance over a window ending at `as_of` is
    end balance - sum(amount x (posted - window start)) / window length
over the window's transactions, because a flow posted at t is missing from the balance
before t. With the end balance itself derived as today's balance minus every flow posted
after `as_of` (the demo bank's books are exact, see backend/demo/), this gives
point-in-time 30/91/365-day averages from one scan, with no month-end table.

Fields the books hold as today's values (revenue, head count, consents, credit limits,
days overdue) are read as they were on `as_of`: an import that replaced one kept the old
value (backend/customers/history.py). Days overdue on `as_of` = the value replaced first
after it (or today's) minus the days between (an overdue spell is assumed unbroken).
Windows that reach before the books begin are shorter than their names: the frame's
attrs["history_days"] says how much of the year the books cover.
"""

from collections.abc import Callable
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
from flask import current_app
from sqlalchemy import Float, Subquery, and_, case, cast, func, select

from backend.customers import history
from backend.customers.models import Account, Customer, Transaction
from backend.extensions import db
from backend.products.models import Product
from backend.visits.models import Interaction

WINDOWS = (30, 91, 365)
TX_CHANNELS = ("branch", "mobile", "online", "atm", "pos", "transfer")
CONTACT_CHANNELS = ("visit", "call", "video", "message", "email")
EPOCH = datetime(1970, 1, 1)
NEVER = 9999  # days since an event that never happened
DORMANT_DAYS = 90  # no own transaction for this long: dormant (as the demo bank marks it)
SILENT_DAYS = 30  # no own transaction for this long: already silent, past an early warning


def day_end(as_of: date) -> datetime:
    """The UTC instant (naive) when the bank's day `as_of` ends."""
    zone = ZoneInfo(current_app.config["BANK_TIMEZONE"])
    local_end = datetime.combine(as_of + timedelta(days=1), datetime.min.time())
    return local_end - zone.utcoffset(local_end)


def snapshot_date() -> date:
    """The date the books' snapshot fields (balance, days overdue) describe: today."""
    return datetime.now(ZoneInfo(current_app.config["BANK_TIMEZONE"])).date()


def _days(column):
    """Days since 1970-01-01 of a timestamp column, as a float, on SQLite or PostgreSQL."""
    if db.engine.dialect.name == "postgresql":
        return func.extract("epoch", column) / 86400.0
    return func.julianday(column) - 2440587.5


def _epoch_days(moment: datetime) -> float:
    return (moment - EPOCH).total_seconds() / 86400.0


def _f(expr):
    return cast(expr, Float)


def _sum(expr):
    return func.coalesce(func.sum(expr), 0.0)


def count_if(condition):
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def product_codes() -> list[str]:
    """Codes of the bank's own-book products (the owner's retail and private ones excluded)."""
    return list(db.session.scalars(
        select(Product.code).where(Product.line.in_(("sme", "partner"))).order_by(Product.code)))


def _held_at(as_of: date):
    return and_(Account.opened_on <= as_of,
                (Account.closed_on.is_(None)) | (Account.closed_on > as_of))


def _accounts_subquery(as_of: date, end: datetime, codes: list[str]):
    """Per customer: holdings, balances (point and averages), limits, overdue, revenue."""
    amount = _f(Transaction.amount)
    posted = _days(Transaction.posted_at)
    after = _sum(case((Transaction.posted_at > end, amount), else_=0.0))
    lag = max((snapshot_date() - as_of).days, 0)
    per_account = [
        Account.id, Account.customer_id, Product.code, Product.family, Product.is_credit,
        _f(Product.margin_rate).label("margin_rate"), _f(Product.annual_cost).label("cost"),
        _held_at(as_of).label("held"),
        ((Account.opened_on > as_of - timedelta(days=365)) & (Account.opened_on <= as_of))
        .label("opened_12m"),
        (_f(Account.balance) - after).label("bal"),
        _f(history.as_of(Account.limit_amount, "accounts", Account.id, end))
        .label("limit_amount"),
        history.snapshot_as_of(Account.days_overdue, "accounts", Account.id, end, _days,
                               _epoch_days(end), lag).label("days_overdue"),
        _sum(case(((Transaction.kind == "fee") & (Transaction.posted_at <= end)
                   & (Transaction.posted_at > end - timedelta(days=365)), func.abs(amount)),
                  else_=0.0)).label("fees_12m"),
    ]
    for w in WINDOWS:
        start = end - timedelta(days=w)
        weighted = _sum(case(((Transaction.posted_at > start) & (Transaction.posted_at <= end),
                              amount * (posted - _epoch_days(start))), else_=0.0))
        per_account.append(((_f(Account.balance) - after) - weighted / w).label(f"avg{w}"))
    accounts = (
        select(*per_account)
        .join(Product, Product.id == Account.product_id)
        .outerjoin(Transaction, (Transaction.account_id == Account.id)
                   & (Transaction.posted_at > end - timedelta(days=365)))
        .where(Account.opened_on <= as_of)
        .group_by(Account.id, Account.customer_id, Product.code, Product.family,
                  Product.is_credit, Product.margin_rate, Product.annual_cost)
        .subquery("acc")
    )
    a = accounts.c
    deposit = a.family == "deposit"
    cols = [
        a.customer_id,
        count_if(a.held).label("products_held"),
        count_if(a.opened_12m).label("products_opened_12m"),
        _sum(case((a.held & deposit, a.bal), else_=0.0)).label("deposit_balance"),
        _sum(case((a.held & a.is_credit, a.bal), else_=0.0)).label("credit_balance"),
        _sum(case((a.held & a.is_credit, a.limit_amount), else_=0.0)).label("credit_limit"),
        func.coalesce(func.max(case((a.held & a.is_credit, a.days_overdue), else_=0)), 0)
        .label("days_overdue_raw"),
        count_if(a.held & a.is_credit).label("credit_accounts"),
        _sum(a.fees_12m).label("fees_12m"),
        _sum(case((a.held | a.opened_12m, a.cost), else_=0.0)).label("product_cost_12m"),
        _sum(case((deposit | a.is_credit, func.abs(a.avg365) * a.margin_rate), else_=0.0))
        .label("interest_margin_12m"),
    ]
    for w in WINDOWS:
        cols.append(_sum(case((deposit, a[f"avg{w}"]), else_=0.0)).label(f"deposit_avg_{w}d"))
        cols.append(_sum(case((a.is_credit, a[f"avg{w}"]), else_=0.0)).label(f"credit_avg_{w}d"))
    cols += [func.max(case((a.held & (a.code == c), 1), else_=0)).label(f"holds_{c}")
             for c in codes]
    return select(*cols).group_by(a.customer_id).subquery("accf")


def _transactions_subquery(end: datetime):
    """Per customer: own transactions by window and channel, and the last one."""
    own = Transaction.customer_initiated.is_(True) & (Transaction.posted_at <= end)
    amount = func.abs(_f(Transaction.amount))
    cols = [Account.customer_id.label("customer_id"),
            func.max(case((own, Transaction.posted_at))).label("last_own_tx")]
    for w in WINDOWS:
        inside = own & (Transaction.posted_at > end - timedelta(days=w))
        cols.append(count_if(inside).label(f"tx_count_{w}d"))
        cols.append(_sum(case((inside, amount), else_=0.0)).label(f"tx_amount_{w}d"))
    inside = own & (Transaction.posted_at > end - timedelta(days=91))
    for ch in TX_CHANNELS:
        cols.append(count_if(inside & (Transaction.channel == ch)).label(f"tx_{ch}_91d"))
    return (select(*cols).join(Account, Account.id == Transaction.account_id)
            .where(Transaction.posted_at <= end)
            .group_by(Account.customer_id).subquery("txf"))


def _contacts_subquery(end: datetime):
    """Per customer: contacts in the last year by channel and outcome, and the last one."""
    i = Interaction
    year = (i.started_at > end - timedelta(days=365))
    reached = i.outcome.notin_(("not_reached",))
    # A contact whose outcome is a sale records the very product a model predicts (the
    # account opens days later): it is not a contact the models may learn from.
    cols = [i.customer_id,
            func.max(case((i.outcome != "sale", i.started_at))).label("last_contact"),
            count_if(year).label("contacts_12m"),
            count_if(year & reached).label("reached_12m"),
            count_if(year & (i.outcome == "sale")).label("contact_sales_12m"),
            count_if(year & (i.outcome == "declined")).label("contact_declines_12m"),
            count_if(year & (i.outcome == "complaint")).label("complaints_12m"),
            count_if(year & (i.outcome == "interested")).label("contact_interest_12m")]
    for ch in CONTACT_CHANNELS:
        cols.append(count_if(year & (i.channel == ch)).label(f"contacts_{ch}_12m"))
    return (select(*cols).where(i.started_at <= end)
            .group_by(i.customer_id).subquery("conf"))


# Feature sources of the decisions above scoring (offers' own history): each is a function
# (as_of, end of that bank day) -> a subquery of customer_id and its feature columns,
# registered by its domain, so scoring reads none of their tables.
SOURCES: list[Callable[[date, datetime], Subquery]] = []


def feature_source(build: Callable[[date, datetime], Subquery]):
    """Register a source of features (see SOURCES)."""
    SOURCES.append(build)
    return build


_cache: dict | None = None


@contextmanager
def cached():
    """Within this block features(d) is computed once per date (training reuses dates)."""
    global _cache
    outer, _cache = _cache, ({} if _cache is None else _cache)
    try:
        yield
    finally:
        _cache = outer


def features(as_of: date) -> pd.DataFrame:
    """Return one row of features per customer on the books on `as_of` (index customer_id)."""
    if _cache is not None:
        if as_of not in _cache:
            _cache[as_of] = _features(as_of)
        return _cache[as_of].copy()
    return _features(as_of)


def _features(as_of: date) -> pd.DataFrame:
    end = day_end(as_of)
    codes = product_codes()
    acc = _accounts_subquery(as_of, end, codes)
    tx = _transactions_subquery(end)
    con = _contacts_subquery(end)
    sources = [acc, tx, con, *(build(as_of, end) for build in SOURCES)]
    c = Customer
    known = [history.as_of(column, "customers", c.id, end).label(column.key)
             for column in (c.employees, c.consent_marketing, c.consent_phone, c.consent_email)]
    statement = select(c.id.label("customer_id"), c.industry, *known,
                       _f(history.as_of(c.annual_revenue, "customers", c.id, end))
                       .label("annual_revenue"), c.onboarded_on,
                       *[col for source in sources for col in source.c
                         if col.name != "customer_id"])
    for source in sources:
        statement = statement.outerjoin(source, source.c.customer_id == c.id)
    statement = statement.where((c.onboarded_on.is_(None)) | (c.onboarded_on <= as_of),
                                (c.closed_on.is_(None)) | (c.closed_on > as_of)).order_by(c.id)
    result = db.session.connection().execute(statement)
    frame = pd.DataFrame(result.all(), columns=list(result.keys())).set_index("customer_id")
    return _finish(frame, as_of, end, codes)


def _history_days(as_of: date, end: datetime) -> float:
    """How many of the year's days before `as_of` the books cover (1..365). A full year is
    settled by finding one older transaction: min() over every transaction would scan the
    whole table on each call (no index leads with posted_at)."""
    year = WINDOWS[-1]
    older = select(Transaction.id).where(Transaction.posted_at <= end - timedelta(days=year))
    if db.session.scalar(older.limit(1)) is not None:
        return float(year)
    first = db.session.scalar(select(func.min(Transaction.posted_at)))
    if first is None:
        return 1.0
    return float(np.clip((as_of - pd.Timestamp(first).date()).days, 1, year))


def _days_since(moments: pd.Series, end: datetime) -> pd.Series:
    stamps = pd.to_datetime(moments, errors="coerce", format="mixed")
    days = (pd.Timestamp(end) - stamps).dt.total_seconds() / 86400.0
    return days.fillna(NEVER).clip(lower=0).round(1)


def _finish(frame: pd.DataFrame, as_of: date, end: datetime, codes: list[str]) -> pd.DataFrame:
    """Fill gaps, derive ratios and the revenue and cost-to-serve figures (vectorised)."""
    text = {"industry"}
    for name in frame.columns:
        if name in text or name in ("onboarded_on", "last_own_tx", "last_contact"):
            continue
        frame[name] = pd.to_numeric(frame[name], errors="coerce").astype(float).fillna(0.0)
    frame["industry"] = frame["industry"].fillna("unknown").astype(str)
    onboarded = pd.to_datetime(frame.pop("onboarded_on"), errors="coerce")
    frame["tenure_days"] = ((pd.Timestamp(as_of) - onboarded).dt.days
                            .fillna(0).clip(lower=0).astype(float))
    frame["days_since_own_tx"] = _days_since(frame.pop("last_own_tx"), end)
    frame["days_since_contact"] = _days_since(frame.pop("last_contact"), end)
    frame["days_overdue"] = frame.pop("days_overdue_raw").clip(lower=0)
    frame["limit_utilisation"] = np.where(frame["credit_limit"] > 0,
                                          frame["credit_balance"] / frame["credit_limit"].where(
                                              frame["credit_limit"] > 0, 1.0), 0.0)
    frame["balance_trend"] = ((frame["deposit_avg_30d"] - frame["deposit_avg_365d"])
                              / (frame["deposit_avg_365d"].abs() + 1000.0))
    costs = current_app.config["CONTACT_COST"]
    frame["contact_cost_12m"] = sum(frame[f"contacts_{ch}_12m"] * costs.get(ch, 0.0)
                                    for ch in CONTACT_CHANNELS)
    frame["revenue_12m"] = frame["interest_margin_12m"] + frame["fees_12m"]
    frame["cost_to_serve_12m"] = frame["product_cost_12m"] + frame["contact_cost_12m"]
    frame["margin_12m"] = frame["revenue_12m"] - frame["cost_to_serve_12m"]
    frame["reach_rate_12m"] = (frame["reached_12m"] + 1) / (frame["contacts_12m"] + 2)
    frame["dormant"] = (frame["days_since_own_tx"] >= DORMANT_DAYS).astype(float)
    # Windows reaching before the books begin hold less than their length: the frame says
    # how much of the year the books cover, and rates are per day actually covered.
    history = _history_days(as_of, end)
    frame.attrs["history_days"] = history
    # the last quarter's activity against the year's, per day (log: 0 is steady)
    frame["tx_trend"] = np.log((frame["tx_count_91d"] + 1) / min(91.0, history)
                               / ((frame["tx_count_365d"] + 1) / history))
    frame["mobile_share"] = frame["tx_mobile_91d"] / (frame["tx_count_91d"] + 1)
    frame.attrs["as_of"] = as_of
    frame.attrs["codes"] = codes
    return frame


# --------------------------------------------------------------------------- labels


def _population(as_of: date):
    c = Customer
    return ((c.onboarded_on.is_(None)) | (c.onboarded_on <= as_of),
            (c.closed_on.is_(None)) | (c.closed_on > as_of))


def _series(statement, name: str) -> pd.Series:
    rows = db.session.connection().execute(statement).all()
    series = pd.Series({r[0]: int(bool(r[1])) for r in rows}, name=name, dtype=int)
    series.index.name = "customer_id"
    return series


def labels_attrition(as_of: date, horizon_days: int = 182) -> pd.Series:
    """1 when a customer active on `as_of` left within the horizon after it.

    Active: an own transaction in the SILENT_DAYS before `as_of` (a customer already silent
    has left; warning about them is no warning). Left: closed within the horizon, or silent
    for DORMANT_DAYS right after it, so the last own transaction fell inside the horizon.
    The label is therefore known DORMANT_DAYS after the horizon ends.
    """
    end, horizon_end = day_end(as_of), day_end(as_of + timedelta(days=horizon_days))
    seen_after = (select(Account.customer_id.label("customer_id"))
                  .join(Transaction, Transaction.account_id == Account.id)
                  .where(Transaction.customer_initiated.is_(True),
                         Transaction.posted_at > horizon_end,
                         Transaction.posted_at <= horizon_end + timedelta(days=DORMANT_DAYS))
                  .group_by(Account.customer_id).subquery())
    active, c = _active(end), Customer
    left = (c.closed_on.is_not(None)) & (c.closed_on <= as_of + timedelta(days=horizon_days))
    statement = (select(c.id, left | seen_after.c.customer_id.is_(None))
                 .join(active, active.c.customer_id == c.id)
                 .outerjoin(seen_after, seen_after.c.customer_id == c.id)
                 .where(*_population(as_of)).order_by(c.id))
    return _series(statement, "attrition")


def _active(end: datetime):
    """Customers with an own transaction in the SILENT_DAYS up to `end`."""
    return (select(Account.customer_id.label("customer_id"))
            .join(Transaction, Transaction.account_id == Account.id)
            .where(Transaction.customer_initiated.is_(True), Transaction.posted_at <= end,
                   Transaction.posted_at > end - timedelta(days=SILENT_DAYS))
            .group_by(Account.customer_id).subquery("active"))


def labels_product_taken(as_of: date, code: str, horizon_days: int = 91) -> pd.Series:
    """1 when a customer not holding `code` on `as_of` opened it within the horizon."""
    c = Customer
    product = select(Product.id).where(Product.code == code).scalar_subquery()
    held = (select(Account.id).where(Account.customer_id == c.id, Account.product_id == product,
                                     _held_at(as_of)).exists())
    took = (select(Account.id).where(Account.customer_id == c.id, Account.product_id == product,
                                     Account.opened_on > as_of,
                                     Account.opened_on <= as_of + timedelta(days=horizon_days))
            .exists())
    statement = (select(c.id, took).where(*_population(as_of), ~held).order_by(c.id))
    return _series(statement, f"took_{code}")


def labels_repayment(as_of: date, horizon_days: int = 182) -> pd.Series:
    """1 when a credit holder on `as_of` went 30+ days overdue within the horizon.

    Only today's days overdue are on the books, so the spell is dated backwards: an account
    d days overdue today crossed 30 days on today - d + 30.
    """
    lag = (snapshot_date() - as_of).days
    c = Customer
    credit = (select(Account.customer_id.label("customer_id"),
                     func.max(case(((Account.days_overdue >= 30)
                                    & (Account.days_overdue - 30 < lag)
                                    & (Account.days_overdue - 30 >= lag - horizon_days), 1),
                                   else_=0)).label("event"))
              .join(Product, Product.id == Account.product_id)
              .where(Product.is_credit.is_(True), _held_at(as_of))
              .group_by(Account.customer_id).subquery())
    statement = (select(c.id, credit.c.event).join(credit, credit.c.customer_id == c.id)
                 .where(*_population(as_of)).order_by(c.id))
    return _series(statement, "repayment")

