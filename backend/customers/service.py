"""Customer search, and the customer's own part of the 360 card (who they are, their
links, accounts and flows). Every query is scoped by backend.customers.portfolio."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache, partial

from sqlalchemy import Float, bindparam, func, literal, or_, select, union_all
from sqlalchemy.engine import Row
from sqlalchemy.sql.elements import ColumnElement

from backend.auth.models import User
from backend.customers.models import Account, Customer, RelatedParty, Transaction
from backend.customers.portfolio import NOT_IN_PORTFOLIO, customer_scope, require_customer_access
from backend.errors import NotFound
from backend.extensions import db
from backend.models_base import month_key
from backend.products.models import Product

SERIES_MONTHS = 24
# How a link reads from the other side: if A lists B as supplier, B sees A as buyer.
INVERSE_KIND = {"supplier": "buyer", "buyer": "supplier", "affiliate": "affiliate",
                "guarantor": "guaranteed_party", "owner": "owned_company"}


def search(*, user: User, last_contact: ColumnElement, q: str | None = None,
           segment: str | None = None, tier: str | None = None, status: str | None = None,
           include_closed: bool = True, sort: str = "name", page: int = 1,
           per_page: int = 25) -> dict:
    """List the user's customers matching a name or external id and filters, one page.

    `last_contact`: each customer's newest contact (a scalar subquery correlated to
    Customer), shown and sorted on; the contacts are the visits domain's to say."""
    require_customer_access(user)
    conditions = [customer_scope(user)]
    if q:
        pattern = f"%{q.strip().lower()}%"
        conditions.append(or_(func.lower(Customer.name).like(pattern),
                              func.lower(Customer.name_en).like(pattern),
                              Customer.external_id == q.strip()))
    for column, value in ((Customer.segment, segment), (Customer.tier, tier),
                          (Customer.status, status)):
        if value:
            conditions.append(column == value)
    if not include_closed:
        conditions.append(Customer.status != "closed")
    total = db.session.scalar(select(func.count(Customer.id)).where(*conditions))
    last_contact = last_contact.label("last_contact_at")
    order = {
        "name": (Customer.name, Customer.id),
        # Longest without contact first; never contacted comes first of all.
        "last_contact": (last_contact.is_not(None), last_contact, Customer.id),
    }[sort]
    rows = db.session.execute(
        select(Customer, last_contact, User.display_name)
        .outerjoin(User, User.id == Customer.rm_id)
        .where(*conditions).order_by(*order)
        .limit(per_page).offset((page - 1) * per_page)
    ).all()
    items = [_summary(customer, last_at, rm_name) for customer, last_at, rm_name in rows]
    return {"items": items, "total": total, "page": page, "per_page": per_page}


def _summary(customer: Customer, last_contact_at, rm_name) -> dict:
    return {
        "id": customer.id, "external_id": customer.external_id, "name": customer.name,
        "name_en": customer.name_en, "segment": customer.segment, "tier": customer.tier,
        "status": customer.status, "industry": customer.industry, "region": customer.region,
        "rm": {"id": customer.rm_id, "name": rm_name} if customer.rm_id else None,
        "last_contact_at": last_contact_at,
    }


def profile(*, user: User, customer_id: int) -> Row:
    """One customer of the user's portfolio with its RM's name; NotFound otherwise (the same
    words for a missing customer and another portfolio's)."""
    require_customer_access(user)
    found = db.session.connection().execute(
        select(*Customer.__table__.c, User.display_name.label("rm_name"))
        .outerjoin(User, User.id == Customer.rm_id)
        .where(Customer.id == customer_id, customer_scope(user))
    ).first()
    if found is None:
        raise NotFound(NOT_IN_PORTFOLIO)
    return found


def profile_dict(customer: Row) -> dict:
    """Who the customer is, as the 360 card shows it."""
    return {
        "id": customer.id, "external_id": customer.external_id, "name": customer.name,
        "name_en": customer.name_en, "segment": customer.segment, "tier": customer.tier,
        "status": customer.status, "industry": customer.industry, "region": customer.region,
        "founded_on": customer.founded_on, "employees": customer.employees,
        "annual_revenue": customer.annual_revenue, "phone": customer.phone,
        "email": customer.email, "onboarded_on": customer.onboarded_on,
        "consents": {"marketing": customer.consent_marketing, "phone": customer.consent_phone,
                     "email": customer.consent_email},
        "owner": {"name": customer.owner_name, "name_en": customer.owner_name_en},
        "rm": {"id": customer.rm_id, "name": customer.rm_name} if customer.rm_id else None,
    }


@dataclass(frozen=True)
class Holdings:
    """What the customer holds and how it moved: the card's accounts, flows and links."""

    accounts: list[Row]
    activity: dict  # series, fees and channel mix of the last months
    parties: list[dict]  # related parties, both ways, as the reader may see them
    transactions: list[Row]

    @property
    def linked_ids(self) -> set[int]:
        """Every linked customer, in the reader's portfolio or not (their ids never leave
        the server: the package advice counts their deposits)."""
        return {p["other_id"] for p in self.parties if p["other_id"]}


