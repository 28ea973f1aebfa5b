"""Customer search and the 360 card. Every query is scoped by backend.auth.portfolio."""

from collections import defaultdict
from datetime import date, datetime, timedelta

from flask import current_app
from sqlalchemy import func, or_, select

from backend.auth import service as auth_service
from backend.auth.models import User
from backend.auth.portfolio import customer_scope, require_customer_access, visible_customer
from backend.customers.models import Account, Customer, RelatedParty, Transaction
from backend.extensions import db
from backend.models_base import month_key
from backend.moments.models import KeyMoment
from backend.offers.models import Offer
from backend.products.models import Product
from backend.scoring.models import Score
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
    customer = visible_customer(user, customer_id)
    today = today or date.today()
    accounts = _accounts(customer.id)
    series = _monthly_series(customer.id, accounts, today)
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
        "rm": {"id": customer.rm.id, "name": customer.rm.display_name} if customer.rm else None,
        "related_parties": _related_parties(user, customer.id),
        "accounts": [_account_dict(a, p) for a, p in accounts],
        "profitability": _profitability(customer.id, accounts, series, today),
        "series": series,
        "channel_mix": _channel_mix(customer.id, today),
        "transactions": _recent_transactions(customer.id),
        "interactions": _recent_interactions(customer.id),
        "scores": _latest_scores(customer.id),
        "moments": _open_moments(customer.id),
        "offers": _open_offers(customer.id),
        "currency": current_app.config["CURRENCY"],
        "as_of": today,
    }
    auth_service.audit("customer.view", user_id=user.id, object_type="customer",
                       object_id=customer.id)
    db.session.commit()
    return card


def _accounts(customer_id: int) -> list[tuple[Account, Product]]:
    return db.session.execute(
        select(Account, Product).join(Product, Product.id == Account.product_id)
        .where(Account.customer_id == customer_id)
        .order_by(Account.status.desc(), Product.family, Account.opened_on)
    ).all()


def _account_dict(account: Account, product: Product) -> dict:
    return {
        "id": account.id, "external_id": account.external_id,
        "product": {"code": product.code, "name": product.name, "name_en": product.name_en,
                    "family": product.family, "is_credit": product.is_credit},
        "opened_on": account.opened_on, "maturity_on": account.maturity_on,
        "closed_on": account.closed_on, "balance": account.balance,
        "limit": account.limit_amount, "rate": account.rate,
        "days_overdue": account.days_overdue, "status": account.status,
    }


def _months_back(today: date, count: int) -> list[str]:
    months, year, month = [], today.year, today.month
    for _ in range(count):
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return months[::-1]


def _monthly_series(customer_id: int, accounts, today: date) -> dict:
    """Month-end balances (deposits, credit) and transaction counts for 24 months.

    Month-end balance = today's balance minus every flow posted after that month.
    """
    months = _months_back(today, SERIES_MONTHS)
    start = datetime.fromisoformat(months[0] + "-01")
    month = month_key(Transaction.posted_at, db.engine.dialect.name)
    rows = db.session.execute(
        select(Transaction.account_id, month.label("m"), func.count(), func.sum(Transaction.amount),
               func.sum(func.abs(Transaction.amount)))
        .join(Account, Account.id == Transaction.account_id)
        .where(Account.customer_id == customer_id, Transaction.posted_at >= start)
        .group_by(Transaction.account_id, month)
    ).all()
    flows: dict[int, dict[str, float]] = defaultdict(dict)
    count = dict.fromkeys(months, 0)
    volume = dict.fromkeys(months, 0.0)
    for account_id, m, n, net, gross in rows:
        flows[account_id][m] = float(net or 0)
        if m in count:
            count[m] += n
            volume[m] += float(gross or 0)
    deposit = [0.0] * len(months)
    credit = [0.0] * len(months)
    for account, product in accounts:
        target = credit if product.is_credit else deposit
        if product.family not in ("deposit", "loan", "card"):
            continue
        balance = float(account.balance or 0)
        for i in range(len(months) - 1, -1, -1):
            target[i] += round(balance, 2)
            balance -= flows[account.id].get(months[i], 0.0)
    return {"months": months, "deposit_balance": [round(v, 2) for v in deposit],
            "credit_balance": [round(v, 2) for v in credit],
            "transaction_count": [count[m] for m in months],
            "transaction_volume": [round(volume[m], 2) for m in months]}


