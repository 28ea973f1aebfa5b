"""Which package tier suits a customer (DESIGN §2.1): this month's fee on their tier, and
a tier that would cost less, or give more for the same fee."""

from sqlalchemy import func, select, union_all

from backend.customers.models import Account, RelatedParty
from backend.extensions import db
from backend.products.catalog import package_fee
from backend.products.models import TIERS, Package, Product


def _deposits(customer_ids) -> float:
    return float(db.session.scalar(
        select(func.coalesce(func.sum(Account.balance), 0))
        .join(Product, Product.id == Account.product_id)
        .where(Account.customer_id.in_(customer_ids), Account.status == "open",
               Product.family == "deposit")) or 0)


def _linked(customer_id: int):
    """Customers linked to this one (either direction): their accounts count for tiers that
    count linked accounts."""
    return union_all(
        select(RelatedParty.related_customer_id)
        .where(RelatedParty.customer_id == customer_id,
               RelatedParty.related_customer_id.isnot(None)),
        select(RelatedParty.customer_id).where(RelatedParty.related_customer_id == customer_id))


def advice(customer_id: int, tier: str) -> dict | None:
    packages = {p.tier: p for p in db.session.scalars(select(Package))}
    if tier not in packages:
        return None
    own = _deposits([customer_id])
    linked = _deposits(_linked(customer_id))
    fees = {}
    for name, p in packages.items():
        balance = own + (linked if p.counts_linked_accounts else 0.0)
        fees[name] = package_fee(p.fee_rules, float(p.min_balance), float(p.monthly_fee),
                                 balance)
    current = fees[tier]
    rank = {name: TIERS.index(name) if name in TIERS else -1 for name in fees}
    cheaper = sorted((fee, -rank[name], name) for name, fee in fees.items() if fee < current)
    richer = [name for name, fee in fees.items() if fee == current and rank[name] > rank[tier]]
    suggestion = None
    if cheaper:
        fee, _, name = cheaper[0]
        suggestion = {"tier": name, "fee": fee, "saving": round(current - fee, 2)}
    elif richer:
        name = max(richer, key=rank.get)
        suggestion = {"tier": name, "fee": fees[name], "saving": 0.0}
    return {"tier": tier, "fee": current, "balance": round(own, 2),
            "linked_balance": round(linked, 2), "fees": fees, "suggestion": suggestion}
