"""Feedback on offers from the card or a visit (sync kind "offer_feedback")."""

from marshmallow import Schema, ValidationError, fields, validate, validates_schema
from sqlalchemy import select

from backend.auth.portfolio import Viewer, require_visible
from backend.errors import Invalid, NotFound
from backend.extensions import db
from backend.models_base import utcnow
from backend.offers.models import Offer
from backend.visits.sync import write_kind

# Which state may follow which: an offer moves forward only.
NEXT_STATES = {
    "suggested": {"presented", "accepted", "declined"},
    "presented": {"accepted", "declined"},
    "accepted": {"sold", "declined"},
    "declined": set(),
    "sold": set(),
}


class OfferFeedbackSchema(Schema):
    offer_id = fields.Integer(required=True, strict=True)
    state = fields.String(required=True,
                          validate=validate.OneOf(("presented", "accepted", "declined", "sold")))
    reason = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=200))
    amount = fields.Decimal(load_default=None, allow_none=True, places=2,
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
    if offer is None:
        raise NotFound("No such offer")
    require_visible(user, offer.customer_id)
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
    db.session.flush()
    return offer


@write_kind("offer_feedback", OfferFeedbackSchema())
def apply_feedback(*, user: Viewer, body: dict, base_version: int | None, client_id: str) -> dict:
    """Record offer feedback sent from a device."""
    return {"id": record_feedback(user=user, body=body).id}
