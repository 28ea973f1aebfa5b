"""Next best product: what is never offered, diversity, reasons, price guidance."""

from datetime import date, datetime

import pytest
from sqlalchemy import select

from backend.extensions import db
from backend.offers import ranking
from backend.offers.models import Offer
from backend.products import pricing
from backend.scoring.models import Score
from tests import factories as f

AS_OF = date(2026, 11, 28)


@pytest.fixture
def bank_value_only(app, monkeypatch):
    """Offers weighed on the bank's value alone, so the figures below add up by hand."""
    monkeypatch.setitem(app.config, "OFFER_CUSTOMER_GAIN", 0)


@pytest.fixture
def world(app):
    rm = f.user("rm_a", "rm", f.team("A"), grade=3)
    products = {
        "CUR": f.product("CUR", family="deposit", margin_rate=0.015, annual_cost=120),
        "INST": f.product("INST", family="loan", is_credit=True, rate=0.0435,
                          margin_rate=0.025, annual_cost=600),
        "WCL": f.product("WCL", family="loan", is_credit=True, rate=0.048, margin_rate=0.028,
                         annual_cost=900),
        "UCC": f.product("UCC", family="loan", is_credit=True, rate=0.065, margin_rate=0.038,
                         annual_cost=250),
        "POS": f.product("POS", family="payment", monthly_fee=30, margin_rate=0.0015,
                         annual_cost=300),
        "FUND": f.product("FUND", family="fund", margin_rate=0.004, annual_cost=50),
        "RPL": f.product("RPL", family="loan", is_credit=True, line="retail", rate=0.039),
    }
    # holders give every product an average balance in the "medium" segment
    holder = f.customer(rm, segment="medium", industry="retail")
    for p in products.values():
        f.account(holder, p, balance=500_000)
    db.session.commit()
    return {"rm": rm, "products": products}


def propensity(customer, code, value, reasons=None):
    db.session.add(Score(customer_id=customer.id, model=f"propensity:{code}", version="t",
                         as_of=AS_OF, value=value, band="high",
                         reasons=reasons or [{"code": f"{code}.why", "zh": "因为", "en": "because",
                                              "value": 1}]))


def offers_of(customer) -> list[Offer]:
    db.session.expire_all()
    return list(db.session.scalars(select(Offer).where(Offer.customer_id == customer.id,
                                                       Offer.state == "suggested")
                                   .order_by(Offer.expected_value.desc())))


def codes(offers, products):
    by_id = {p.id: code for code, p in products.items()}
    return [by_id[o.product_id] for o in offers]


def test_ranked_by_value_and_explained(world, bank_value_only):
    c = f.customer(world["rm"], segment="medium", industry="retail")
    for code, p in (("INST", 0.5), ("WCL", 0.6), ("UCC", 0.4), ("POS", 0.3), ("FUND", 0.9)):
        propensity(c, code, p)
    db.session.commit()
    ranking.build(AS_OF)
    offers = offers_of(c)
    # worth a year: WCL 0.6 x (500k x 2.8% - 900) = 7,860; UCC 0.4 x 18,750 = 7,500;
    # INST 0.5 x 11,900 = 5,950; FUND 0.9 x 1,950 = 1,755; POS 0.3 x (750 + 360 - 300) = 243
    assert codes(offers, world["products"]) == ["WCL", "UCC", "INST"]
    assert [o.expected_value for o in offers] == [7860, 7500, 5950]
    for o in offers:
        assert o.reasons[0]["code"].endswith(".why")
        assert o.reasons[-1]["code"] == "offer.value"
    # the industry peer reason: the one retail holder holds everything (100% >= 20%)
    assert any(r["code"] == "offer.industry" for r in offers[0].reasons)


