"""The needs of a customer's related parties (DESIGN §2.7): what the owner, a buyer or a
supplier may need, with a link when the party is in the reader's portfolio and a referral
opportunity, without any of its data, when it is not."""

from sqlalchemy import bindparam, select

from backend import texts
from backend.extensions import db
from backend.offers.models import Offer
from backend.products.models import Product

# kind of link -> (product code, line that sells it); the words are texts.NEEDS[kind]
NEEDS = {
    "owner": ("RPL", "retail"),
    "buyer": ("WCL", "sme"),
    "supplier": ("WCL", "sme"),
    "affiliate": ("CMS", "sme"),
    "guarantor": ("CGI", "partner"),
}
LIVE = ("suggested", "presented")

# Built once: the needs are part of every 360 card.
_BEST_OFFERS = (
    select(Offer.customer_id, Product.code, Product.name, Product.name_en)
    .join(Product, Product.id == Offer.product_id)
    .where(Offer.customer_id.in_(bindparam("customers", expanding=True)), Offer.state.in_(LIVE))
    .order_by(Offer.customer_id, Offer.expected_value.desc(), Offer.id))
_NEEDED_PRODUCTS = select(Product.code, Product.name, Product.name_en).where(
    Product.code.in_(sorted({rule[0] for rule in NEEDS.values()})))


def needs(parties: list[dict]) -> list[dict]:
    """One need per related party; `customer` only for parties the reader may open."""
    if not parties:
        return []
    connection = db.session.connection()
    mine = [p["customer"]["id"] for p in parties if p.get("customer")]
    best = {}
    if mine:
        for cid, code, name, name_en in connection.execute(_BEST_OFFERS, {"customers": mine}):
            best.setdefault(cid, (code, name, name_en))
    products = {p.code: p for p in connection.execute(_NEEDED_PRODUCTS)}
    out = []
    for party in parties:
        rule = NEEDS.get(party["kind"])
        if party.get("customer") and party["customer"]["id"] in best:
            code, name, name_en = best[party["customer"]["id"]]
            why = texts.need("offer", product=texts.Pair(name, name_en))
            out.append({"party_id": party["id"], "kind": party["kind"],
                        "customer": party["customer"], "referral": False,
                        "product": {"code": code, "name": name, "name_en": name_en},
                        "line": "sme", **why._asdict()})
            continue
        if rule is None or rule[0] not in products:
            continue
        code, line = rule
        product = products[code]
        out.append({"party_id": party["id"], "kind": party["kind"],
                    "customer": party.get("customer"),
                    # outside the portfolio (or another line's product): refer, don't sell
                    "referral": not party.get("customer") or line != "sme",
                    "product": {"code": code, "name": product.name, "name_en": product.name_en},
                    "line": line, **texts.need(party["kind"])._asdict()})
    return out
