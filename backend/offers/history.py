"""The customer's offer history as model features (registered with scoring's feature
sources: scoring sits below offers and reads none of its tables)."""

from datetime import date, datetime, timedelta

from sqlalchemy import select

from backend.offers.models import Offer
from backend.scoring.features import count_if, feature_source


@feature_source
def offer_history(as_of: date, end: datetime):
    """Offers made in the last year, and those declined or taken (model features)."""
    o = Offer
    year = (o.state_changed_at > end - timedelta(days=365)) & (o.state_changed_at <= end)
    return (select(o.customer_id,
                   count_if(o.as_of > as_of - timedelta(days=365)).label("offers_12m"),
                   count_if(year & (o.state == "declined")).label("offers_declined_12m"),
                   count_if(year & o.state.in_(("accepted", "sold"))).label("offers_taken_12m"))
            .where(o.as_of <= as_of).group_by(o.customer_id).subquery("offf"))