@pytest.mark.parametrize(("worth", "chosen"), [
    (0.0, ["WCL", "FUND", "POS"]),  # one product per family
    # a second loan counts half (UCC 3,750), a third a quarter (INST 1,487 < FUND 1,755)
    (0.5, ["WCL", "UCC", "FUND"]),
    (1.0, ["WCL", "UCC", "INST"]),  # substitutes count in full
])
def test_substitute_worth_sets_how_many_of_one_family_are_offered(world, worth, chosen):
    ranked = [{"product_id": world["products"][code].id, "family": family, "expected_value": ev,
               "score": 0.5}
              for code, family, ev in (("WCL", "loan", 7860), ("UCC", "loan", 7500),
                                       ("INST", "loan", 5950), ("FUND", "fund", 1755),
                                       ("POS", "payment", 243))]
    picked = ranking.choose(ranked, contact_cost=30, substitute_worth=worth)
    assert codes([type("O", (), o) for o in picked], world["products"]) == chosen


def test_one_contact_cost_is_charged_once_for_all_its_offers(world, bank_value_only):
    """Three offers each worth less than a call, together worth more: one call for all."""
    call = 30.0  # a medium customer is called (CONTACT_COST["call"])
    c = f.customer(world["rm"], segment="medium")
    quiet = f.customer(world["rm"], segment="medium")
    # a year's value if sold: WCL 13,100, POS 810, FUND 1,950
    for code, p in (("WCL", 0.002), ("POS", 0.03), ("FUND", 0.01)):  # 26.2 + 24.3 + 19.5
        propensity(c, code, p)
    for code, p in (("WCL", 0.0005), ("POS", 0.01), ("FUND", 0.005)):  # 6.55 + 8.1 + 9.75
        propensity(quiet, code, p)
    db.session.commit()
    ranking.build(AS_OF)
    offers = offers_of(c)
    assert codes(offers, world["products"]) == ["WCL", "POS", "FUND"]
    assert all(o.expected_value < call for o in offers)
    assert sum(o.expected_value for o in offers) > call
    assert offers_of(quiet) == []  # 24.40 in all: not worth a call


def test_the_customers_gain_lets_a_wanted_product_win_over_a_long_shot(world):
    """Worth = expected value + propensity x the customer's gain. On the bank's value alone
    a 6% card (786) beats a 90% POS service (729); with a gain of 3,000 for a product the
    customer wants, POS is worth 729 + 2,700 and the card 786 + 180."""
    ranked = [{"product_id": world["products"][code].id, "family": family, "score": p,
               "expected_value": ev}
              for code, family, p, ev in (("INST", "loan", 0.4, 4760), ("WCL", "card", 0.06, 786),
                                          ("FUND", "fund", 0.9, 1755),
                                          ("POS", "payment", 0.9, 729))]

    def chosen(gain):
        return codes([type("O", (), o) for o in ranking.choose(ranked, 30, customer_gain=gain)],
                     world["products"])

    assert chosen(0) == ["INST", "FUND", "WCL"]
    assert chosen(3000) == ["INST", "FUND", "POS"]


def test_products_without_balances_are_valued_on_what_was_sold(world, bank_value_only):
    """Insurance keeps no balance: its margin (the commission) is on the premium sold."""
    ins = f.product("INS", family="insurance", line="partner", rate=0.0015, margin_rate=0.2,
                    annual_cost=60)
    holder = f.customer(world["rm"], segment="medium")
    f.account(holder, ins, balance=0)
    db.session.add(Offer(customer_id=holder.id, product_id=ins.id, as_of=AS_OF, score=0.3,
                         expected_value=0, state="sold", sold_amount=12_000,
                         state_changed_at=datetime(2026, 5, 1)))
    c = f.customer(world["rm"], segment="medium")
    propensity(c, "INS", 0.5)
    db.session.commit()
    ranking.build(AS_OF)
    [offer] = offers_of(c)
    assert offer.product_id == ins.id
    assert offer.expected_value == 0.5 * (12_000 * 0.2 - 60)  # 1,170


