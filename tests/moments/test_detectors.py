"""Key-moment and early-warning detectors at their edges (docs/calendar.md)."""

from datetime import date, datetime

import pytest
from sqlalchemy import func, select

from backend.customers.models import Customer
from backend.extensions import db
from backend.messages.models import OutboundMessage
from backend.moments import detectors, risk
from backend.moments.models import KeyMoment, RiskCase
from backend.push.models import Notification
from backend.scoring.models import Score
from tests import factories as f


def moments(kind: str | None = None) -> list[KeyMoment]:
    db.session.expire_all()  # the detectors write with Core statements
    query = select(KeyMoment).order_by(KeyMoment.id)
    return list(db.session.scalars(query.where(KeyMoment.kind == kind) if kind else query))


def customer_with_last_tx(world, posted_at: datetime, **fields) -> Customer:
    c = f.customer(world["rm"], onboarded_on=date(2020, 1, 1), **fields)
    acc = f.account(c, world["deposit"], balance=5000)
    f.transaction(acc, 100, posted_at)
    return c


def test_dormant_from_exactly_day_90(world):
    c = customer_with_last_tx(world, datetime(2026, 8, 31, 4, 0))  # 12:00 in Shanghai
    assert detectors.detect(date(2026, 11, 28)) == 0  # day 89
    assert moments("dormancy") == []
    detectors.detect(date(2026, 11, 29))  # day 90
    [m] = moments("dormancy")
    assert (m.customer_id, m.event_ref) == (c.id, "dormant:2026-08-31")
    assert m.due_on == date(2026, 11, 29)
    assert db.session.get(Customer, c.id).status == "dormant"


def test_bank_day_not_utc_day(world):
    # 16:30 UTC on 31 August is 00:30 on 1 September in Shanghai: 89 days before 29 November.
    c = customer_with_last_tx(world, datetime(2026, 8, 31, 16, 30))
    detectors.detect(date(2026, 11, 29))
    assert moments("dormancy") == []
    assert db.session.get(Customer, c.id).status == "active"
    detectors.detect(date(2026, 11, 30))
    assert [m.event_ref for m in moments("dormancy")] == ["dormant:2026-09-01"]


def test_leap_day(world):
    customer_with_last_tx(world, datetime(2024, 2, 29, 2, 0))
    detectors.detect(date(2024, 5, 28))  # 89 days after 29 February
    assert moments("dormancy") == []
    detectors.detect(date(2024, 5, 29))
    assert [m.event_ref for m in moments("dormancy")] == ["dormant:2024-02-29"]


def test_reruns_and_later_days_never_duplicate(world):
    customer_with_last_tx(world, datetime(2026, 6, 1, 2, 0))
    c = customer_with_last_tx(world, datetime(2026, 11, 20, 2, 0))
    f.account(c, world["loan"], balance=100_000, maturity_on=date(2026, 12, 18), rate=0.05)
    for day in (date(2026, 11, 27), date(2026, 11, 27), date(2026, 11, 28), date(2026, 11, 30)):
        detectors.detect(day)
    assert db.session.scalar(select(func.count()).select_from(KeyMoment)) == 2
    assert sorted(m.kind for m in moments()) == ["dormancy", "renewal"]


def test_dismissed_moment_stays_dismissed(world):
    customer_with_last_tx(world, datetime(2026, 6, 1, 2, 0))
    detectors.detect(date(2026, 11, 27))
    [m] = moments()
    m.state = "dismissed"
    db.session.commit()
    detectors.detect(date(2026, 11, 28))
    assert [(x.id, x.state) for x in moments()] == [(m.id, "dismissed")]


def test_active_again_closes_dormancy(world):
    c = customer_with_last_tx(world, datetime(2026, 6, 1, 2, 0))
    detectors.detect(date(2026, 11, 27))
    f.transaction(c.accounts[0], 50, datetime(2026, 11, 27, 3, 0))
    detectors.detect(date(2026, 11, 28))
    [m] = moments()
    assert (m.state, m.resolution) == ("done", "active again")
    assert db.session.get(Customer, c.id).status == "active"


