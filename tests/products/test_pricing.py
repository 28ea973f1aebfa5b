"""Price guidance as a bank states it (backend/products/pricing.py): the floor covers the
cost, the suggestion never goes under it nor over the list, discounts are the published
ones, and the RM's band is the grade's and no wider."""

import pytest

from backend.products.pricing import Inputs, band, guidance

BP = 0.0001
FUNDING, LGD, DEFAULT_PD, OPERATING = 0.022, 0.45, 0.05, 0.006  # config.py


def credit(**change) -> Inputs:
    values = {"is_credit": True, "list_rate": 0.08, "monthly_fee": 0, "annual_cost": 2000,
              "average_balance": 1_000_000, "pd": 0.02, "value_band": None,
              "tenure_years": 0, "sensitivity": 0}
    return Inputs(**{**values, **change})


def fee(**change) -> Inputs:
    values = {"is_credit": False, "list_rate": None, "monthly_fee": 30, "annual_cost": 120,
              "average_balance": 0, "pd": None, "value_band": None, "tenure_years": 0,
              "sensitivity": 0}
    return Inputs(**{**values, **change})


def test_the_credit_floor_is_funding_plus_expected_loss_plus_operating_cost(app):
    price = guidance(credit())
    assert price["unit"] == "rate"
    assert price["floor"] == pytest.approx(FUNDING + 0.02 * LGD + 2000 / 1_000_000)
    assert price["pd"] == 0.02 and price["pd_default"] is False
    assert price["suggested"] == 0.08 == price["list"]  # no reason for a discount


@pytest.mark.parametrize("balance", [0, -5_000])
def test_a_credit_product_without_a_balance_is_costed_at_the_standard_rate(app, balance):
    price = guidance(credit(average_balance=balance))
    assert price["floor"] == pytest.approx(FUNDING + 0.02 * LGD + OPERATING)


def test_no_repayment_score_uses_the_conservative_default_and_says_so(app):
    price = guidance(credit(pd=None))
    assert price["pd"] == DEFAULT_PD and price["pd_default"] is True
    assert price["floor"] == pytest.approx(FUNDING + DEFAULT_PD * LGD + 0.002)


@pytest.mark.parametrize("pd,used", [(-0.3, 0.0), (1.7, 1.0), (0.1234567, 0.1235)])
def test_a_probability_is_kept_between_0_and_1(app, pd, used):
    assert guidance(credit(pd=pd, list_rate=0.9))["pd"] == used


@pytest.mark.parametrize("value,tenure,sensitivity,discount_bp", [
    ("top", 0, 0, 30), ("high", 0, 0, 20), ("medium", 0, 0, 10), ("low", 0, 0, 0),
    (None, 1, 0, 5), (None, 3.9, 0, 15), (None, 4, 0, 20), (None, 12, 0, 20),
    (None, 0, 1, 10), (None, 0, 0.5, 5), ("top", 10, 1, 60),
])
def test_discounts_are_the_published_ones(app, value, tenure, sensitivity, discount_bp):
    price = guidance(credit(value_band=value, tenure_years=tenure, sensitivity=sensitivity))
    assert price["suggested"] == pytest.approx(0.08 - discount_bp * BP)


def test_the_suggestion_never_goes_under_the_floor(app):
    price = guidance(credit(list_rate=0.032, value_band="top", tenure_years=10, sensitivity=1))
    assert price["suggested"] == price["floor"] > 0.032 - 60 * BP


@pytest.mark.parametrize("annual_cost,floor", [(120, 10), (150, 13), (126, 11), (0, 0)])
def test_a_fee_floor_covers_the_cost_whole_yuan_up(app, annual_cost, floor):
    price = guidance(fee(annual_cost=annual_cost))
    assert price["unit"] == "fee" and price["floor"] == floor
    assert price["floor"] * 12 >= annual_cost


def test_a_rate_floor_is_never_rounded_under_the_cost(app):
    price = guidance(credit(pd=0.0, annual_cost=1_234, average_balance=1_000_000))
    cost = FUNDING + 0.001234
    assert price["floor"] >= cost and price["floor"] - cost < BP


@pytest.mark.parametrize("monthly_fee,sensitivity,suggested", [
    (30, 0, 30), (25, 0.5, 24), (35, 1, 32), (29, 0.1, 29)])
def test_fee_suggestions_give_back_up_to_a_tenth_for_price_sensitivity(
        app, monthly_fee, sensitivity, suggested):
    price = guidance(fee(monthly_fee=monthly_fee, sensitivity=sensitivity, annual_cost=0))
    assert price["list"] == monthly_fee and price["suggested"] == suggested


def test_products_without_a_negotiated_price_have_no_guidance(app):
    assert guidance(fee(monthly_fee=0)) is None
    assert guidance(credit(list_rate=None, monthly_fee=0)) is None


@pytest.mark.parametrize("grade,width_bp", [(1, 10), (3, 25), (5, 50)])
def test_the_rate_band_is_the_grades(app, grade, width_bp):
    price = {"unit": "rate", "suggested": 0.07, "floor": 0.03}
    assert band(price, grade) == {"min": pytest.approx(0.07 - width_bp * BP),
                                  "max": pytest.approx(0.07 + width_bp * BP)}


def test_an_unknown_grade_has_no_discretion(app):
    assert band({"unit": "rate", "suggested": 0.07, "floor": 0.03}, 9) == {
        "min": 0.07, "max": 0.07}
    assert band({"unit": "fee", "suggested": 30, "floor": 10}, 0) == {"min": 30, "max": 30}


def test_the_band_never_goes_under_the_floor(app):
    assert band({"unit": "rate", "suggested": 0.0305, "floor": 0.03}, 5) == {
        "min": 0.03, "max": pytest.approx(0.0355)}
    assert band({"unit": "fee", "suggested": 10, "floor": 10}, 5) == {"min": 10, "max": 12}


@pytest.mark.parametrize("suggested,grade,expected", [
    (30, 1, (29, 31)),   # 5% of 30 is 1.5: inwards to whole yuan, never wider
    (33, 2, (30, 36)),   # 10% of 33 is 3.3
    (27, 4, (22, 32)),   # 20% of 27 is 5.4
])
def test_the_fee_band_is_rounded_inwards(app, suggested, grade, expected):
    result = band({"unit": "fee", "suggested": suggested, "floor": 0}, grade)
    assert (result["min"], result["max"]) == expected


def test_a_fee_product_says_it_has_no_probability_of_default(app):
    price = guidance(fee())
    assert price["pd"] is None and price["pd_default"] is False


def test_a_small_fee_is_still_guided_and_a_small_balance_still_spreads_the_cost(app):
    assert guidance(fee(monthly_fee=0.5, annual_cost=0))["list"] == 0
    tiny = guidance(credit(average_balance=0.5, annual_cost=0.001, pd=0.0))
    assert tiny["floor"] == pytest.approx(FUNDING + 0.002)
