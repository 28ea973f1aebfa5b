"""Customer search and the 360 card. Every query is scoped by backend.customers.portfolio."""

from collections import defaultdict
from datetime import date, datetime, timedelta
from functools import cache, partial

from flask import current_app
from sqlalchemy import Float, bindparam, func, literal, or_, select, union_all

from backend.auth import service as auth_service
from backend.auth.models import User
from backend.customers.models import Account, Customer, RelatedParty, Transaction
from backend.customers.portfolio import NOT_IN_PORTFOLIO, customer_scope, require_customer_access
from backend.errors import NotFound
from backend.extensions import db
from backend.models_base import JSONType, month_key
from backend.moments.models import KeyMoment, RiskCase
from backend.offers import related
from backend.offers import service as offers_service
from backend.offers.models import Offer
from backend.products import packages
from backend.products.models import Product
from backend.scoring.models import Score
from backend.visits import surveys
from backend.visits.models import Interaction

SERIES_MONTHS = 24
# How a link reads from the other side: if A lists B as supplier, B sees A as buyer.
INVERSE_KIND = {"supplier": "buyer", "buyer": "supplier", "affiliate": "affiliate",
                "guarantor": "guaranteed_party", "owner": "owned_company"}


def _last_contact():
    return (select(func.max(Interaction.started_at))
            .where(Interaction.customer_id == Customer.id)
            .correlate(Customer).scalar_subquery())


def search(*, user: User, q: str | None = None, segment: str | None = None,
           tier: str | None = None, status: str | None = None, include_closed: bool = True,
           sort: str = "name", page: int = 1, per_page: int = 25) -> dict:
    """List the user's customers matching a name or external id and filters, one page."""
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
    last_contact = _last_contact().label("last_contact_at")
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


def card(*, user: User, customer_id: int, today: date | None = None) -> dict:
    """Build the 360 card of one customer in the user's portfolio, and audit the read."""
    require_customer_access(user)
    today = today or date.today()
    customer = db.session.connection().execute(
        select(*Customer.__table__.c, User.display_name.label("rm_name"))
        .outerjoin(User, User.id == Customer.rm_id)
        .where(Customer.id == customer_id, customer_scope(user))
    ).first()
    if customer is None:
        raise NotFound(NOT_IN_PORTFOLIO)  # the same words for a missing customer
    months = _months_back(today, SERIES_MONTHS)
    params = {"cid": customer.id, "since": datetime.fromisoformat(months[0] + "-01"),
              "since12": datetime.combine(today - timedelta(days=365), datetime.min.time())}
    run = partial(_run, params=params)
    accounts, links = run(_Q.accounts), run(_Q.parties)
    activity = _activity(run(_Q.flows()), accounts, months)
    card = {
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
        "related_parties": (parties := _related_parties(user, links)),
        "related_needs": related.needs(parties),
        "accounts": [_account_dict(a) for a in accounts],
        "profitability": _profitability(accounts, activity, run(_Q.contacts)),
        "series": activity["series"],
        "channel_mix": activity["channel_mix"],
        "transactions": [_transaction_dict(t) for t in run(_Q.transactions)],
        "interactions": [_interaction_dict(i) for i in run(_Q.interactions)],
        "scores": _scores_with_change(run(_Q.scores), params),
        "moments": [dict(r._mapping) for r in run(_Q.moments)],
        "risk_cases": [dict(r._mapping) for r in run(_Q.risk_cases)],
        "offers": [_offer_dict(o, user.grade) for o in run(_Q.offers)],
        "satisfaction": surveys.customer_satisfaction(customer.id),
        "package": packages.advice(customer.id, customer.tier,
                                   {link.other_id for link in links if link.other_id}),
        "currency": current_app.config["CURRENCY"],
        "as_of": today,
    }
    auth_service.audit("customer.view", user_id=user.id, object_type="customer",
                       object_id=customer.id)
    db.session.commit()
    return card


def _run(statement, *, params):
    # Column selects need no ORM loading: run them on the session's connection (Core).
    return db.session.connection().execute(statement, params).all()


