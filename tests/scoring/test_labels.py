"""Labels mean what they say: who is scored on a date, and what counts as the event after it."""

from datetime import date, datetime, time, timedelta

import pytest

from backend.scoring import features as feats
from backend.scoring.trained_models import AttritionModel
from tests import factories as make

AS_OF = date(2025, 6, 30)
HORIZON = 182


def at(day: date) -> datetime:
    return datetime.combine(day, time(4))  # noon in Shanghai, in UTC


def active_customer(rm, cur, *tx_days: date, **fields):
    customer = make.customer(rm, onboarded_on=date(2022, 1, 1), **fields)
    account = make.account(customer, cur, balance=1000, opened_on=date(2022, 1, 1))
    for day in tx_days:
        make.transaction(account, -10, at(day), customer_initiated=True)
    return customer


@pytest.fixture
def world(app):
    rm = make.user("rm_labels")
    cur = make.product("CURX", family="deposit")
    before = AS_OF - timedelta(days=5)
    later = AS_OF + timedelta(days=HORIZON)
    people = {
        # active on the date and after the horizon: stays
        "stays": active_customer(rm, cur, before, later + timedelta(days=40)),
        # active on the date, last own transaction 4 months later, silent since: leaves
        "leaves_in_4_months": active_customer(rm, cur, before, AS_OF + timedelta(days=120)),
        # stops 2 weeks after the horizon: not an exit inside the horizon
        "leaves_after": active_customer(rm, cur, before, later + timedelta(days=14)),
        # closes inside the horizon
        "closes": active_customer(rm, cur, before, closed_on=AS_OF + timedelta(days=60)),
        # silent for the 45 days before the date: already gone, not a warning to give
        "already_silent": active_customer(rm, cur, AS_OF - timedelta(days=45),
                                          AS_OF + timedelta(days=10)),
        # closed before the date: not a customer then
        "already_closed": active_customer(rm, cur, AS_OF - timedelta(days=100),
                                          closed_on=AS_OF - timedelta(days=1)),
    }
    return {name: c.id for name, c in people.items()}


def test_attrition_labels_an_exit_inside_the_horizon_of_customers_active_on_the_date(world):
    labels = feats.labels_attrition(AS_OF, HORIZON)
    got = {name: labels.get(cid) for name, cid in world.items()}
    assert got == {"stays": 0, "leaves_in_4_months": 1, "leaves_after": 0, "closes": 1,
                   "already_silent": None, "already_closed": None}


def test_attrition_scores_only_customers_who_are_not_already_silent(world):
    frame = feats.features(AS_OF)
    scored = frame.index[AttritionModel().population(frame)]
    assert world["already_silent"] not in scored
    assert {world["stays"], world["leaves_in_4_months"]} <= set(scored)


def test_attrition_trains_only_on_dates_whose_label_has_been_observed():
    """The label looks 90 days past the horizon, so the latest labelled date is that far back."""
    model = AttritionModel()
    today = date(2026, 12, 7)
    assert max(model._dates(today)) == today - timedelta(days=HORIZON + feats.DORMANT_DAYS)
