"""Next best product (DESIGN §2.8): choose, for each customer, the products worth one
contact, and explain them. A pipeline step (order 50). docs/offers.md gives the figures.

Candidates are the latest propensity scores: a propensity model scores only customers
who are eligible for its product and do not hold it (backend/scoring/trained_models.py), so
"has a score" already means "eligible, not held". On top: marketing consent, and the
contact policy's cool-down for products the customer declined.

One contact presents up to three products, so the choice maximises what that contact is
worth: the sum over the offered products of propensity x value if sold, minus one contact
cost. Value if sold is a year's margin on the basis the product earns on, plus its fees,
minus its yearly cost. The basis is the average balance holders of the same segment keep;
products whose holders keep no balance (insurance) earn on the amount sold (the premium),
so their basis is the average amount of past sales. A second product of the same family
(two loans) may be discounted as a near-substitute (SUBSTITUTE_WORTH). Each offer
carries its price guidance (backend/products/pricing.py); the RM's band is added when an RM
reads it.
"""

from collections import defaultdict
from datetime import date, timedelta

from flask import current_app
from sqlalchemy import case, func, insert, select, update

from backend import texts
from backend.customers.models import Account, ContactPolicy, Customer
from backend.extensions import db
from backend.models_base import utcnow
from backend.offers.models import Offer
from backend.products import pricing
from backend.products.models import Product
from backend.scoring.latest import latest_scores
from backend.scoring.models import Score
from backend.timeutil import start_of_bank_day

TOP = 3
# A further product of a family already offered is worth this share of its own value
# (0.5: two loans, the second counts half; 0: one product per family). On the demo bank the
# full value (1.0) captured the most value with the same hits (bench/bench_models.py).
SUBSTITUTE_WORTH = 1.0
LIVE = ("suggested", "presented")
CONTACT_CHANNEL = {"large": "visit", "medium": "call", "small": "call", "micro": "email"}


def value_basis() -> dict[tuple[str, int], float]:
    """(segment, product id) -> what the product earns its margin on in that segment: the
    average open balance of its holders, or where they keep none, the average amount sold
    (an insurance premium), from that segment's sales or else from all sales."""
    rows = db.session.execute(
        select(Customer.segment, Account.product_id, func.avg(func.abs(Account.balance)))
        .join(Customer, Customer.id == Account.customer_id)
        .where(Account.status == "open").group_by(Customer.segment, Account.product_id)).all()
    basis = {(segment, pid): float(balance or 0) for segment, pid, balance in rows}
    sold = db.session.execute(
        select(Customer.segment, Offer.product_id, func.avg(Offer.sold_amount))
        .join(Customer, Customer.id == Offer.customer_id)
        .where(Offer.state == "sold", Offer.sold_amount > 0)
        .group_by(Customer.segment, Offer.product_id)).all()
    by_product = dict(db.session.execute(
        select(Offer.product_id, func.avg(Offer.sold_amount))
        .where(Offer.state == "sold", Offer.sold_amount > 0).group_by(Offer.product_id)).all())
    segments = {segment for segment, _ in basis} | {segment for segment, _, _ in sold}
    sold_in = {(segment, pid): float(amount) for segment, pid, amount in sold}
    for segment in segments:
        for pid, amount in by_product.items():
            if not basis.get((segment, pid)):
                basis[(segment, pid)] = sold_in.get((segment, pid), float(amount))
    return basis


def value_if_sold(product: Product, balance: float) -> float:
    """A year's margin on the balance, with the product's fees, less its yearly cost."""
    return (balance * float(product.margin_rate or 0) + 12 * float(product.monthly_fee or 0)
            - float(product.annual_cost or 0))


def _sensitivity() -> dict[int, float]:
    """How often a customer said no: declined offers over offers made (0..1)."""
    rows = db.session.execute(
        select(Offer.customer_id, func.count(),
               func.sum(case((Offer.state == "declined", 1), else_=0)))
        .where(Offer.state.in_(("accepted", "sold", "declined")))
        .group_by(Offer.customer_id)).all()
    return {cid: (declined or 0) / n for cid, n, declined in rows if n}


def _industry_uptake() -> dict[tuple[str, int], float]:
    """(industry, product id) -> the share of that industry's customers who hold it."""
    totals = dict(db.session.execute(select(Customer.industry, func.count())
                                     .where(Customer.status != "closed")
                                     .group_by(Customer.industry)).all())
    held = db.session.execute(
        select(Customer.industry, Account.product_id, func.count(func.distinct(Customer.id)))
        .join(Account, Account.customer_id == Customer.id)
        .where(Account.status == "open", Customer.status != "closed")
        .group_by(Customer.industry, Account.product_id)).all()
    return {(ind, pid): n / totals[ind] for ind, pid, n in held if totals.get(ind)}


def declined_recently(as_of: date) -> set[tuple[int, int]]:
    """(customer, product) pairs inside the segment's decline cool-down."""
    cooldown = dict(db.session.execute(select(ContactPolicy.segment,
                                              ContactPolicy.decline_cooldown_days)).all())
    longest = max(cooldown.values(), default=180)
    rows = db.session.execute(
        select(Offer.customer_id, Offer.product_id, Offer.state_changed_at, Customer.segment)
        .join(Customer, Customer.id == Offer.customer_id)
        .where(Offer.state == "declined",
               Offer.state_changed_at >= start_of_bank_day(as_of - timedelta(days=longest)))
    ).all()
    return {(cid, pid) for cid, pid, at, segment in rows
            if at >= start_of_bank_day(as_of - timedelta(days=cooldown.get(segment, longest)))}