def test_renewal_due_on_the_working_day_before_a_weekend_maturity(world):
    c = f.customer(world["rm"], onboarded_on=date(2020, 1, 1))
    f.account(c, world["td"], balance=200_000, maturity_on=date(2026, 12, 5),  # Saturday
              opened_on=date(2025, 12, 5), rate=0.0165)
    detectors.detect(date(2026, 11, 20))
    [m] = moments("renewal")
    assert m.due_on == date(2026, 12, 4)  # Friday
    assert m.severity == 2  # 15 days left: inside the 30-day window
    assert m.detail["suggested"]["term_months"] == 12


def test_renewal_before_a_holiday_maturity(world):
    c = f.customer(world["rm"], onboarded_on=date(2020, 1, 1))
    f.account(c, world["loan"], balance=50_000, maturity_on=date(2027, 1, 1), rate=0.048)
    detectors.detect(date(2026, 11, 10))  # 52 days ahead
    [m] = moments("renewal")
    assert m.due_on == date(2026, 12, 31)  # New Year's Day is a holiday (seeded calendar)
    assert m.severity == 1


def test_renewal_severity_rises_on_the_same_moment(world):
    c = f.customer(world["rm"], onboarded_on=date(2020, 1, 1))
    f.account(c, world["loan"], balance=50_000, maturity_on=date(2028, 2, 29), rate=0.048)
    seen = []
    for day in (date(2027, 12, 31), date(2028, 1, 31), date(2028, 2, 23)):
        detectors.detect(day)
        [m] = moments("renewal")
        seen.append(m.severity)
    assert seen == [1, 2, 3]
    assert m.due_on == date(2028, 2, 29)  # a Tuesday
    detectors.detect(date(2028, 3, 1))  # matured: no new renewal moment, the old one as it was
    [after] = moments("renewal")
    assert (after.id, after.severity, after.event_ref) == (m.id, 3, m.event_ref)


def test_no_renewal_beyond_60_days_or_for_closed_accounts(world):
    c = f.customer(world["rm"], onboarded_on=date(2020, 1, 1))
    f.account(c, world["loan"], balance=1, maturity_on=date(2027, 3, 1))
    f.account(c, world["td"], balance=1, maturity_on=date(2026, 12, 10), status="closed")
    detectors.detect(date(2026, 11, 28))
    assert moments("renewal") == []


def test_lapsed_recontact_cycles_by_tier(world):
    c = customer_with_last_tx(world, datetime(2025, 1, 10, 2, 0), tier="advanced")
    detectors.detect(date(2026, 1, 10))  # 365 days
    detectors.detect(date(2026, 4, 9))  # 454 days: still the first 90-day cycle
    detectors.detect(date(2026, 4, 10))  # 455 days: the second cycle
    refs = [(m.event_ref, m.state) for m in moments("dormancy")]
    assert refs == [("lapsed:2025-01-10:0", "dismissed"), ("lapsed:2025-01-10:1", "open")]
    assert db.session.get(Customer, c.id).status == "lapsed"


def test_activation_education_and_low_usage(world):
    c = f.customer(world["rm"], onboarded_on=date(2026, 11, 20))
    acc = f.account(c, world["deposit"], balance=1000, opened_on=date(2026, 11, 20))
    f.transaction(acc, 100, datetime(2026, 11, 21, 2, 0))
    detectors.detect(date(2026, 11, 21))
    refs = {m.event_ref: m.due_on for m in moments("activation")}
    # day 1 and day 7 are within the horizon; day 30 (20 December, a Sunday) is not yet
    assert refs == {"edu:1:2026-11-20": date(2026, 11, 23), "edu:7:2026-11-20": date(2026, 11, 27)}
    detectors.detect(date(2026, 12, 21))  # day 31: one own transaction only
    low = [m for m in moments("activation") if m.event_ref.startswith("low_usage")]
    assert [(m.severity, m.detail["transactions"]) for m in low] == [(2, 1)]


def score(customer, model, as_of, value, band="high", reasons=None):
    db.session.add(Score(customer_id=customer.id, model=model, version="t", as_of=as_of,
                         value=value, band=band, reasons=reasons or []))
    db.session.flush()