def _profitability(customer_id: int, accounts, series: dict, today: date) -> dict:
    """Twelve-month revenue, cost to serve and margin of the relationship."""
    since = datetime.combine(today - timedelta(days=365), datetime.min.time())
    interest = 0.0
    product_cost = 0.0
    for account, product in accounts:
        if account.status == "open" or (account.closed_on and account.closed_on >= since.date()):
            product_cost += float(product.annual_cost or 0)
    # Average month-end balance over the last 12 months, by deposit/credit side.
    avg_deposit = sum(series["deposit_balance"][-12:]) / 12
    avg_credit = sum(series["credit_balance"][-12:]) / 12
    open_deposit = [(a, p) for a, p in accounts if not p.is_credit and p.family == "deposit"]
    open_credit = [(a, p) for a, p in accounts if p.is_credit]
    interest += avg_deposit * _weighted_margin(open_deposit)
    interest += avg_credit * _weighted_margin(open_credit)
    fees = db.session.scalar(
        select(func.coalesce(func.sum(func.abs(Transaction.amount)), 0))
        .join(Account, Account.id == Transaction.account_id)
        .where(Account.customer_id == customer_id, Transaction.kind == "fee",
               Transaction.posted_at >= since)
    )
    costs = current_app.config["CONTACT_COST"]
    contacts = db.session.execute(
        select(Interaction.channel, func.count())
        .where(Interaction.customer_id == customer_id, Interaction.started_at >= since)
        .group_by(Interaction.channel)
    ).all()
    contact_cost = sum(costs.get(channel, 0.0) * n for channel, n in contacts)
    revenue = interest + float(fees)
    cost = product_cost + contact_cost
    return {"revenue": round(revenue, 2), "interest_margin": round(interest, 2),
            "fees": round(float(fees), 2), "cost_to_serve": round(cost, 2),
            "product_cost": round(product_cost, 2), "contact_cost": round(contact_cost, 2),
            "margin": round(revenue - cost, 2), "months": 12}


def _weighted_margin(pairs) -> float:
    total = sum(abs(float(a.balance or 0)) for a, _ in pairs)
    if not total:
        return sum(float(p.margin_rate or 0) for _, p in pairs) / len(pairs) if pairs else 0.0
    return sum(abs(float(a.balance or 0)) * float(p.margin_rate or 0) for a, p in pairs) / total


def _channel_mix(customer_id: int, today: date) -> list[dict]:
    since = datetime.combine(today - timedelta(days=365), datetime.min.time())
    rows = db.session.execute(
        select(Transaction.channel, func.count(), func.sum(func.abs(Transaction.amount)))
        .join(Account, Account.id == Transaction.account_id)
        .where(Account.customer_id == customer_id, Transaction.posted_at >= since,
               Transaction.customer_initiated.is_(True))
        .group_by(Transaction.channel).order_by(func.count().desc())
    ).all()
    total = sum(n for _, n, _ in rows) or 1
    return [{"channel": c, "count": n, "amount": round(float(a or 0), 2),
             "share": round(n / total, 4)} for c, n, a in rows]


def _recent_transactions(customer_id: int, limit: int = 20) -> list[dict]:
    rows = db.session.execute(
        select(Transaction, Product.code, Product.name, Product.name_en)
        .join(Account, Account.id == Transaction.account_id)
        .join(Product, Product.id == Account.product_id)
        .where(Account.customer_id == customer_id)
        .order_by(Transaction.posted_at.desc(), Transaction.id.desc()).limit(limit)
    ).all()
    return [{"id": t.id, "posted_at": t.posted_at, "amount": t.amount, "channel": t.channel,
             "kind": t.kind, "description": t.description, "account_id": t.account_id,
             "product": {"code": code, "name": name, "name_en": name_en}}
            for t, code, name, name_en in rows]


