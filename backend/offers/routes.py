"""A customer's offers with price guidance, feedback on them, price quotes and the lead's
approvals inbox (quotes and the risk cases' requested actions)."""

from flask_login import current_user, login_required
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from backend.customers.portfolio import Viewer
from backend.moments import risk
from backend.moments.schemas import ApprovalListSchema
from backend.offers import experiments, quotes, service
from backend.offers.schemas import (
    OfferSummarySchema,
    QuoteCreateSchema,
    QuoteDecisionSchema,
    QuoteSchema,
)
from backend.offers.service import OfferFeedbackSchema
from backend.scoring.schemas import ExperimentReportSchema, ExperimentSchema
from backend.timeutil import bank_today

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


@blp.get("/approvals")
@login_required
@blp.response(200, ApprovalListSchema)
def approvals():
    """Requests waiting for the caller's decision (team leads): risk cases and quotes"""
    viewer = Viewer.of(current_user)
    return {"items": risk.approvals(viewer) + quotes.pending_for(viewer)}


quotes_blp = Blueprint("quotes", __name__, url_prefix="/api/v1/quotes",
                       description="Price quotes and their approval")


@quotes_blp.post("")
@login_required
@quotes_blp.arguments(QuoteCreateSchema)
@quotes_blp.response(201, QuoteSchema)
def create_quote(body):
    """Quote a price on an offer: approved inside the RM's band, else sent to the lead"""
    return quotes.quote_dict(quotes.create(Viewer.of(current_user), body))


@quotes_blp.post("/<int:quote_id>/approve")
@login_required
@quotes_blp.arguments(QuoteDecisionSchema)
@quotes_blp.response(200, QuoteSchema)
def approve_quote(body, quote_id: int):
    """Approve a quote outside the band (the lead of the RM's team)"""
    return quotes.quote_dict(quotes.decide(Viewer.of(current_user), quote_id, "approved",
                                           body.get("note")))


@quotes_blp.post("/<int:quote_id>/refuse")
@login_required
@quotes_blp.arguments(QuoteDecisionSchema)
@quotes_blp.response(200, QuoteSchema)
def refuse_quote(body, quote_id: int):
    """Refuse a quote (the lead of the RM's team)"""
    return quotes.quote_dict(quotes.decide(Viewer.of(current_user), quote_id, "refused",
                                           body.get("note")))


experiments_blp = Blueprint("experiment-outcomes", __name__, url_prefix="/api/v1/experiments",
                            description="Champion/challenger outcomes (analysts)")


@experiments_blp.get("/<int:experiment_id>/report")
@login_required
@experiments_blp.response(200, ExperimentReportSchema)
def experiment_report(experiment_id: int):
    """Compare the arms' outcomes with 95% confidence intervals"""
    return experiments.report(user=current_user, experiment_id=experiment_id)


@experiments_blp.post("/<int:experiment_id>/stop")
@login_required
@experiments_blp.response(200, ExperimentSchema)
def stop_experiment(experiment_id: int):
    """End the experiment and store its results"""
    return experiments.stop(user=current_user, experiment_id=experiment_id, today=bank_today())
