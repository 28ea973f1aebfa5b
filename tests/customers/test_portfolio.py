"""Portfolio scoping as a bank states it: who sees which customers (backend/customers/portfolio.py).

Each rule is checked on the query the whole app uses (customer_scope) and on the guard
every route of one customer uses (require_visible), for users inside and outside teams.
"""

import pytest
from sqlalchemy import select

from backend.customers.models import Customer
from backend.customers.portfolio import (
    NOT_IN_PORTFOLIO,
    Viewer,
    customer_scope,
    is_visible,
    require_customer_access,
    require_visible,
)
from backend.errors import Forbidden, NotFound
from backend.extensions import db
from tests import factories


@pytest.fixture
def bank(app):
    people = factories.two_teams()
    loner_rm = factories.user("loner_rm", "rm")  # an RM placed in no team
    loner_lead = factories.user("loner_lead", "lead")  # a lead placed in no team
    team_analyst = factories.user("team_analyst", "analyst", people["rm_a"].team)
    team_referrer = factories.user("team_referrer", "referrer", people["rm_a"].team)
    customers = {
        "a": factories.customer(people["rm_a"], external_id="A"),
        "a2": factories.customer(people["rm_a2"], external_id="A2"),
        "b": factories.customer(people["rm_b"], external_id="B"),
        "loner": factories.customer(loner_rm, external_id="LONER"),
        "nobody": factories.customer(None, external_id="NOBODY"),  # no RM yet
    }
    db.session.commit()
    users = {**people, "loner_rm": loner_rm, "loner_lead": loner_lead,
             "team_analyst": team_analyst, "team_referrer": team_referrer}
    return users, customers


def seen_by(user) -> set[str]:
    return set(db.session.scalars(select(Customer.external_id).where(customer_scope(user))))


@pytest.mark.parametrize("who,sees", [
    ("rm_a", {"A"}),                       # an RM: their own customers only
    ("rm_a2", {"A2"}),
    ("rm_b", {"B"}),
    ("loner_rm", {"LONER"}),               # an RM without a team still has their own
    ("lead_a", {"A", "A2"}),               # a lead: every RM of their team
    ("lead_b", {"B"}),
    ("loner_lead", set()),                 # a lead without a team: nobody's, not the loners'
    ("analyst", set()), ("referrer", set()), ("admin", set()),
    ("team_analyst", set()),               # in a team, but the role sees no customer
    ("team_referrer", set()),
])
def test_who_sees_which_customers(bank, who, sees):
    users, _ = bank
    assert seen_by(users[who]) == sees
    assert seen_by(Viewer.of(users[who])) == sees  # the snapshot scopes as the user does


def test_a_customer_without_an_rm_is_in_no_portfolio(bank):
    users, customers = bank
    for user in users.values():
        assert not is_visible(user, customers["nobody"].id)


@pytest.mark.parametrize("role,allowed", [("rm", True), ("lead", True), ("analyst", False),
                                          ("referrer", False), ("admin", False)])
def test_only_rms_and_leads_reach_customer_records(bank, role, allowed):
    users, _ = bank
    user = next(u for u in users.values() if u.role == role)
    if allowed:
        require_customer_access(user)
    else:
        with pytest.raises(Forbidden) as caught:
            require_customer_access(user)
        assert caught.value.message == "Your role has no access to customer records"


def test_require_visible_returns_the_id_of_a_customer_in_the_portfolio(bank):
    users, customers = bank
    assert require_visible(users["rm_a"], customers["a"].id) == customers["a"].id
    assert require_visible(users["lead_a"], customers["a2"].id) == customers["a2"].id


def test_another_portfolios_customer_answers_exactly_as_a_missing_one(bank):
    users, customers = bank
    missing = max(c.id for c in customers.values()) + 1000
    answers = []
    for customer_id in (customers["b"].id, missing, None):
        with pytest.raises(NotFound) as caught:
            require_visible(users["rm_a"], customer_id)
        answers.append(caught.value.message)
    assert answers == [NOT_IN_PORTFOLIO] * 3
    with pytest.raises(NotFound) as caught:
        require_visible(users["lead_a"], customers["b"].id, "No such plan entry")
    assert caught.value.message == "No such plan entry"


def test_a_role_without_customers_is_refused_before_any_lookup(bank):
    users, customers = bank
    for who in ("team_analyst", "admin", "referrer"):
        with pytest.raises(Forbidden):
            require_visible(users[who], customers["a"].id)
        with pytest.raises(Forbidden):
            require_visible(users[who], None)


def test_is_visible_of_no_customer_is_false(bank):
    users, _ = bank
    assert is_visible(users["rm_a"], None) is False
    assert is_visible(users["lead_a"], None) is False
