"""Detector rules as a bank states them (backend/moments/detectors.py): the renewal terms an
RM is told to offer, what keeps a customer from going dormant, and the edges of the windows."""

from datetime import date, datetime

import pytest

from backend.moments import detectors
from backend.moments.detectors import suggested_conditions
from tests import factories as f
from tests.moments.test_detectors import moments

GOOD = ((0.05, "low"), (0.2, "low"))  # (repayment score, risk score): good payer, low risk


# --------------------------------------------------------------------------- renewal terms

def test_a_deposit_is_renewed_for_its_own_term_at_its_rate():
    terms = suggested_conditions(False, 0.0185, 365, None, None)["suggested"]
    assert (terms["term_months"], terms["rate"]) == (12, 0.0185)
    assert "12个月" in terms["zh"] and "12 months" in terms["en"]


@pytest.mark.parametrize("days,months", [(10, 1), (30, 1), (91, 3), (183, 6), (730, 24)])
def test_the_term_is_the_last_deals_in_months_at_least_one(days, months):
    assert suggested_conditions(False, None, days, None, None)["suggested"]["term_months"] \
        == months


def test_a_good_payer_with_low_risk_is_offered_10bp_below_the_last_rate():
    result = suggested_conditions(True, 0.0600, 365, (0.05, "low"), (0.2, "low"))
    assert result["suggested"]["action"] == "renew"
    assert result["suggested"]["rate"] == 0.0590 < 0.06  # a discount, never a surcharge
    assert result["suggested"]["term_months"] == 12
    assert (result["risk_band"], result["repayment_probability"]) == ("low", 0.05)


@pytest.mark.parametrize("repayment,risk", [
    ((0.3, "high"), (0.2, "low")),       # repayment probability at the 30% line
    ((0.5, "high"), None),
    (None, (0.7, "high")),               # a high risk band
    ((0.01, "low"), (0.9, "critical")),
])
def test_higher_risk_is_reviewed_before_renewing_on_a_shorter_term(repayment, risk):
    result = suggested_conditions(True, 0.06, 365, repayment, risk)
    assert result["suggested"]["action"] == "review"
    assert result["suggested"]["term_months"] == 6
    assert result["suggested"]["rate"] == 0.06  # no discount for a risk


def test_a_short_loan_under_review_keeps_its_shorter_term():
    result = suggested_conditions(True, 0.06, 91, (0.4, "high"), None)
    assert result["suggested"]["term_months"] == 3


@pytest.mark.parametrize("repayment,risk", [
    ((0.1, "medium"), (0.2, "low")),     # a payer at the 10% line is not "good"
    ((0.29, "medium"), (0.2, "low")),
    ((0.05, "low"), (0.4, "medium")),    # a medium risk band
    (None, None),                        # no scores at all
    ((0.05, "low"), None),
])
def test_otherwise_the_same_terms(repayment, risk):
    result = suggested_conditions(True, 0.06, 365, repayment, risk)
    assert result["suggested"]["action"] == "renew"
    assert result["suggested"]["rate"] == 0.06 and result["suggested"]["term_months"] == 12


def test_a_good_payer_without_a_recorded_rate_gets_no_invented_rate():
    assert suggested_conditions(True, None, 365, *GOOD)["suggested"]["rate"] is None
    no_repayment = suggested_conditions(True, 0.05, 365, None, (0.1, "low"))["suggested"]
    assert no_repayment["rate"] == 0.049  # low risk and no repayment score yet: good


# --------------------------------------------------------------------------- dormancy

def test_only_the_customers_own_transactions_keep_them_active(world):
    c = f.customer(world["rm"], onboarded_on=date(2020, 1, 1))
    acc = f.account(c, world["deposit"], balance=5000)
    f.transaction(acc, 100, datetime(2026, 8, 1, 4, 0))  # their last own payment
    f.transaction(acc, 3.5, datetime(2026, 11, 1, 4, 0), kind="interest",
                  customer_initiated=False)  # the bank paid interest: not the customer
    detectors.detect(date(2026, 11, 29))
    [m] = moments("dormancy")
    assert m.event_ref == "dormant:2026-08-01"


