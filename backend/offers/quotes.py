"""Price quotes (DESIGN §2.8): inside the RM's discretion band a quote is approved at once;
outside it waits for the lead of the RM's team, who is alerted, and expires when nobody
decides in time. Every step writes an audit event."""

from datetime import timedelta

from flask import current_app
from sqlalchemy import select, update

from backend import texts
from backend.auth import service as auth_service
from backend.auth.models import User
from backend.customers.models import Customer
from backend.customers.portfolio import Viewer, require_visible, team_leads, visible_staff
from backend.errors import Conflict, Forbidden, Invalid
from backend.extensions import db
from backend.models_base import utcnow
from backend.offers.models import Offer, PriceQuote
from backend.products import pricing
from backend.products.models import Product
from backend.push.service import notify

QUOTABLE = ("suggested", "presented", "accepted")


def quote_dict(q: PriceQuote) -> dict:
    return {k: getattr(q, k) for k in ("id", "offer_id", "rm_id", "price", "unit", "band_min",
                                        "band_max", "state", "approver_id", "decided_at",
                                        "expires_at", "note", "created_at")}


def expire_due(now=None) -> int:
    """Pending quotes nobody decided in time, and approved ones past validity, expire."""
    now = now or utcnow()
    result = db.session.execute(
        update(PriceQuote).where(PriceQuote.state.in_(("pending_approval", "approved")),
                                 PriceQuote.expires_at <= now)
        .values(state="expired").execution_options(synchronize_session=False))
    return result.rowcount or 0


def create(user: Viewer, body: dict) -> PriceQuote:
    """An RM quotes a price on an offer of their customer."""
    if user.role != "rm":
        raise Forbidden("Only the customer's RM quotes a price")
    offer = db.session.get(Offer, body["offer_id"])
    require_visible(user, offer.customer_id if offer else None, "No such offer")
    if offer.state not in QUOTABLE or not offer.price:
        raise Invalid("This offer has no price to quote",
                      {"offer_id": ["Not a priced, live offer."]})
    rm = db.session.get(User, user.id)
    band = pricing.band(offer.price, rm.grade)
    price = float(body["price"])
    step = pricing.BP if offer.price["unit"] == "rate" else 1.0
    price = pricing.round_to(price, step)
    inside = band["min"] <= price <= band["max"]
    now = utcnow()
    quote = PriceQuote(offer_id=offer.id, rm_id=user.id, price=price,
                       unit=offer.price["unit"], band_min=band["min"], band_max=band["max"],
                       state="approved" if inside else "pending_approval",
                       decided_at=now if inside else None, note=body.get("note"),
                       expires_at=now + timedelta(days=current_app.config["QUOTE_VALID_DAYS"]))
    db.session.add(quote)
    db.session.flush()
    auth_service.audit("quote.created", user_id=user.id, object_type="price_quote",
                       object_id=quote.id, detail={"offer_id": offer.id, "price": price,
                                                   "band": band, "state": quote.state})
    if not inside:
        _alert_leads(rm, quote, offer)
    db.session.commit()
    return quote


def _alert_leads(rm: User, quote: PriceQuote, offer: Offer) -> None:
    customer = db.session.get(Customer, offer.customer_id)
    product = db.session.get(Product, offer.product_id)
    shown = f"{quote.price:.2%}" if quote.unit == "rate" else f"{quote.price:,.0f}"
    for lead in team_leads(rm):
        notify(lead, kind="approval_requested", url="/approvals",
               texts=texts.notice("quote_requested", rm=rm.display_name, price=shown,
                                  customer=texts.Pair(customer.name,
                                                      customer.name_en or customer.name),
                                  product=texts.Pair(product.name, product.name_en)),
               detail={"quote_id": quote.id})


def decide(user: Viewer, quote_id: int, decision: str, note: str | None) -> PriceQuote:
    """The lead of the quoting RM's team approves or refuses; nobody else does."""
    if expire_due():
        db.session.commit()  # kept even when this decision is then refused (409)
    quote = db.session.scalar(select(PriceQuote).where(PriceQuote.id == quote_id)
                              .with_for_update())
    offer = db.session.get(Offer, quote.offer_id) if quote else None
    # another team's lead: the same 404 as for a quote that does not exist
    require_visible(user, offer.customer_id if offer else None, "No such quote")
    if user.role != "lead" or quote.rm_id == user.id:
        raise Forbidden("Only the lead of the RM's team decides a quote")
    rm = db.session.get(User, quote.rm_id)
    if rm.team_id != user.team_id:
        raise Forbidden("Only the lead of the RM's team decides a quote")
    if quote.state != "pending_approval":
        raise Conflict(f"This quote is {quote.state}")
    quote.state, quote.approver_id, quote.decided_at = decision, user.id, utcnow()
    auth_service.audit(f"quote.{decision}", user_id=user.id, object_type="price_quote",
                       object_id=quote.id, detail={"note": note})
    notify(rm, kind="approval_decided", url=f"/customers/{offer.customer_id}",
           texts=texts.notice("quote_decided", price=quote.price,
                              decision=texts.word("decision", decision)),
           detail={"quote_id": quote.id})
    db.session.commit()
    return quote


def pending_for(user: Viewer) -> list[dict]:
    """Quotes waiting for this lead (the approvals inbox)."""
    if user.role != "lead" or user.team_id is None:
        return []
    expire_due()
    db.session.commit()
    rows = db.session.execute(
        select(PriceQuote, Offer, Product, Customer, User.display_name)
        .join(Offer, Offer.id == PriceQuote.offer_id)
        .join(Product, Product.id == Offer.product_id)
        .join(Customer, Customer.id == Offer.customer_id)
        .join(User, User.id == PriceQuote.rm_id)
        .where(PriceQuote.state == "pending_approval", PriceQuote.rm_id.in_(visible_staff(user)))
        .order_by(PriceQuote.created_at)).all()
    # Rate columns load as Decimal: a free-form detail dict would send them as strings
    return [{"kind": "quote", "id": q.id, "action": "quote",
             "detail": {"price": float(q.price), "unit": q.unit,
                        "band": {"min": float(q.band_min), "max": float(q.band_max)},
                        "list": (o.price or {}).get("list"), "floor": (o.price or {}).get("floor"),
                        "product": {"code": p.code, "name": p.name, "name_en": p.name_en},
                        "expires_at": q.expires_at.isoformat()},
             "note": q.note, "requested_by": {"id": q.rm_id, "name": name},
             "requested_at": q.created_at, "probability": o.score, "exposure": 0.0,
             "severity": 0, "signals": [],
             "customer": {"id": c.id, "name": c.name, "name_en": c.name_en,
                          "segment": c.segment}}
            for q, o, p, c, name in rows]