def _recent_interactions(customer_id: int, limit: int = 10) -> list[dict]:
    rows = db.session.execute(
        select(Interaction, User.display_name).join(User, User.id == Interaction.rm_id)
        .where(Interaction.customer_id == customer_id)
        .order_by(Interaction.started_at.desc(), Interaction.id.desc()).limit(limit)
    ).all()
    return [{"id": i.id, "channel": i.channel, "started_at": i.started_at,
             "outcome": i.outcome, "notes": i.notes, "objective": i.objective,
             "products_discussed": i.products_discussed or [],
             "follow_up_on": i.follow_up_on, "rm": {"id": i.rm_id, "name": rm_name}}
            for i, rm_name in rows]


def _related_parties(user: User, customer_id: int) -> list[dict]:
    """Both directions of every link; a party outside the user's portfolio shows its name only."""
    other = Customer.__table__.alias("other")
    outgoing = db.session.execute(
        select(RelatedParty.id, RelatedParty.kind, RelatedParty.person_name, RelatedParty.note,
               other.c.id, other.c.name, other.c.name_en)
        .outerjoin(other, other.c.id == RelatedParty.related_customer_id)
        .where(RelatedParty.customer_id == customer_id)
    ).all()
    incoming = db.session.execute(
        select(RelatedParty.id, RelatedParty.kind, RelatedParty.note,
               other.c.id, other.c.name, other.c.name_en)
        .join(other, other.c.id == RelatedParty.customer_id)
        .where(RelatedParty.related_customer_id == customer_id)
    ).all()
    linked_ids = {r[4] for r in outgoing if r[4]} | {r[3] for r in incoming}
    visible = set()
    if linked_ids:
        visible = set(db.session.scalars(
            select(Customer.id).where(Customer.id.in_(linked_ids), customer_scope(user))))
    parties = []
    for link_id, kind, person, note, other_id, name, name_en in outgoing:
        parties.append(_party(link_id, kind, person, note, other_id, name, name_en, visible))
    for link_id, kind, note, other_id, name, name_en in incoming:
        parties.append(_party(link_id, INVERSE_KIND.get(kind, kind), None, note, other_id,
                              name, name_en, visible))
    return parties


def _party(link_id, kind, person, note, other_id, name, name_en, visible) -> dict:
    if other_id is None:
        return {"id": link_id, "kind": kind, "type": "person", "name": person, "name_en": None,
                "note": note, "customer": None, "in_portfolio": False}
    mine = other_id in visible
    return {"id": link_id, "kind": kind, "type": "customer", "name": name, "name_en": name_en,
            "note": note, "customer": {"id": other_id, "name": name} if mine else None,
            "in_portfolio": mine}


def _latest_scores(customer_id: int) -> list[dict]:
    latest = (select(Score.model, func.max(Score.as_of).label("as_of"))
              .where(Score.customer_id == customer_id).group_by(Score.model).subquery())
    rows = db.session.scalars(
        select(Score)
        .join(latest, (latest.c.model == Score.model) & (latest.c.as_of == Score.as_of))
        .where(Score.customer_id == customer_id).order_by(Score.model)
    ).all()
    return [{"model": s.model, "version": s.version, "value": s.value, "band": s.band,
             "reasons": s.reasons or [], "as_of": s.as_of} for s in rows]


def _open_moments(customer_id: int) -> list[dict]:
    rows = db.session.scalars(
        select(KeyMoment).where(KeyMoment.customer_id == customer_id,
                                KeyMoment.state.in_(("open", "acknowledged")))
        .order_by(KeyMoment.due_on)
    ).all()
    return [{"id": m.id, "kind": m.kind, "due_on": m.due_on, "severity": m.severity,
             "state": m.state, "reasons": m.reasons or []} for m in rows]


def _open_offers(customer_id: int) -> list[dict]:
    rows = db.session.execute(
        select(Offer, Product).join(Product, Product.id == Offer.product_id)
        .where(Offer.customer_id == customer_id, Offer.state.in_(("suggested", "presented")))
        .order_by(Offer.expected_value.desc())
    ).all()
    return [{"id": o.id, "product": {"code": p.code, "name": p.name}, "score": o.score,
             "expected_value": o.expected_value, "reasons": o.reasons or [],
             "price": o.price, "state": o.state} for o, p in rows]