def holdings(*, user: User, customer_id: int, today: date) -> Holdings:
    """The accounts, 24 months of flows, the last transactions and the related parties of a
    customer the caller has found in the user's portfolio (profile())."""
    months = _months_back(today, SERIES_MONTHS)
    params = {"cid": customer_id, "since": datetime.fromisoformat(months[0] + "-01")}
    run = partial(_run, params=params)
    accounts = run(_Q.accounts)
    return Holdings(accounts=accounts,
                    activity=_activity(run(_Q.flows()), accounts, months),
                    parties=_related_parties(user, run(_Q.parties)),
                    transactions=run(_Q.transactions))


def holdings_dict(held: Holdings) -> dict:
    return {"related_parties": [{k: v for k, v in p.items() if k != "other_id"}
                                for p in held.parties],
            "accounts": [_account_dict(a) for a in held.accounts],
            "series": held.activity["series"],
            "channel_mix": held.activity["channel_mix"],
            "transactions": [_transaction_dict(t) for t in held.transactions]}


def _run(statement, *, params):
    # Column selects need no ORM loading: run them on the session's connection (Core).
    return db.session.connection().execute(statement, params).all()


class _Q:
    """The card's statements of customers' own tables, built once: the card is the most read
    thing in the app."""

    cid = bindparam("cid")
    accounts = (
        select(Account.id, Account.external_id, Account.opened_on, Account.maturity_on,
               Account.closed_on, Account.balance, Account.limit_amount, Account.rate,
               Account.days_overdue, Account.status, Product.code, Product.name,
               Product.name_en, Product.family, Product.is_credit, Product.margin_rate,
               Product.annual_cost)
        .join(Product, Product.id == Account.product_id).where(Account.customer_id == cid)
        .order_by(Account.status.desc(), Product.family, Account.opened_on)
    )
    transactions = (
        select(Transaction.id, Transaction.posted_at, Transaction.amount, Transaction.channel,
               Transaction.kind, Transaction.description, Transaction.account_id, Product.code,
               Product.name, Product.name_en, Product.family, Product.is_credit)
        .join(Account, Account.id == Transaction.account_id)
        .join(Product, Product.id == Account.product_id)
        .where(Account.customer_id == cid)
        .order_by(Transaction.posted_at.desc(), Transaction.id.desc()).limit(20)
    )
    _other = Customer.__table__.alias("other")
    # Both directions of every link in one statement: (link, kind, direction, party).
    parties = union_all(
        select(RelatedParty.id, RelatedParty.kind, literal("out").label("direction"),
               RelatedParty.person_name, RelatedParty.note, _other.c.id.label("other_id"),
               _other.c.name, _other.c.name_en)
        .outerjoin(_other, _other.c.id == RelatedParty.related_customer_id)
        .where(RelatedParty.customer_id == cid),
        select(RelatedParty.id, RelatedParty.kind, literal("in"), literal(None),
               RelatedParty.note, _other.c.id, _other.c.name, _other.c.name_en)
        .join(_other, _other.c.id == RelatedParty.customer_id)
        .where(RelatedParty.related_customer_id == cid),
    )
    @staticmethod
    @cache
    def flows_for(dialect: str):
        """Transactions since the series start, by account, month, channel and kind."""
        month = month_key(Transaction.posted_at, dialect)
        is_fee = (Transaction.kind == "fee").label("is_fee")
        return (
            select(Transaction.account_id, month.label("month"), Transaction.channel, is_fee,
                   Transaction.customer_initiated, func.count().label("n"),
                   # floats, not Decimals: these only feed charts and estimates
                   func.sum(Transaction.amount, type_=Float).label("net"),
                   func.sum(func.abs(Transaction.amount), type_=Float).label("gross"))
            .join(Account, Account.id == Transaction.account_id)
            .where(Account.customer_id == _Q.cid, Transaction.posted_at >= bindparam("since"))
            .group_by(Transaction.account_id, month, Transaction.channel, is_fee,
                      Transaction.customer_initiated)
        )

    @staticmethod
    def flows():
        return _Q.flows_for(db.engine.dialect.name)


def _product_dict(row) -> dict:
    return {"code": row.code, "name": row.name, "name_en": row.name_en, "family": row.family,
            "is_credit": row.is_credit}


def _account_dict(a) -> dict:
    return {"id": a.id, "external_id": a.external_id, "product": _product_dict(a),
            "opened_on": a.opened_on, "maturity_on": a.maturity_on, "closed_on": a.closed_on,
            "balance": a.balance, "limit": a.limit_amount, "rate": a.rate,
            "days_overdue": a.days_overdue, "status": a.status}


def _transaction_dict(t) -> dict:
    return {"id": t.id, "posted_at": t.posted_at, "amount": t.amount, "channel": t.channel,
            "kind": t.kind, "description": t.description, "account_id": t.account_id,
            "product": _product_dict(t)}


