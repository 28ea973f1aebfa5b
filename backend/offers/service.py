"""Feedback on offers from the card or a visit (sync kind "offer_feedback")."""

from blinker import Namespace
from marshmallow import Schema, ValidationError, fields, validate, validates_schema
from sqlalchemy import select

from backend.api_fields import MoneyInput, RowId
from backend.customers.portfolio import Viewer, require_visible
from backend.errors import Invalid
from backend.extensions import db
from backend.models_base import utcnow
from backend.offers.models import Offer
from backend.products import pricing
from backend.products.models import Product
from backend.sync import write_kind

# Sent inside the feedback's transaction when an offer is sold, with the selling RM's id:
# referrals credits the referral that brought the customer (referrals sits above offers).
offer_sold = Namespace().signal("offer-sold")

# Which state may follow which: an offer moves forward only.
NEXT_STATES = {
    "suggested": {"presented", "accepted", "declined"},
    "presented": {"accepted", "declined"},
    "accepted": {"sold", "declined"},
    "declined": set(),
    "sold": set(),
    "expired": set(),
}


class OfferFeedbackSchema(Schema):
    offer_id = RowId(required=True)
    state = fields.String(required=True,
                          validate=validate.OneOf(("presented", "accepted", "declined", "sold")))
    reason = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=200))
    amount = MoneyInput(load_default=None, allow_none=True,
                        validate=validate.Range(min=0, max=10**12))

    @validates_schema
    def _complete(self, data, **_):
        if data["state"] == "declined" and not (data.get("reason") or "").strip():
            raise ValidationError("Say why the customer declined.", "reason")
        if data["state"] == "sold" and data.get("amount") is None:
            raise ValidationError("A sale needs its amount.", "amount")


def record_feedback(*, user: Viewer, body: dict) -> Offer:
    """Move an offer to its next state, with the decline reason or the sold amount."""
    offer = db.session.scalar(select(Offer).where(Offer.id == body["offer_id"]).with_for_update())
    require_visible(user, offer.customer_id if offer else None, "No such offer")
    if body["state"] not in NEXT_STATES[offer.state]:
        raise Invalid("This offer cannot move to that state",
                      {"state": [f"Not allowed after {offer.state}."]})
    offer.state = body["state"]
    offer.state_changed_at = utcnow()
    if body["state"] == "declined":
        offer.decline_reason = body["reason"]
    if body["state"] == "sold":
        offer.sold_amount = body["amount"]
        offer.credited_rm_id = user.id
        offer_sold.send(offer, rm_id=user.id)
    db.session.flush()
    return offer


@write_kind("offer_feedback", OfferFeedbackSchema())
def apply_feedback(*, user: Viewer, body: dict, base_version: int | None, client_id: str) -> dict:
    """Record offer feedback sent from a device."""
    return {"id": record_feedback(user=user, body=body).id}


# --------------------------------------------------------------------------- reading

SHOWN = ("suggested", "presented", "accepted")


def with_band(price: dict | None, grade: int) -> dict | None:
    """The stored guidance plus the reader's discretion band (it depends on the RM)."""
    if not price:
        return None
    return {**price, "band": pricing.band(price, grade)}


def offer_dict(offer: Offer, product: Product, grade: int) -> dict:
    return {"id": offer.id, "product": {"code": product.code, "name": product.name,
                                        "name_en": product.name_en, "family": product.family,
                                        "is_credit": product.is_credit},
            "score": offer.score, "expected_value": offer.expected_value,
            "reasons": offer.reasons or [], "price": with_band(offer.price, grade),
            "state": offer.state, "as_of": offer.as_of}


def customer_offers(user: Viewer, customer_id: int, grade: int) -> list[dict]:
    """The customer's live offers, best first, priced for this reader."""
    require_visible(user, customer_id)
    return live_offers(customer_id, grade=grade)


def live_offers(customer_id: int, *, grade: int) -> list[dict]:
    """customer_offers() for a caller that has already found the customer visible."""
    rows = db.session.execute(
        select(Offer, Product).join(Product, Product.id == Offer.product_id)
        .where(Offer.customer_id == customer_id, Offer.state.in_(SHOWN))
        .order_by(Offer.expected_value.desc(), Offer.id)).all()
    return [offer_dict(o, p, grade) for o, p in rows]


def feedback(user: Viewer, offer_id: int, body: dict, grade: int) -> dict:
    """Feedback from the card (the device sends the same through the sync kind)."""
    offer = record_feedback(user=user, body={**body, "offer_id": offer_id})
    db.session.commit()
    return offer_dict(offer, db.session.get(Product, offer.product_id), grade)
