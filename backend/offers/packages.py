"""Which package tier suits a customer (DESIGN §2.1): this month's fee on their tier, and
a tier that would cost less, or give more for the same fee."""

from sqlalchemy import bindparam, case, func, select

from backend.customers.models import Account
from backend.extensions import db
from backend.products.catalog import package_fee
from backend.products.models import TIERS, Package, Product

_cid = bindparam("cid")


def _deposit_sum(condition):
    return func.coalesce(func.sum(case((condition, Account.balance), else_=0)), 0)


# Built once: the advice is part of every 360 card. Own and linked deposits in one read.
_DEPOSITS = (
    select(_deposit_sum(Account.customer_id == _cid).label("own"),
           _deposit_sum(Account.customer_id != _cid).label("linked"))
    .join(Product, Product.id == Account.product_id)
    .where(Account.status == "open", Product.family == "deposit",
           Account.customer_id.in_(bindparam("customers", expanding=True)))
)
_PACKAGES = select(Package.tier, Package.fee_rules, Package.min_balance, Package.monthly_fee,
                   Package.counts_linked_accounts)


def advice(customer_id: int, tier: str, linked_ids: set[int]) -> dict | None:
    """The fee on each tier for the customer's open deposits, their linked customers' too
    where the tier counts linked accounts (`linked_ids`: linked either way, as the 360
    card's related parties read them)."""
    connection = db.session.connection()
    packages = {p.tier: p for p in connection.execute(_PACKAGES)}
    if tier not in packages:
        return None
    customers = [customer_id, *(linked_ids - {customer_id})]
    own, linked = (float(x) for x in connection.execute(
        _DEPOSITS, {"cid": customer_id, "customers": customers}).one())
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
