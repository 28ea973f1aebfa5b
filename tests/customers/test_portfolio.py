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
    team_leads,
    visible_staff,
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
        # an RM who became an analyst keeps customers until they are moved: they see none
        "analysts": factories.customer(team_analyst, external_id="ANALYSTS"),
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
    ("lead_a", {"A", "A2", "ANALYSTS"}),   # a lead: every customer of their team
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


# --------------------------------------------------------------------------- staff


def staff_seen_by(users: dict, who: str, role: str | None = None) -> set[str]:
    names = {u.id: name for name, u in users.items()}
    return {names[i] for i in db.session.scalars(visible_staff(users[who], role=role))}


@pytest.mark.parametrize("who,sees", [
    ("rm_a", {"rm_a"}),                                  # an RM: their own work
    ("lead_a", {"rm_a", "rm_a2", "lead_a", "team_analyst", "team_referrer"}),  # the team
    ("lead_b", {"rm_b", "lead_b"}),
    ("loner_lead", {"loner_lead"}),                      # no team: not every team-less user
    ("team_analyst", {"team_analyst"}),                  # in a team, not its lead
    ("analyst", {"analyst"}),
])
def test_whose_work_each_user_sees(bank, who, sees):
    users, _ = bank
    assert staff_seen_by(users, who) == sees
    assert staff_seen_by({**users, who: Viewer.of(users[who])}, who) == sees


def test_a_lead_can_ask_for_the_rms_of_the_team_only(bank):
    users, _ = bank
    assert staff_seen_by(users, "lead_a", role="rm") == {"rm_a", "rm_a2"}
    assert staff_seen_by(users, "rm_a", role="lead") == set()


def test_the_leads_of_a_team_are_its_active_leads(bank):
    users, _ = bank
    deputy = factories.user("deputy", "lead", users["rm_a"].team)
    gone = factories.user("gone", "lead", users["rm_a"].team, is_active_user=False)
    leads = team_leads(users["rm_a"])
    assert [u.id for u in leads] == [users["lead_a"].id, deputy.id]  # by id
    assert gone.id not in [u.id for u in leads]
    assert team_leads(Viewer.of(users["rm_b"])) == [users["lead_b"]]
    assert team_leads(users["loner_rm"]) == []  # no team, no leads (not the team-less leads)
