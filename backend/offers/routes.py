"""A customer's offers with price guidance, and feedback on them."""

from flask_login import current_user, login_required
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from backend.customers.portfolio import Viewer
from backend.offers import service
from backend.offers.schemas import OfferSummarySchema
from backend.offers.service import OfferFeedbackSchema

blp = Blueprint("offers", __name__, url_prefix="/api/v1",
                description="Next best product, price guidance and feedback")


class OfferListSchema(Schema):
    items = fields.List(fields.Nested(OfferSummarySchema))


class FeedbackBodySchema(OfferFeedbackSchema):
    offer_id = fields.Integer(dump_only=True)


@blp.get("/customers/<int:customer_id>/offers")
@login_required
@blp.response(200, OfferListSchema)
def customer_offers(customer_id: int):
    """The customer's offers, best first, with price guidance and the caller's band"""
    return {"items": service.customer_offers(Viewer.of(current_user), customer_id,
                                             current_user.grade)}


@blp.post("/offers/<int:offer_id>/feedback")
@login_required
@blp.arguments(FeedbackBodySchema)
@blp.response(200, OfferSummarySchema)
def feedback(body, offer_id: int):
    """Record that an offer was presented, accepted, declined (why) or sold (amount)"""
    return service.feedback(Viewer.of(current_user), offer_id, body, current_user.grade)
