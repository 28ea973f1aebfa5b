"""The product portfolio view: figures per product, cost-only products flagged, no
customer-level data, analysts and leads only."""

from datetime import date, datetime, timedelta

import pytest

from backend.extensions import db
from tests import factories as f


@pytest.fixture
def bank(app):
    people = f.two_teams()
    earner = f.product("WCL", family="loan", is_credit=True, margin_rate=0.03, annual_cost=100)
    costly = f.product("INS", family="insurance", margin_rate=0.2, annual_cost=500)
    unused = f.product("PWM", family="fund", annual_cost=0)
    recent = date.today() - timedelta(days=30)
    for i in range(4):
        c = f.customer(people["rm_a"], industry="retail")
        f.account(c, earner, balance=100_000, opened_on=recent if i < 2 else date(2020, 1, 1))
        f.account(c, costly, balance=0, opened_on=date(2020, 1, 1))
    db.session.commit()
    return {"earner": earner, "costly": costly, "unused": unused}


def test_figures_per_product_and_the_candidates_to_simplify(api, bank):
    view = api("analyst").get("/api/v1/products/portfolio").json
    items = {i["product"]["code"]: i for i in view["items"]}
    wcl = items["WCL"]
    assert (wcl["holders"], wcl["new_sales"]) == (4, 2)
    assert wcl["revenue"] == pytest.approx(4 * 100_000 * 0.03)
    assert (wcl["cost"], wcl["margin"]) == (400.0, pytest.approx(12_000 - 400))
    assert wcl["uptake"] == 1.0 and wcl["simplify"] is False
    ins = items["INS"]
    assert (ins["revenue"], ins["cost"], ins["simplify"]) == (0.0, 2000.0, True)
    assert items["PWM"]["simplify"] is True  # nobody holds it
    assert (view["simplify_candidates"], view["simplify_share"]) == (2, 0.6667)
    assert "customer" not in str(view)


@pytest.mark.parametrize(("user", "status"), [("analyst", 200), ("lead_a", 200),
                                               ("admin", 200), ("rm_a", 403),
                                               ("referrer", 403)])
def test_who_sees_it(api, bank, user, status):
    assert api(user).get("/api/v1/products/portfolio").status_code == status


def test_fees_charged_count_as_revenue(api, bank):
    c = f.customer(f.user("rm_x", "rm"), industry="retail")
    acc = f.account(c, bank["costly"], balance=0)
    f.transaction(acc, -3000, datetime.now() - timedelta(days=10), kind="fee")
    db.session.commit()
    ins = {i["product"]["code"]: i for i in
           api("analyst").get("/api/v1/products/portfolio").json["items"]}["INS"]
    assert ins["revenue"] == 3000.0 and ins["simplify"] is False