def choose(candidates: list[dict], contact_cost: float, k: int = TOP,
           substitute_worth: float = SUBSTITUTE_WORTH, customer_gain: float = 0.0) -> list[dict]:
    """The offers one contact should present: up to k, each adding the most worth, kept only
    when together they are worth more than the contact costs. Best first.

    An offer is worth its expected value to the bank plus, for the customer, its propensity
    times `customer_gain` (what a product the customer wants is worth to them), discounted
    by `substitute_worth` for every product of its family already chosen."""
    picked, left, total = [], sorted(candidates, key=lambda o: (-o["expected_value"],
                                                               o["product_id"])), 0.0

    def worth(offer):
        same = sum(p["family"] == offer["family"] for p in picked)
        return (offer["expected_value"] + offer["score"] * customer_gain) * substitute_worth ** same

    while left and len(picked) < k:
        best = max(left, key=worth)  # max keeps the first of equals: the higher value
        if worth(best) <= 0:
            break
        total += worth(best)
        picked.append(best)
        left.remove(best)
    return picked if total > contact_cost else []


def build(as_of: date, substitute_worth: float = SUBSTITUTE_WORTH,
          customer_gain: float | None = None) -> int:
    """Choose and store each customer's offers for as_of; return the offers written.
    customer_gain defaults to the bank's OFFER_CUSTOMER_GAIN."""
    if customer_gain is None:
        customer_gain = float(current_app.config["OFFER_CUSTOMER_GAIN"])
    last = db.session.scalar(select(func.max(Score.as_of))
                             .where(Score.model.like("propensity:%"), Score.as_of <= as_of))
    if last is None:
        return 0
    products = {p.code: p for p in db.session.scalars(select(Product).where(Product.active))}
    customers = {c.id: c for c in db.session.execute(
        select(Customer.id, Customer.segment, Customer.industry, Customer.consent_marketing,
               Customer.onboarded_on).where(Customer.status != "closed"))}
    basis = value_basis()
    repayment, value_band = latest_scores("repayment", as_of), latest_scores("value", as_of)
    sensitivity = _sensitivity()
    uptake = _industry_uptake()
    declined = declined_recently(as_of)
    candidates = defaultdict(list)
    for cid, model, p, reasons in db.session.execute(
            select(Score.customer_id, Score.model, Score.value, Score.reasons)
            .where(Score.model.like("propensity:%"), Score.as_of == last)):
        product = products.get(model.split(":", 1)[1])
        customer = customers.get(cid)
        if product is None or customer is None or not customer.consent_marketing \
                or (cid, product.id) in declined:
            continue
        balance = basis.get((customer.segment, product.id), 0.0)
        ev = p * value_if_sold(product, balance)
        if ev <= 0:
            continue
        share = uptake.get((customer.industry, product.id), 0.0)
        # why this product now: what raises this customer's chance of taking it (a low
        # score's reasons say what lowers it, no reason to offer anything)
        why = [r for r in reasons or [] if r.get("push") != "down"][:2]
        if share >= 0.2:
            why.append(texts.reason("offer.industry", share))
        why.append({**texts.reason("offer.value", ev), "value": round(ev, 2)})
        price = pricing.guidance(pricing.Inputs(
            is_credit=product.is_credit, list_rate=None if product.rate is None
            else float(product.rate), monthly_fee=float(product.monthly_fee or 0),
            annual_cost=float(product.annual_cost or 0), average_balance=balance,
            pd=repayment.get(cid, (None,))[0], value_band=value_band.get(cid, (0, None))[1],
            tenure_years=0 if customer.onboarded_on is None
            else (as_of - customer.onboarded_on).days / 365.25,
            sensitivity=sensitivity.get(cid, 0.0)))
        candidates[cid].append({"product_id": product.id, "family": product.family,
                                "score": round(float(p), 6), "expected_value": round(ev, 2),
                                "reasons": why, "price": price})
    return _store(as_of, {
        cid: choose(c, contact_cost(customers[cid].segment), substitute_worth=substitute_worth,
                    customer_gain=customer_gain)
        for cid, c in candidates.items()})


def contact_cost(segment: str | None) -> float:
    """What one contact costs with a customer of the segment (on its usual channel)."""
    return current_app.config["CONTACT_COST"].get(CONTACT_CHANNEL.get(segment, "call"), 0.0)


def _store(as_of: date, ranked: dict[int, list[dict]]) -> int:
    """Update live offers of the same product, add new ones, expire suggestions dropped.

    Offers the RM has presented stay as they are; suggestions no longer in the top are
    expired, so the card shows only what is worth a contact today. Bulk statements: the
    step writes every customer's offers each night.
    """
    live = {(cid, pid): (oid, state) for oid, cid, pid, state in db.session.execute(
        select(Offer.id, Offer.customer_id, Offer.product_id, Offer.state)
        .where(Offer.state.in_(LIVE)))}
    new, changed, keep = [], [], set()
    for cid, offers in ranked.items():
        for o in offers:
            fields = {"as_of": as_of, "score": o["score"], "expected_value": o["expected_value"],
                      "reasons": o["reasons"], "price": o["price"]}
            current = live.get((cid, o["product_id"]))
            if current is None:
                new.append({"customer_id": cid, "product_id": o["product_id"],
                            "state": "suggested", "state_changed_at": utcnow(), **fields})
            else:
                changed.append({"id": current[0], **fields})
                keep.add(current[0])
    for start in range(0, len(new), 5000):
        db.session.execute(insert(Offer), new[start:start + 5000])
    if changed:
        db.session.execute(update(Offer), changed)  # bulk UPDATE by primary key
    stale = [oid for oid, state in live.values() if state == "suggested" and oid not in keep]
    for start in range(0, len(stale), 5000):
        db.session.execute(update(Offer).where(Offer.id.in_(stale[start:start + 5000]))
                           .values(state="expired")
                           .execution_options(synchronize_session=False))
    return len(new) + len(changed)