def _months_back(today: date, count: int) -> list[str]:
    months, year, month = [], today.year, today.month
    for _ in range(count):
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return months[::-1]


def _activity(flows, accounts, months: list[str]) -> dict:
    """Month-end balances, transaction counts, fees and channel mix from one grouped read.

    Month-end balance = today's balance minus every flow posted after that month.
    Fees and the channel mix cover the last 12 calendar months, this one included.
    """
    last12 = set(months[-12:])
    net: dict[int, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    count = dict.fromkeys(months, 0)
    volume = dict.fromkeys(months, 0.0)
    fees = 0.0
    mix: dict[str, list] = defaultdict(lambda: [0, 0.0])
    for account_id, month, channel, is_fee, customer_initiated, n, net_amount, gross in flows:
        net[account_id][month] += net_amount or 0.0
        if month not in count:
            continue
        count[month] += n
        volume[month] += gross or 0.0
        if month in last12:
            if is_fee:
                fees += gross or 0.0
            if customer_initiated:
                mix[channel][0] += n
                mix[channel][1] += gross or 0.0
    deposit = [0.0] * len(months)
    credit = [0.0] * len(months)
    for a in accounts:
        if a.family not in ("deposit", "loan", "card"):
            continue
        target = credit if a.is_credit else deposit
        balance = float(a.balance or 0)
        flows_of = net.get(a.id, {})
        for i in range(len(months) - 1, -1, -1):
            target[i] += balance
            balance -= flows_of.get(months[i], 0.0)
    total = sum(n for n, _ in mix.values()) or 1
    channel_mix = sorted(
        ({"channel": c, "count": n, "amount": round(amount, 2), "share": round(n / total, 4)}
         for c, (n, amount) in mix.items()), key=lambda m: -m["count"])
    series = {"months": months, "deposit_balance": [round(v, 2) for v in deposit],
              "credit_balance": [round(v, 2) for v in credit],
              "transaction_count": [count[m] for m in months],
              "transaction_volume": [round(volume[m], 2) for m in months]}
    return {"series": series, "fees": fees, "channel_mix": channel_mix}


def profitability(held: Holdings, *, contact_cost: float) -> dict:
    """Twelve-month revenue, cost to serve and margin of the relationship; `contact_cost`
    is what the last twelve months' contacts cost (the visits domain counts them)."""
    accounts, series = held.accounts, held.activity["series"]
    product_cost = sum(float(a.annual_cost or 0) for a in accounts
                       if a.status == "open" or a.closed_on is not None)
    # Average month-end balance over the last 12 months, by deposit/credit side.
    avg_deposit = sum(series["deposit_balance"][-12:]) / 12
    avg_credit = sum(series["credit_balance"][-12:]) / 12
    interest = (avg_deposit * _weighted_margin([a for a in accounts
                                                if not a.is_credit and a.family == "deposit"])
                + avg_credit * _weighted_margin([a for a in accounts if a.is_credit]))
    fees = held.activity["fees"]
    revenue = interest + fees
    cost = product_cost + contact_cost
    return {"revenue": round(revenue, 2), "interest_margin": round(interest, 2),
            "fees": round(fees, 2), "cost_to_serve": round(cost, 2),
            "product_cost": round(product_cost, 2), "contact_cost": round(contact_cost, 2),
            "margin": round(revenue - cost, 2), "months": 12}


def _weighted_margin(accounts) -> float:
    """The balance-weighted margin rate of these accounts (a plain mean when all are empty)."""
    if not accounts:
        return 0.0
    total = sum(abs(float(a.balance or 0)) for a in accounts)
    if not total:
        return sum(float(a.margin_rate or 0) for a in accounts) / len(accounts)
    return sum(abs(float(a.balance or 0)) * float(a.margin_rate or 0) for a in accounts) / total


def _related_parties(user: User, links) -> list[dict]:
    """Every link, both ways; a party outside the user's portfolio shows its name only."""
    linked = {link.other_id for link in links if link.other_id}
    visible = set()
    if linked:
        visible = set(db.session.connection().scalars(
            select(Customer.id).where(Customer.id.in_(linked), customer_scope(user))))
    parties = []
    for link in links:
        kind = link.kind if link.direction == "out" else INVERSE_KIND.get(link.kind, link.kind)
        if link.other_id is None:
            parties.append({"id": link.id, "kind": kind, "type": "person",
                            "name": link.person_name, "name_en": None, "note": link.note,
                            "customer": None, "in_portfolio": False, "other_id": None})
            continue
        mine = link.other_id in visible
        parties.append({"id": link.id, "kind": kind, "type": "customer", "name": link.name,
                        "name_en": link.name_en, "note": link.note,
                        "customer": {"id": link.other_id, "name": link.name} if mine else None,
                        "in_portfolio": mine, "other_id": link.other_id})
    # the owner first, then the links as they were recorded: the same order every read
    return sorted(parties, key=lambda p: (p["kind"] != "owner", p["id"]))