def test_an_offer_is_explained_by_what_raises_the_chance_never_by_what_lowers_it(world):
    c = f.customer(world["rm"], segment="medium")
    propensity(c, "WCL", 0.3, reasons=[
        {"code": "tx_trend.high", "zh": "近3月相对全年的交易活跃度偏高",
         "en": "High activity in 3 months against the year", "value": 1.2, "push": "up"}])
    propensity(c, "FUND", 0.2, reasons=[
        {"code": "annual_revenue.low", "zh": "企业营业收入偏低", "en": "Low company revenue",
         "value": -1.1, "push": "down"}])
    db.session.commit()
    ranking.build(AS_OF)
    by_code = dict(zip(codes(offers_of(c), world["products"]), offers_of(c), strict=True))
    assert by_code["WCL"].reasons[0]["code"] == "tx_trend.high"
    assert [r["code"] for r in by_code["FUND"].reasons] == ["offer.value"]


def test_never_without_consent_or_within_the_cooldown(world):
    quiet = f.customer(world["rm"], segment="medium", consent_marketing=False)
    propensity(quiet, "WCL", 0.9)
    c = f.customer(world["rm"], segment="medium")
    propensity(c, "WCL", 0.9)
    propensity(c, "INST", 0.2)
    db.session.add(Offer(customer_id=c.id, product_id=world["products"]["WCL"].id,
                         as_of=AS_OF, score=0.9, expected_value=1000, state="declined",
                         state_changed_at=datetime(2026, 10, 1)))  # medium cool-down: 90 days
    db.session.commit()
    ranking.build(AS_OF)
    assert offers_of(quiet) == []
    assert codes(offers_of(c), world["products"]) == ["INST"]


def test_held_or_ineligible_products_have_no_score_so_no_offer(world):
    c = f.customer(world["rm"], segment="medium")
    propensity(c, "POS", 0.5)  # the propensity models score only eligible non-holders
    db.session.commit()
    ranking.build(AS_OF)
    assert codes(offers_of(c), world["products"]) == ["POS"]


def test_rerun_updates_and_expires_but_keeps_presented(world):
    c = f.customer(world["rm"], segment="medium")
    propensity(c, "WCL", 0.6)
    propensity(c, "POS", 0.5)
    db.session.commit()
    ranking.build(AS_OF)
    first = {o.product_id: o.id for o in offers_of(c)}
    presented = db.session.get(Offer, first[world["products"]["POS"].id])
    presented.state = "presented"
    db.session.execute(Score.__table__.delete())
    propensity(c, "INST", 0.7)
    db.session.commit()
    ranking.build(AS_OF)
    db.session.expire_all()
    assert db.session.get(Offer, first[world["products"]["WCL"].id]).state == "expired"
    assert db.session.get(Offer, presented.id).state == "presented"
    assert codes(offers_of(c), world["products"]) == ["INST"]


def test_offers_api_prices_with_the_readers_band(api, world):
    c = f.customer(world["rm"], segment="medium")
    propensity(c, "WCL", 0.6)
    db.session.commit()
    ranking.build(AS_OF)
    db.session.commit()
    [item] = api("rm_a").get(f"/api/v1/customers/{c.id}/offers").json["items"]
    price = item["price"]
    assert item["product"]["code"] == "WCL" and price["unit"] == "rate"
    assert price["band"] == {"min": round(max(price["floor"], price["suggested"] - 0.0025), 6),
                             "max": round(price["suggested"] + 0.0025, 6)}  # grade 3: 25 bp
    other = f.user("rm_b", "rm", f.team("B"))
    db.session.commit()
    assert api(other.username).get(f"/api/v1/customers/{c.id}/offers").status_code == 404


# --------------------------------------------------------------------------- pricing


def credit(**fields):
    base = dict(is_credit=True, list_rate=0.048, monthly_fee=0, annual_cost=900,
                average_balance=300_000, pd=0.02, value_band=None, tenure_years=0,
                sensitivity=0.0)
    return pricing.Inputs(**{**base, **fields})