def test_lapsed_from_exactly_day_365(world):
    c = f.customer(world["rm"], onboarded_on=date(2020, 1, 1), tier="basic")
    f.transaction(f.account(c, world["deposit"]), 100, datetime(2025, 11, 29, 4, 0))
    detectors.detect(date(2026, 11, 28))  # day 364: dormant
    assert [m.event_ref for m in moments("dormancy")] == ["dormant:2025-11-29"]
    detectors.detect(date(2026, 11, 29))  # day 365: lapsed, re-contacted every 180 days
    lapsed = [m for m in moments("dormancy") if m.event_ref.startswith("lapsed")]
    assert [m.event_ref for m in lapsed] == ["lapsed:2025-11-29:0"]
    assert lapsed[0].due_on == date(2026, 11, 29)
    assert lapsed[0].detail["every_days"] == 180


def test_a_customer_onboarded_later_is_not_judged_yet(world):
    f.customer(world["rm"], onboarded_on=date(2026, 12, 1))
    detectors.detect(date(2026, 11, 29))
    assert moments() == []


def test_a_customer_never_transacting_is_dormant_90_days_after_onboarding(world):
    c = f.customer(world["rm"], onboarded_on=date(2026, 8, 31))
    detectors.detect(date(2026, 11, 29))
    [m] = moments("dormancy")
    assert (m.customer_id, m.event_ref) == (c.id, "dormant:2026-08-31")


# --------------------------------------------------------------------------- renewal window

@pytest.mark.parametrize("days_left,severity", [(60, 1), (31, 1), (30, 2), (8, 2), (7, 3),
                                                (1, 3)])
def test_renewal_severity_by_the_days_left(world, days_left, severity):
    c = f.customer(world["rm"], onboarded_on=date(2020, 1, 1))
    as_of = date(2026, 11, 2)  # a Monday
    f.account(c, world["loan"], balance=100_000, rate=0.06, opened_on=date(2025, 11, 2),
              maturity_on=date.fromordinal(as_of.toordinal() + days_left))
    detectors.detect(as_of)
    [m] = moments("renewal")
    assert m.severity == severity
    assert m.detail["product"]["code"] == "WCL"  # the account's own product
    assert m.detail["balance"] == 100_000


def test_no_renewal_for_a_maturity_today_or_past(world):
    c = f.customer(world["rm"], onboarded_on=date(2020, 1, 1))
    as_of = date(2026, 11, 2)
    for maturity in (date(2026, 11, 2), date(2026, 10, 30)):
        f.account(c, world["td"], balance=10_000, rate=0.02, opened_on=date(2025, 11, 2),
                  maturity_on=maturity)
    detectors.detect(as_of)
    assert moments("renewal") == []


@pytest.mark.parametrize("repayment,risk,zh,en", [
    ((0.05, "low"), (0.2, "low"), "还款良好：可按原条件续贷并优惠 10bp",
     "Good repayment: renew on the same terms, 10 bp lower"),
    ((0.5, "high"), None, "风险偏高：续贷前重新评估，缩短期限",
     "Higher risk: review before renewing, shorter term"),
    (None, None, "按原条件续贷", "Renew on the same terms"),
])
def test_the_rm_reads_the_advice_in_both_languages(repayment, risk, zh, en):
    advice = suggested_conditions(True, 0.06, 365, repayment, risk)["suggested"]
    assert (advice["zh"], advice["en"]) == (zh, en)


def test_probabilities_are_shown_to_four_places():
    result = suggested_conditions(True, 0.061234, 365, (0.123456, "medium"), (0.1, "low"))
    assert result["repayment_probability"] == 0.1235
    good = suggested_conditions(True, 0.061234, 365, (0.05, "low"), (0.1, "low"))
    assert good["suggested"]["rate"] == 0.0602
