"""The product catalogue, for pickers on the device; price quotes."""

from flask_login import current_user, login_required
from flask_smorest import Blueprint

from backend.customers.portfolio import Viewer
from backend.products import portfolio, quotes
from backend.products import service as products_service
from backend.products.schemas import (
    PortfolioSchema,
    ProductListSchema,
    QuoteCreateSchema,
    QuoteDecisionSchema,
    QuoteSchema,
)
from backend.timeutil import bank_today

blp = Blueprint("products", __name__, url_prefix="/api/v1/products", description="Products")


@blp.get("")
@login_required
@blp.response(200, ProductListSchema)
def list_products():
    """List the products on sale"""
    return {"items": products_service.active_products()}


@blp.get("/portfolio")
@login_required
@blp.response(200, PortfolioSchema)
def product_portfolio():
    """Per product over 12 months: holders, sales, revenue, cost, margin, uptake, and the
    candidates to simplify (analysts, leads)"""
    return portfolio.view(Viewer.of(current_user), bank_today())


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