def test_retention_on_score_jump_and_once_per_quarter(world):
    c = customer_with_last_tx(world, datetime(2026, 11, 20, 2, 0))
    score(c, "attrition", date(2026, 10, 25), 0.2)
    score(c, "attrition", date(2026, 11, 27), 0.45)
    detectors.detect(date(2026, 11, 27))
    [m] = moments("retention")
    assert [r["code"] for r in m.reasons] == ["retention.jump"]
    score(c, "attrition", date(2026, 11, 28), 0.8)
    detectors.detect(date(2026, 11, 28))
    assert len(moments("retention")) == 1


def test_retention_on_falling_deposits(world):
    c = f.customer(world["rm"], onboarded_on=date(2020, 1, 1))
    acc = f.account(c, world["deposit"], balance=30_000)
    f.transaction(acc, -70_000, datetime(2026, 11, 1, 2, 0))  # 100k -> 30k within 60 days
    detectors.detect(date(2026, 11, 28))
    [m] = moments("retention")
    assert m.reasons[0]["code"] == "retention.balance_drop"
    assert m.reasons[0]["value"] == pytest.approx(0.7)


def risk_score(c, as_of, value, codes=("risk.overdue",), band="high"):
    score(c, "risk", as_of, value, band,
          [{"code": code, "zh": code, "en": code, "value": 1} for code in codes])


def test_small_customer_gets_an_automated_reminder(world):
    c = f.customer(world["rm"], segment="small", email="boss@example.com",
                   onboarded_on=date(2020, 1, 1))
    f.account(c, world["loan"], balance=80_000, days_overdue=12)
    risk_score(c, date(2026, 11, 28), 0.4)
    assert risk.detect_cases(date(2026, 11, 28)) == 1
    [case] = db.session.scalars(select(RiskCase)).all()
    assert (case.tier_response, case.severity, case.exposure) == ("automated", 2, 80_000)
    assert case.expected_loss == pytest.approx(32_000)
    message = db.session.get(OutboundMessage, case.reminder_message_id)
    assert (message.channel, message.to_address, message.purpose) == ("email", "boss@example.com",
                                                                      "reminder")
    notes = db.session.scalars(select(Notification)).all()
    assert [n.user_id for n in notes] == [world["rm"].id]  # the RM is informed, not the lead


def test_medium_customer_is_escalated_to_rm_and_lead(world):
    c = f.customer(world["rm"], segment="medium", onboarded_on=date(2020, 1, 1))
    f.account(c, world["loan"], balance=500_000, days_overdue=75)
    risk_score(c, date(2026, 11, 28), 0.5)
    risk.detect_cases(date(2026, 11, 28))
    [case] = db.session.scalars(select(RiskCase)).all()
    assert (case.tier_response, case.severity, case.reminder_message_id) == ("escalated", 3, None)
    assert sorted(n.user_id for n in db.session.scalars(select(Notification))) == sorted(
        [world["rm"].id, world["lead"].id])


def test_one_live_case_updated_then_closed_when_signals_clear(world):
    c = f.customer(world["rm"], segment="medium", onboarded_on=date(2020, 1, 1))
    f.account(c, world["loan"], balance=100_000)
    risk_score(c, date(2026, 11, 27), 0.3)
    risk.detect_cases(date(2026, 11, 27))
    risk_score(c, date(2026, 11, 28), 0.7, codes=("risk.overdue", "risk.utilisation"))
    risk.detect_cases(date(2026, 11, 28))
    [case] = db.session.scalars(select(RiskCase)).all()
    assert (case.probability, case.severity, len(case.signals)) == (0.7, 3, 2)
    risk_score(c, date(2026, 11, 29), 0.05, codes=(), band="low")
    risk.detect_cases(date(2026, 11, 29))
    assert (case.state, case.closed_reason) == ("closed", "signals cleared")


def test_worse_band_is_a_signal(world):
    c = f.customer(world["rm"], segment="large", onboarded_on=date(2020, 1, 1))
    risk_score(c, date(2026, 10, 28), 0.05, codes=(), band="low")
    risk_score(c, date(2026, 11, 28), 0.35, codes=(), band="medium")
    risk.detect_cases(date(2026, 11, 28))
    [case] = db.session.scalars(select(RiskCase)).all()
    assert [s["code"] for s in case.signals] == ["risk.band_worse"]