class _Q:
    """The card's statements, built once: the card is the most read thing in the app."""

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
    contacts = (
        select(Interaction.channel, func.count())
        .where(Interaction.customer_id == cid, Interaction.started_at >= bindparam("since12"))
        .group_by(Interaction.channel)
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
    interactions = (
        select(Interaction.id, Interaction.client_id, Interaction.version, Interaction.channel,
               Interaction.started_at, Interaction.outcome, Interaction.notes,
               Interaction.objective, Interaction.follow_up_objective,
               Interaction.products_discussed,
               Interaction.follow_up_on, Interaction.rm_id, User.display_name)
        .join(User, User.id == Interaction.rm_id).where(Interaction.customer_id == cid)
        .order_by(Interaction.started_at.desc(), Interaction.id.desc()).limit(10)
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
    _latest = (select(Score.model, func.max(Score.as_of).label("as_of"))
               .where(Score.customer_id == cid).group_by(Score.model).subquery())
    scores = (
        select(Score.model, Score.version, Score.value, Score.band,
               func.coalesce(Score.reasons, literal([], JSONType)).label("reasons"), Score.as_of)
        .join(_latest, (_latest.c.model == Score.model) & (_latest.c.as_of == Score.as_of))
        .where(Score.customer_id == cid).order_by(Score.model)
    )
    _before = (select(Score.model, func.max(Score.as_of).label("as_of"))
               .where(Score.customer_id == cid, Score.as_of <= bindparam("month_ago"))
               .group_by(Score.model).subquery())
    month_ago_scores = (
        select(Score.model, Score.value)
        .join(_before, (_before.c.model == Score.model) & (_before.c.as_of == Score.as_of))
        .where(Score.customer_id == cid)
    )
    products_named = select(Product.code, Product.name, Product.name_en).where(
        Product.code.in_(bindparam("codes", expanding=True)))
    moments = (
        select(KeyMoment.id, KeyMoment.kind, KeyMoment.due_on, KeyMoment.severity,
               KeyMoment.state, func.coalesce(KeyMoment.reasons, literal([], JSONType))
               .label("reasons"), KeyMoment.detail)
        .where(KeyMoment.customer_id == cid, KeyMoment.state.in_(("open", "acknowledged")))
        .order_by(KeyMoment.due_on, KeyMoment.id)
    )
    risk_cases = (
        select(RiskCase.id, RiskCase.opened_on, RiskCase.signals, RiskCase.probability,
               RiskCase.exposure, RiskCase.expected_loss, RiskCase.severity,
               RiskCase.tier_response, RiskCase.state, RiskCase.requested_action,
               RiskCase.action_detail, RiskCase.decision, RiskCase.decision_note)
        .where(RiskCase.customer_id == cid, RiskCase.state != "closed")
        .order_by(RiskCase.opened_on.desc())
    )
    offers = (
        select(Offer.id, Offer.score, Offer.expected_value, Offer.reasons, Offer.price,
               Offer.state, Product.code, Product.name, Product.name_en, Product.family,
               Product.is_credit)
        .join(Product, Product.id == Offer.product_id)
        .where(Offer.customer_id == cid, Offer.state.in_(("suggested", "presented", "accepted")))
        .order_by(Offer.expected_value.desc())
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


def _scores_with_change(scores, params: dict) -> list[dict]:
    """Each model's latest score, with its change since the score a month before."""
    if not scores:
        return []
    month_ago = max(s.as_of for s in scores) - timedelta(days=30)
    before = dict(_run(_Q.month_ago_scores, params={**params, "month_ago": month_ago}))
    # propensity:<code> names a product: give the RM its name
    codes = [s.model.split(":", 1)[1] for s in scores if s.model.startswith("propensity:")]
    products = {p.code: {"code": p.code, "name": p.name, "name_en": p.name_en}
                for p in _run(_Q.products_named, params={"codes": codes})} if codes else {}
    return [{**s._mapping, "change": None if s.model not in before
             else round(s.value - before[s.model], 6),
             "product": products.get(s.model.partition(":")[2])} for s in scores]


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


def _interaction_dict(i) -> dict:
    return {"id": i.id, "client_id": i.client_id, "version": i.version, "channel": i.channel,
            "started_at": i.started_at, "outcome": i.outcome, "notes": i.notes,
            "objective": i.objective, "follow_up_objective": i.follow_up_objective,
            "products_discussed": i.products_discussed or [], "follow_up_on": i.follow_up_on,
            "rm": {"id": i.rm_id, "name": i.display_name}}


def _offer_dict(o, grade: int) -> dict:
    return {"id": o.id, "product": _product_dict(o), "score": o.score,
            "expected_value": o.expected_value, "reasons": o.reasons or [],
            "price": offers_service.with_band(o.price, grade), "state": o.state}


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


def _profitability(accounts, activity: dict, contacts) -> dict:
    """Twelve-month revenue, cost to serve and margin of the relationship."""
    series = activity["series"]
    product_cost = sum(float(a.annual_cost or 0) for a in accounts
                       if a.status == "open" or a.closed_on is not None)
    # Average month-end balance over the last 12 months, by deposit/credit side.
    avg_deposit = sum(series["deposit_balance"][-12:]) / 12
    avg_credit = sum(series["credit_balance"][-12:]) / 12
    interest = (avg_deposit * _weighted_margin([a for a in accounts
                                                if not a.is_credit and a.family == "deposit"])
                + avg_credit * _weighted_margin([a for a in accounts if a.is_credit]))
    costs = current_app.config["CONTACT_COST"]
    contact_cost = sum(costs.get(channel, 0.0) * n for channel, n in contacts)
    fees = activity["fees"]
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
                            "customer": None, "in_portfolio": False})
            continue
        mine = link.other_id in visible
        parties.append({"id": link.id, "kind": kind, "type": "customer", "name": link.name,
                        "name_en": link.name_en, "note": link.note,
                        "customer": {"id": link.other_id, "name": link.name} if mine else None,
                        "in_portfolio": mine})
    # the owner first, then the links as they were recorded: the same order every read
    return sorted(parties, key=lambda p: (p["kind"] != "owner", p["id"]))
