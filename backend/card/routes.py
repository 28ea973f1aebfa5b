"""The customer list and the 360 card: the views that show one or many customers with what
other domains know of them."""

from flask_login import current_user, login_required
from flask_smorest import Blueprint

from backend.card import service as card_service
from backend.card.schemas import CustomerCardSchema
from backend.customers import service as customers_service
from backend.customers.schemas import CustomerPageSchema, CustomerQuerySchema
from backend.timeutil import bank_today
from backend.visits import service as visits_service

blp = Blueprint("customers", __name__, url_prefix="/api/v1/customers",
                description="Customers in your portfolio")


@blp.get("")
@login_required
@blp.arguments(CustomerQuerySchema, location="query")
@blp.response(200, CustomerPageSchema)
def list_customers(query):
    """Search the customers of your portfolio"""
    return customers_service.search(
        user=current_user, last_contact=visits_service.last_contact_of_customer(), **query)


@blp.get("/<int:customer_id>")
@login_required
@blp.response(200, CustomerCardSchema)
def get_customer(customer_id: int):
    """Retrieve a customer's 360 card"""
    return card_service.card(user=current_user, customer_id=customer_id, today=bank_today())
