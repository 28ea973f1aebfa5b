"""Offers in the nightly pipeline (DESIGN §5 step 5): after the moments, before the plan,
so the planner sees tonight's offers."""

from datetime import date

from backend.offers import ranking
from backend.pipeline import step


@step("offers", order=50)
def offers_step(as_of: date) -> int:
    """Rank each customer's next best products, with price guidance."""
    return ranking.build(as_of)
