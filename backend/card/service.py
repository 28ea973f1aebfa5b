"""The 360 card: one customer as each domain sees them, composed from the domains' services
(it never queries their tables). Portfolio scoping is checked first, by customers."""

from datetime import date, timedelta

from flask import current_app

from backend.auth import service as auth_service
from backend.auth.models import User
from backend.calendar import service as calendar_service
from backend.customers import service as customers_service
from backend.extensions import db
from backend.moments import service as moments_service
from backend.offers import packages, related
from backend.offers import service as offers_service
from backend.scoring.latest import customer_scores
from backend.visits import service as visits_service
from backend.visits import surveys


def card(*, user: User, customer_id: int, today: date) -> dict:
    """Build the 360 card of one customer in the user's portfolio, and audit the read."""
    customer = customers_service.profile(user=user, customer_id=customer_id)
    held = customers_service.holdings(user=user, customer_id=customer.id, today=today)
    contact_cost = visits_service.contact_cost(customer.id, since=today - timedelta(days=365))
    own = customers_service.holdings_dict(held)
    card = {
        **customers_service.profile_dict(customer),
        **own,
        "related_needs": related.needs(own["related_parties"]),
        "profitability": customers_service.profitability(held, contact_cost=contact_cost),
        "interactions": visits_service.recent_contacts(customer.id),
        "scores": customer_scores(customer.id),
        "moments": moments_service.live_for_customer(customer.id),
        "risk_cases": moments_service.open_risk_cases(customer.id),
        "offers": offers_service.live_offers(customer.id, grade=user.grade),
        "plan_entry": calendar_service.customer_entry(customer.id, customer.rm_id, today),
        "satisfaction": surveys.customer_satisfaction(customer.id),
        "package": packages.advice(customer.id, customer.tier, held.linked_ids),
        "currency": current_app.config["CURRENCY"],
        "as_of": today,
    }
    auth_service.audit("customer.view", user_id=user.id, object_type="customer",
                       object_id=customer.id)
    db.session.commit()
    return card
