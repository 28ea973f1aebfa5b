"""The product portfolio view (DESIGN §2.11): per product over 12 months, who holds it,
what it sold, earned and cost; the products that only add cost are flagged as candidates
to simplify (the seed: over 60% of SME products are)."""

from datetime import date, datetime, timedelta

from sqlalchemy import case, func, select

from backend.customers.models import Account, Customer, Transaction
from backend.customers.portfolio import Viewer
from backend.errors import Forbidden
from backend.extensions import db
from backend.products.models import Product

VIEWERS = ("analyst", "admin", "lead")
LOW_UPTAKE = 0.02


def view(user: Viewer, today: date) -> dict:
    """Aggregates only: no customer-level data leaves this function."""
    if user.role not in VIEWERS:
        raise Forbidden("The product portfolio is for analysts and leads")
    since = datetime.combine(today - timedelta(days=365), datetime.min.time())
    since_day = today - timedelta(days=365)
    active = db.session.scalar(select(func.count()).select_from(Customer)
                               .where(Customer.status != "closed")) or 1
    fees = (select(Transaction.account_id,
                   func.sum(case((Transaction.kind == "fee", func.abs(Transaction.amount)),
                                 else_=0)).label("fees"),
                   func.sum(case((Transaction.kind == "premium", func.abs(Transaction.amount)),
                                 else_=0)).label("premiums"))
            .where(Transaction.kind.in_(("fee", "premium")), Transaction.posted_at >= since)
            .group_by(Transaction.account_id).subquery())
    rows = db.session.execute(
        select(Product,
               func.count(func.distinct(case((Account.status == "open", Account.customer_id)))),
               func.sum(case((Account.opened_on >= since_day, 1), else_=0)),
               func.coalesce(func.sum(case((Account.status == "open", func.abs(Account.balance)),
                                           else_=0)), 0),
               func.coalesce(func.sum(fees.c.fees), 0),
               func.coalesce(func.sum(fees.c.premiums), 0))
        .outerjoin(Account, Account.product_id == Product.id)
        .outerjoin(fees, fees.c.account_id == Account.id)
        .group_by(Product.id).order_by(Product.code)).all()
    items = []
    for p, holders, sales, balance, fee_income, premiums in rows:
        # margin on balances (or the commission on premiums), fees charged, contract fees
        revenue = ((float(balance) + float(premiums)) * float(p.margin_rate or 0)
                   + float(fee_income) + 12 * float(p.monthly_fee or 0) * holders)
        cost = float(p.annual_cost or 0) * holders
        margin = revenue - cost
        uptake = holders / active
        items.append({
            "product": {"code": p.code, "name": p.name, "name_en": p.name_en,
                        "family": p.family, "line": p.line},
            "holders": holders, "new_sales": int(sales or 0), "revenue": round(revenue, 2),
            "cost": round(cost, 2), "margin": round(margin, 2), "uptake": round(uptake, 4),
            "simplify": margin <= 0 or (uptake < LOW_UPTAKE and not sales),
        })
    flagged = sum(i["simplify"] for i in items)
    return {"as_of": today, "items": items, "simplify_candidates": flagged,
            "simplify_share": round(flagged / len(items), 4) if items else 0.0}