def test_floor_is_funding_plus_expected_loss_plus_operating_cost(app):
    price = pricing.guidance(credit())
    assert price["floor"] == pytest.approx(0.022 + 0.02 * 0.45 + 900 / 300_000)
    assert (price["unit"], price["list"], price["suggested"]) == ("rate", 0.048, 0.048)


def test_missing_score_falls_back_to_a_conservative_pd(app):
    price = pricing.guidance(credit(pd=None))
    assert price["pd_default"] and price["pd"] == app.config["PRICING_DEFAULT_PD"]
    assert price["floor"] > pricing.guidance(credit(pd=0.02))["floor"]


def test_pd_of_zero_and_rounding_to_a_basis_point(app):
    price = pricing.guidance(credit(pd=0.0, annual_cost=1000, average_balance=300_000))
    assert price["floor"] == 0.0254  # 2.2% + 0 + 0.333...%, up to a basis point: never under cost
    assert price["pd"] == 0.0


def test_value_tenure_and_sensitivity_lower_the_suggestion_not_below_the_floor(app):
    loyal = pricing.guidance(credit(value_band="top", tenure_years=10, sensitivity=1.0))
    assert loyal["suggested"] == round(0.048 - (30 + 20 + 10) * 0.0001, 6)
    squeezed = pricing.guidance(credit(list_rate=0.033, value_band="top", tenure_years=10))
    assert squeezed["suggested"] == squeezed["floor"]


def test_fee_products_round_to_a_yuan_and_deposits_have_no_price(app):
    fee = pricing.guidance(pricing.Inputs(is_credit=False, list_rate=None, monthly_fee=30,
                                          annual_cost=300, average_balance=0, pd=None,
                                          value_band=None, tenure_years=0, sensitivity=0.5))
    assert fee == {"unit": "fee", "list": 30.0, "floor": 25.0, "suggested": 28.0, "pd": None,
                   "pd_default": False}
    assert pricing.band(fee, 1) == {"min": 27.0, "max": 29.0}
    deposit = pricing.Inputs(is_credit=False, list_rate=0.0165, monthly_fee=0, annual_cost=40,
                             average_balance=1e5, pd=None, value_band=None, tenure_years=0,
                             sensitivity=0)
    assert pricing.guidance(deposit) is None


def test_related_party_needs_never_show_another_portfolios_data(api, world):
    mine = f.customer(world["rm"], segment="medium", name="本户")
    buyer_mine = f.customer(world["rm"], segment="medium", name="我的买方")
    theirs = f.customer(f.user("rm_b", "rm", f.team("B")), segment="medium", name="他行买方")
    f.related(mine, "buyer", buyer_mine)
    f.related(mine, "supplier", theirs)
    f.related(mine, "owner", person_name="张老板")
    for c in (buyer_mine, theirs):
        db.session.add(Offer(customer_id=c.id, product_id=world["products"]["POS"].id,
                             as_of=AS_OF, score=0.5, expected_value=900, state="suggested"))
    db.session.commit()
    needs = {n["kind"]: n for n in api("rm_a").get(f"/api/v1/customers/{mine.id}")
             .json["related_needs"]}
    assert needs["buyer"]["customer"]["id"] == buyer_mine.id  # mine: its best offer, a link
    assert (needs["buyer"]["product"]["code"], needs["buyer"]["referral"]) == ("POS", False)
    supplier = needs["supplier"]  # another portfolio: a referral opportunity, nothing of it
    assert supplier["customer"] is None and supplier["referral"] is True
    assert supplier["product"]["code"] == "WCL"  # the rule, not the other RM's offer
    assert "他行买方" not in str(needs) and str(theirs.id) not in str(supplier)
    assert (needs["owner"]["line"], needs["owner"]["referral"]) == ("retail", True)
