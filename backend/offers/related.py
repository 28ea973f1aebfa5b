"""The needs of a customer's related parties (DESIGN §2.7): what the owner, a buyer or a
supplier may need, with a link when the party is in the reader's portfolio and a referral
opportunity, without any of its data, when it is not."""

from sqlalchemy import bindparam, select

from backend.extensions import db
from backend.offers.models import Offer
from backend.products.models import Product

# kind of link -> (product code, line that sells it, why in zh, why in en)
NEEDS = {
    "owner": ("RPL", "retail", "企业主个人经营贷（零售条线）",
              "A personal business loan for the owner (retail line)"),
    "buyer": ("WCL", "sme", "买方可能需要供应链融资", "The buyer may need supply-chain finance"),
    "supplier": ("WCL", "sme", "供应商可能需要应收账款融资",
                 "The supplier may need receivables finance"),
    "affiliate": ("CMS", "sme", "关联企业可统一现金管理",
                  "Group cash management with the affiliate"),
    "guarantor": ("CGI", "partner", "担保方可考虑信用保证保险",
                  "Credit guarantee insurance for the guarantor"),
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
            out.append({"party_id": party["id"], "kind": party["kind"],
                        "customer": party["customer"], "referral": False,
                        "product": {"code": code, "name": name, "name_en": name_en},
                        "line": "sme", "zh": f"推荐{name}", "en": f"Offer the {name_en}"})
            continue
        if rule is None or rule[0] not in products:
            continue
        code, line, zh, en = rule
        product = products[code]
        out.append({"party_id": party["id"], "kind": party["kind"],
                    "customer": party.get("customer"),
                    # outside the portfolio (or another line's product): refer, don't sell
                    "referral": not party.get("customer") or line != "sme",
                    "product": {"code": code, "name": product.name, "name_en": product.name_en},
                    "line": line, "zh": zh, "en": en})
    return out
