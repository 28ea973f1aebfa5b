"""The detectors' windows, thresholds and texts as the bank sets them (docs/calendar.md):
what opens a moment on its last day and not the day after, what the RM reads, whom an alert
reaches, and what a closed customer never gets."""

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select

from backend.customers.models import Customer
from backend.extensions import db
from backend.moments import detectors
from backend.push.models import Notification
from backend.workdays import WorkCalendar
from tests import factories as f
from tests.moments.test_detectors import moments, score

WEDNESDAY = date(2026, 11, 18)


def at_noon(day: date) -> datetime:
    """Noon in Shanghai, as the UTC the books store."""
    return datetime(day.year, day.month, day.day, 4, 0)


def activation(as_of: date) -> dict[int, dict[str, dict]]:
    """{customer id: {"edu:1" or "low_usage:<onboarded>": candidate row}}."""
    found: dict[int, dict[str, dict]] = {}
    for row in detectors.activation(as_of, WorkCalendar.load()):
        ref = row["event_ref"]
        key = ref.rsplit(":", 1)[0] if ref.startswith("edu:") else ref
        found.setdefault(row["customer_id"], {})[key] = row
    return found


# --------------------------------------------------------------------------- activation


def test_education_is_raised_up_to_a_week_late_and_two_weeks_ahead(world):
    # as of Wednesday 18 November: due dates from 11 to 2 December are raised
    day1_on_the_stale_edge = f.customer(world["rm"], onboarded_on=date(2026, 11, 10))
    day1_one_day_too_late = f.customer(world["rm"], onboarded_on=date(2026, 11, 9))
    day30_on_the_horizon = f.customer(world["rm"], onboarded_on=date(2026, 11, 2))
    day30_beyond_it = f.customer(world["rm"], onboarded_on=date(2026, 11, 3))
    found = activation(WEDNESDAY)
    assert set(found[day1_on_the_stale_edge.id]) == {"edu:1", "edu:7"}
    assert found[day1_on_the_stale_edge.id]["edu:1"]["due_on"] == date(2026, 11, 11)
    assert set(found[day1_one_day_too_late.id]) == {"edu:7"}
    assert set(found[day30_on_the_horizon.id]) == {"edu:30"}
    assert found[day30_on_the_horizon.id]["edu:30"]["due_on"] == date(2026, 12, 2)
    assert day30_beyond_it.id not in found


def test_education_reads_the_day_and_is_a_light_moment(world):
    c = f.customer(world["rm"], onboarded_on=date(2026, 11, 17))
    detectors.detect(WEDNESDAY)
    [m] = [m for m in moments("activation") if m.customer_id == c.id
           and m.event_ref == "edu:1:2026-11-17"]
    assert (m.severity, m.detail, m.due_on) == (1, {"step": 1}, WEDNESDAY)
    assert m.reasons[0]["zh"] == "开户第1天：客户教育"
    assert m.reasons[0]["en"] == "Day 1 after opening: customer education"
    assert m.reasons[0]["value"] == 1


@pytest.mark.parametrize("age,raised", [(29, False), (30, True), (90, True), (91, False)])
def test_low_usage_is_checked_from_day_30_to_day_90(world, age, raised):
    c = f.customer(world["rm"], onboarded_on=WEDNESDAY - timedelta(days=age))
    found = activation(WEDNESDAY).get(c.id, {})
    assert ("low_usage:" + str(c.onboarded_on) in found) is raised


def test_low_usage_counts_only_the_customers_own_transactions_in_the_window(world):
    c = f.customer(world["rm"], onboarded_on=WEDNESDAY - timedelta(days=60))
    acc = f.account(c, world["deposit"], balance=1000)
    for day in (1, 2, 3, 4):
        f.transaction(acc, 10, at_noon(WEDNESDAY - timedelta(days=day)))
    for day in (5, 6, 7):  # the bank's own postings do not count
        f.transaction(acc, 1, at_noon(WEDNESDAY - timedelta(days=day)), kind="interest",
                      customer_initiated=False)
    f.transaction(acc, 10, at_noon(WEDNESDAY + timedelta(days=1)))  # after the day judged
    f.transaction(acc, 10, at_noon(WEDNESDAY - timedelta(days=120)))  # history before the window
    detectors.detect(WEDNESDAY)
    [low] = [m for m in moments("activation") if m.event_ref.startswith("low_usage")]
    assert (low.customer_id, low.severity, low.due_on) == (c.id, 2, WEDNESDAY)
    assert low.detail == {"transactions": 4, "days": 60}
    assert low.reasons[0]["zh"] == "开户60天仅 4 笔主动交易"
    assert low.reasons[0]["en"] == "Only 4 own transactions in 60 days since opening"
    assert low.reasons[0]["value"] == 4


def test_five_own_transactions_are_enough(world):
    c = f.customer(world["rm"], onboarded_on=WEDNESDAY - timedelta(days=60))
    acc = f.account(c, world["deposit"], balance=1000)
    for day in range(5):
        f.transaction(acc, 10, at_noon(WEDNESDAY - timedelta(days=day)))
    assert "low_usage:" + str(c.onboarded_on) not in activation(WEDNESDAY).get(c.id, {})


def test_a_customer_onboarded_tomorrow_gets_no_education_yet(world):
    c = f.customer(world["rm"], onboarded_on=WEDNESDAY + timedelta(days=1))
    assert c.id not in activation(WEDNESDAY)


# --------------------------------------------------------------------------- closed customers


def test_a_closed_customer_gets_no_moment_of_any_kind(world):
    c = f.customer(world["rm"], onboarded_on=WEDNESDAY - timedelta(days=40), status="closed")
    acc = f.account(c, world["deposit"], balance=30_000)
    f.transaction(acc, -70_000, at_noon(WEDNESDAY - timedelta(days=10)))
    f.account(c, world["loan"], balance=50_000, maturity_on=WEDNESDAY + timedelta(days=5))
    old = f.customer(world["rm"], onboarded_on=date(2020, 1, 1), status="closed")
    score(old, "attrition", WEDNESDAY, 0.9)
    detectors.detect(WEDNESDAY)
    assert moments() == []
    assert db.session.get(Customer, c.id).status == "closed"


# --------------------------------------------------------------------------- renewal


def test_the_renewal_names_the_account_its_product_and_the_days_left(world):
    c = f.customer(world["rm"], onboarded_on=date(2020, 1, 1))
    acc = f.account(c, world["loan"], balance=80_000, rate=0.05, opened_on=date(2025, 12, 1),
                    maturity_on=date(2026, 12, 1))
    detectors.detect(WEDNESDAY)
    [m] = moments("renewal")
    assert m.event_ref == f"account:{acc.id}:2026-12-01"
    assert m.detail["account_id"] == acc.id
    assert m.detail["maturity_on"] == "2026-12-01"
    assert m.detail["product"] == {"code": "WCL", "name": "产品WCL", "name_en": "Credit line"}
    assert m.reasons[0]["zh"] == "产品WCL 12月01日到期（13天）"
    assert m.reasons[0]["en"] == "Credit line matures 01 Dec (13 days)"
    assert m.reasons[0]["value"] == 13


def test_a_renewal_due_on_a_weekend_is_due_today_not_in_the_past(world):
    c = f.customer(world["rm"], onboarded_on=date(2020, 1, 1))
    f.account(c, world["td"], balance=10_000, rate=0.015, maturity_on=date(2026, 11, 22))  # Sun
    saturday = date(2026, 11, 21)
    detectors.detect(saturday)
    [m] = moments("renewal")
    assert m.due_on == saturday  # the working day before (Friday) has passed


@pytest.mark.parametrize("model,value,band,field", [
    ("risk", 0.4, "high", ("risk_band", "high")),
    ("repayment", 0.35, "medium", ("repayment_probability", 0.35)),
])
def test_the_customers_own_scores_decide_the_renewal_terms(world, model, value, band, field):
    c = f.customer(world["rm"], onboarded_on=date(2020, 1, 1))
    other = f.customer(world["rm"], onboarded_on=date(2020, 1, 1))
    for who in (c, other):
        f.account(who, world["loan"], balance=50_000, rate=0.05, opened_on=date(2025, 12, 1),
                  maturity_on=date(2026, 12, 1))
    score(c, model, WEDNESDAY, value, band)
    score(other, model, WEDNESDAY, 0.01, "low")
    detectors.detect(WEDNESDAY)
    terms = {m.customer_id: m.detail for m in moments("renewal")}
    assert terms[c.id]["suggested"]["action"] == "review"
    assert terms[c.id][field[0]] == field[1]
    assert terms[other.id]["suggested"]["action"] == "renew"


# --------------------------------------------------------------------------- alerts


def renewal_in(world, days: int, segment: str = "large", rm=None) -> Customer:
    c = f.customer(rm or world["rm"], segment=segment, onboarded_on=date(2020, 1, 1),
                   name_en="Big Co")
    f.account(c, world["loan"], balance=5_000_000, rate=0.05, opened_on=date(2025, 11, 20),
              maturity_on=WEDNESDAY + timedelta(days=days))
    current = f.account(c, world["deposit"], balance=10_000)
    f.transaction(current, 1, at_noon(WEDNESDAY))  # active: no dormancy moment beside
    return c


def alerts() -> list[Notification]:
    return list(db.session.scalars(select(Notification).where(Notification.kind == "renewal_due")
                                   .order_by(Notification.id)))


def test_a_large_customers_renewal_a_week_away_alerts_its_rm_once(world):
    c = renewal_in(world, 6)
    detectors.detect(WEDNESDAY)
    detectors.detect(WEDNESDAY + timedelta(days=1))
    [alert] = alerts()
    [m] = moments("renewal")
    assert alert.user_id == world["rm"].id
    assert (alert.url, alert.dedupe_key) == (f"/customers/{c.id}", f"renewal_due:{m.id}")
    assert alert.detail == {"moment_id": m.id, "customer_id": c.id}
    assert alert.title == "到期续作提醒"
    assert alert.body == f"{c.name}：{m.reasons[0]['zh']}"
    assert detectors.alert_renewals_due() == 0


def test_an_english_speaking_rm_reads_the_alert_in_english(world):
    rm = f.user("rm_en", "rm", world["rm"].team, locale="en")
    renewal_in(world, 6, rm=rm)
    detectors.detect(WEDNESDAY)
    [alert] = alerts()
    assert alert.title == "Renewal due"
    assert alert.body.startswith("Big Co: Credit line matures 24 Nov")


@pytest.mark.parametrize("days,segment", [(6, "medium"), (6, "small"), (8, "large")])
def test_no_alert_for_smaller_customers_or_renewals_further_away(world, days, segment):
    renewal_in(world, days, segment)
    detectors.detect(WEDNESDAY)
    assert alerts() == []


def test_no_alert_once_the_rm_has_closed_the_renewal(world):
    renewal_in(world, 20)
    detectors.detect(WEDNESDAY)
    [m] = moments("renewal")
    m.state = "done"
    db.session.commit()
    detectors.detect(WEDNESDAY + timedelta(days=14))  # a week left now
    assert alerts() == []


def test_alerts_count_each_new_one(world):
    renewal_in(world, 6)
    renewal_in(world, 3)
    detectors.detect(WEDNESDAY)
    db.session.query(Notification).delete()
    assert detectors.alert_renewals_due() == 2


# --------------------------------------------------------------------------- dormancy


def test_the_dormant_moment_says_how_long(world):
    c = f.customer(world["rm"], onboarded_on=date(2020, 1, 1))
    f.transaction(f.account(c, world["deposit"]), 100, at_noon(WEDNESDAY - timedelta(days=100)))
    detectors.detect(WEDNESDAY)
    [m] = moments("dormancy")
    assert (m.severity, m.due_on) == (1, WEDNESDAY)
    assert m.detail == {"idle_days": 100, "last_own_transaction": "2026-08-10"}
    assert m.reasons[0]["zh"] == "100天无主动交易，账户休眠"
    assert m.reasons[0]["en"] == "No own transaction for 100 days: dormant"
    assert m.reasons[0]["value"] == 100


def test_a_lapsed_customer_is_recontacted_on_its_tiers_schedule(world):
    last = WEDNESDAY - timedelta(days=365 + 120 + 5)  # into the second 120-day cycle
    c = f.customer(world["rm"], onboarded_on=date(2020, 1, 1), tier="intermediate")
    f.transaction(f.account(c, world["deposit"]), 100, at_noon(last))
    detectors.detect(WEDNESDAY)
    [m] = moments("dormancy")
    assert m.event_ref == f"lapsed:{last}:1"
    assert m.due_on == last + timedelta(days=365 + 120)
    assert m.detail == {"idle_days": 490, "last_own_transaction": last.isoformat(), "cycle": 1,
                        "every_days": 120}
    assert m.reasons[0]["zh"] == "超过一年无业务（490天），定期回访"
    assert m.reasons[0]["en"] == "No business for over a year (490 days): scheduled re-contact"


def test_a_customer_without_a_tier_is_recontacted_on_the_longest_schedule(world):
    last = WEDNESDAY - timedelta(days=365 + 170)
    c = f.customer(world["rm"], onboarded_on=date(2020, 1, 1), tier=None)
    f.transaction(f.account(c, world["deposit"]), 100, at_noon(last))
    detectors.detect(WEDNESDAY)
    [m] = moments("dormancy")
    assert (m.detail["every_days"], m.detail["cycle"]) == (180, 0)


def test_the_dormant_moment_gives_way_to_the_lapsed_one(world):
    c = f.customer(world["rm"], onboarded_on=date(2020, 1, 1))
    last = WEDNESDAY - timedelta(days=364)
    f.transaction(f.account(c, world["deposit"]), 100, at_noon(last))
    detectors.detect(WEDNESDAY)
    detectors.detect(WEDNESDAY + timedelta(days=1))
    states = [(m.event_ref.split(":")[0], m.state, m.resolution) for m in moments("dormancy")]
    assert states == [("dormant", "dismissed", "superseded"), ("lapsed", "open", None)]


def test_statuses_follow_activity_and_count_what_changed(world):
    active = f.customer(world["rm"], onboarded_on=date(2020, 1, 1), status="dormant")
    f.transaction(f.account(active, world["deposit"]), 1, at_noon(WEDNESDAY))
    dormant = f.customer(world["rm"], onboarded_on=date(2020, 1, 1), status="active")
    f.transaction(f.account(dormant, world["deposit"]), 1, at_noon(WEDNESDAY - timedelta(days=90)))
    lapsed = f.customer(world["rm"], onboarded_on=date(2020, 1, 1), status="dormant")
    f.transaction(f.account(lapsed, world["deposit"]), 1, at_noon(WEDNESDAY - timedelta(days=365)))
    unchanged = f.customer(world["rm"], onboarded_on=date(2020, 1, 1), status="active")
    f.transaction(f.account(unchanged, world["deposit"]), 1, at_noon(WEDNESDAY))
    activity = detectors.last_own_activity(WEDNESDAY)
    assert detectors.statuses(activity, WEDNESDAY) == 3
    db.session.expire_all()
    assert [db.session.get(Customer, c.id).status for c in (active, dormant, lapsed, unchanged)] \
        == ["active", "dormant", "lapsed", "active"]


def test_a_transaction_after_the_day_judged_does_not_count_for_it(world):
    c = f.customer(world["rm"], onboarded_on=date(2020, 1, 1))
    acc = f.account(c, world["deposit"])
    f.transaction(acc, 1, at_noon(WEDNESDAY - timedelta(days=100)))
    f.transaction(acc, 1, datetime(2026, 11, 18, 16, 0))  # 00:00 on the 19th in Shanghai
    assert detectors.last_own_activity(WEDNESDAY)[c.id][0] == WEDNESDAY - timedelta(days=100)


# --------------------------------------------------------------------------- retention


@pytest.mark.parametrize("value,raised", [(0.49, False), (0.5, True)])
def test_retention_from_an_attrition_score_of_one_half(world, value, raised):
    c = f.customer(world["rm"], onboarded_on=date(2020, 1, 1))
    score(c, "attrition", WEDNESDAY, value)
    rows = detectors.retention(WEDNESDAY)
    assert bool(rows) is raised
    if raised:
        [row] = rows
        assert row["reasons"][0]["zh"] == "流失概率 50%"
        assert row["reasons"][0]["en"] == "Attrition probability 50%"
        assert (row["severity"], row["detail"], row["due_on"]) == (2, {"attrition": 0.5},
                                                                   WEDNESDAY)
        assert row["event_ref"] == "retention:2026Q4"


@pytest.mark.parametrize("before_on,raised", [(30, True), (29, False)])
def test_a_jump_is_measured_against_the_score_a_month_before(world, before_on, raised):
    c = f.customer(world["rm"], onboarded_on=date(2020, 1, 1))
    score(c, "attrition", WEDNESDAY - timedelta(days=before_on), 0.2)
    score(c, "attrition", WEDNESDAY, 0.4)
    rows = detectors.retention(WEDNESDAY)
    assert bool(rows) is raised
    if raised:
        assert rows[0]["reasons"][0]["zh"] == "流失概率一个月内上升 20%"
        assert rows[0]["reasons"][0]["value"] == pytest.approx(0.2)


def test_a_rise_under_twenty_points_is_no_jump(world):
    c = f.customer(world["rm"], onboarded_on=date(2020, 1, 1))
    score(c, "attrition", WEDNESDAY - timedelta(days=30), 0.2)
    score(c, "attrition", WEDNESDAY, 0.39)
    assert detectors.retention(WEDNESDAY) == []


@pytest.mark.parametrize("value,severity", [(0.69, 2), (0.7, 3)])
def test_retention_is_urgent_from_seventy_percent(world, value, severity):
    c = f.customer(world["rm"], onboarded_on=date(2020, 1, 1))
    score(c, "attrition", WEDNESDAY, value)
    [row] = detectors.retention(WEDNESDAY)
    assert row["severity"] == severity


@pytest.mark.parametrize("as_of,quarter", [(date(2026, 3, 31), "2026Q1"),
                                           (date(2026, 4, 1), "2026Q2"),
                                           (date(2026, 12, 31), "2026Q4")])
def test_one_retention_moment_per_calendar_quarter(world, as_of, quarter):
    c = f.customer(world["rm"], onboarded_on=date(2020, 1, 1))
    score(c, "attrition", as_of, 0.6)
    assert detectors.retention(as_of)[0]["event_ref"] == f"retention:{quarter}"


@pytest.mark.parametrize("before,now,raised", [
    (10_000, 7_000, False),  # exactly 30% down: not more than 30%
    (10_000, 6_900, True),
    (1_000, 0, False),  # too small a book to read a share from
    (1_001, 0, True),
])
def test_deposits_falling_by_more_than_thirty_percent(world, before, now, raised):
    c = f.customer(world["rm"], onboarded_on=date(2020, 1, 1))
    acc = f.account(c, world["deposit"], balance=now)
    f.transaction(acc, now - before, at_noon(WEDNESDAY - timedelta(days=20)))
    rows = detectors.retention(WEDNESDAY)
    assert bool(rows) is raised
    if raised:
        reason = rows[0]["reasons"][0]
        assert reason["code"] == "retention.balance_drop"
        assert reason["zh"] == f"存款60天内下降 {(before - now) / before:.0%}"


def test_deposits_are_read_from_the_books_on_each_date(world):
    c = f.customer(world["rm"], onboarded_on=date(2020, 1, 1))
    acc = f.account(c, world["deposit"], balance=10_000)
    end = datetime(2026, 11, 18, 16, 0)  # the end of the 18th in Shanghai
    f.transaction(acc, 2_000, end)  # the next day: not part of the 18th's balance
    f.transaction(acc, -5_000, end - timedelta(days=10))
    f.transaction(acc, 700, end - timedelta(days=60))  # on the first instant of the 60 days
    f.transaction(acc, 300, end - timedelta(days=60, seconds=1))  # before them
    loan = f.account(c, world["loan"], balance=90_000)  # not a deposit
    f.transaction(loan, 90_000, end - timedelta(days=5))
    assert detectors.deposit_drop(WEDNESDAY) == {c.id: (8_000, 8_000 + 5_000 - 700)}


# --------------------------------------------------------------------------- writing


def test_one_live_retention_case_at_a_time(world):
    c = f.customer(world["rm"], onboarded_on=date(2020, 1, 1))
    score(c, "attrition", date(2026, 12, 30), 0.6)
    detectors.detect(date(2026, 12, 30))
    score(c, "attrition", date(2027, 1, 4), 0.6)
    detectors.detect(date(2027, 1, 4))  # a new quarter, the Q4 moment still open
    assert [m.event_ref for m in moments("retention")] == ["retention:2026Q4"]
    moments("retention")[0].state = "done"
    db.session.commit()
    detectors.detect(date(2027, 1, 5))
    assert [m.event_ref for m in moments("retention")] == ["retention:2026Q4",
                                                           "retention:2027Q1"]


def test_a_closed_renewal_keeps_its_severity(world):
    renewal_in(world, 40)
    detectors.detect(WEDNESDAY)
    [m] = moments("renewal")
    m.state = "dismissed"
    db.session.commit()
    assert detectors.detect(WEDNESDAY + timedelta(days=35)) == 0
    assert moments("renewal")[0].severity == 1


def test_detect_counts_new_and_raised_moments(world):
    renewal_in(world, 40)
    assert detectors.detect(WEDNESDAY) == 1
    assert detectors.detect(WEDNESDAY) == 0
    assert detectors.detect(WEDNESDAY + timedelta(days=12)) == 1  # 28 days left: raised
    assert detectors.upsert_moments([]) == 0


# --------------------------------------------------------------------------- more edges


def test_a_customer_onboarded_today_gets_the_first_two_educations(world):
    c = f.customer(world["rm"], onboarded_on=WEDNESDAY)
    found = activation(WEDNESDAY)[c.id]
    assert set(found) == {"edu:1", "edu:7"}
    assert {row["severity"] for row in found.values()} == {1}
    assert found["edu:1"]["reasons"][0]["code"] == "activation.education"


def test_each_customer_counts_their_own_transactions(world):
    busy = f.customer(world["rm"], onboarded_on=WEDNESDAY - timedelta(days=40))
    quiet = f.customer(world["rm"], onboarded_on=WEDNESDAY - timedelta(days=40))
    silent = f.customer(world["rm"], onboarded_on=WEDNESDAY - timedelta(days=40))
    acc = f.account(busy, world["deposit"])
    for day in range(6):
        f.transaction(acc, 10, at_noon(WEDNESDAY - timedelta(days=day)))
    f.transaction(f.account(quiet, world["deposit"]), 10, at_noon(WEDNESDAY))
    found = activation(WEDNESDAY)
    low = {cid: rows[f"low_usage:{WEDNESDAY - timedelta(days=40)}"]["detail"]["transactions"]
           for cid, rows in found.items() if f"low_usage:{WEDNESDAY - timedelta(days=40)}" in rows}
    assert low == {quiet.id: 1, silent.id: 0}
    assert found[quiet.id][f"low_usage:{WEDNESDAY - timedelta(days=40)}"]["reasons"][0][
        "code"] == "activation.low_usage"


def test_a_transaction_at_midnight_belongs_to_the_next_day(world):
    c = f.customer(world["rm"], onboarded_on=WEDNESDAY - timedelta(days=40))
    acc = f.account(c, world["deposit"])
    for day in range(1, 5):
        f.transaction(acc, 10, at_noon(WEDNESDAY - timedelta(days=day)))
    f.transaction(acc, 10, datetime(2026, 11, 18, 16, 0))  # 00:00 on the 19th in Shanghai
    row = activation(WEDNESDAY)[c.id][f"low_usage:{c.onboarded_on}"]
    assert row["detail"]["transactions"] == 4


def test_the_renewal_carries_the_accounts_rate_and_a_zero_balance(world):
    c = f.customer(world["rm"], onboarded_on=date(2020, 1, 1))
    f.account(c, world["loan"], balance=0, rate=0.05, opened_on=date(2025, 12, 1),
              maturity_on=date(2026, 12, 1))
    [row] = detectors.renewal(WEDNESDAY, WorkCalendar.load())
    assert row["detail"]["balance"] == 0
    assert row["detail"]["suggested"]["rate"] == 0.05  # no scores yet: the same terms
    assert row["reasons"][0]["code"] == "renewal.maturity"
    assert row["severity"] == 2


def test_dormant_and_lapsed_moments_are_light_and_coded(world):
    dormant = f.customer(world["rm"], onboarded_on=date(2020, 1, 1))
    f.transaction(f.account(dormant, world["deposit"]), 1, at_noon(WEDNESDAY - timedelta(days=95)))
    lapsed = f.customer(world["rm"], onboarded_on=date(2020, 1, 1))
    f.transaction(f.account(lapsed, world["deposit"]), 1, at_noon(WEDNESDAY - timedelta(days=400)))
    rows = {r["customer_id"]: r for r in detectors.dormancy(
        WEDNESDAY, detectors.last_own_activity(WEDNESDAY))}
    assert (rows[dormant.id]["severity"], rows[dormant.id]["reasons"][0]["code"]) == (
        1, "dormancy.dormant")
    assert (rows[lapsed.id]["severity"], rows[lapsed.id]["reasons"][0]["code"]) == (
        1, "dormancy.lapsed")
    assert rows[lapsed.id]["reasons"][0]["value"] == 400


def test_an_unknown_tier_is_recontacted_on_the_longest_schedule(world, app, monkeypatch):
    monkeypatch.setitem(app.config, "LAPSED_RECONTACT_DAYS", {"basic": 60, "advanced": 200})
    last = WEDNESDAY - timedelta(days=365 + 10)
    c = f.customer(world["rm"], onboarded_on=date(2020, 1, 1), tier="intermediate")
    f.transaction(f.account(c, world["deposit"]), 100, at_noon(last))
    [row] = detectors.dormancy(WEDNESDAY, detectors.last_own_activity(WEDNESDAY))
    assert row["detail"]["every_days"] == 200


def test_judging_an_earlier_day_leaves_later_customers_as_they_are(world):
    later = f.customer(world["rm"], onboarded_on=WEDNESDAY + timedelta(days=1), status="dormant")
    today = f.customer(world["rm"], onboarded_on=WEDNESDAY, status="dormant")
    activity = detectors.last_own_activity(WEDNESDAY)
    assert later.id not in activity
    assert activity[today.id][0] == WEDNESDAY  # the day of onboarding counts as activity


def test_statuses_count_every_customer_changed(world):
    for _ in range(2):
        c = f.customer(world["rm"], onboarded_on=date(2020, 1, 1), status="active")
        f.transaction(f.account(c, world["deposit"]), 1, at_noon(WEDNESDAY - timedelta(days=100)))
    assert detectors.statuses(detectors.last_own_activity(WEDNESDAY), WEDNESDAY) == 2


def test_detect_counts_the_moments_and_the_statuses_it_changed(world):
    c = f.customer(world["rm"], onboarded_on=date(2020, 1, 1), status="active")
    f.transaction(f.account(c, world["deposit"]), 1, at_noon(WEDNESDAY - timedelta(days=90)))
    assert detectors.detect(WEDNESDAY) == 2  # a dormancy moment, and the status


def test_a_rerun_leaves_dormant_and_lapsed_moments_open(world):
    dormant = f.customer(world["rm"], onboarded_on=date(2020, 1, 1))
    f.transaction(f.account(dormant, world["deposit"]), 1, at_noon(WEDNESDAY - timedelta(days=90)))
    lapsed = f.customer(world["rm"], onboarded_on=date(2020, 1, 1))
    f.transaction(f.account(lapsed, world["deposit"]), 1, at_noon(WEDNESDAY - timedelta(days=365)))
    detectors.detect(WEDNESDAY)
    detectors.detect(WEDNESDAY)
    assert [(m.customer_id, m.state) for m in moments("dormancy")] == [
        (dormant.id, "open"), (lapsed.id, "open")]


def test_an_rms_dismissal_stands_when_the_customer_comes_back(world):
    c = f.customer(world["rm"], onboarded_on=date(2020, 1, 1))
    acc = f.account(c, world["deposit"])
    f.transaction(acc, 1, at_noon(WEDNESDAY - timedelta(days=100)))
    detectors.detect(WEDNESDAY)
    [m] = moments("dormancy")
    m.state, m.resolution = "dismissed", "the owner is abroad until spring"
    db.session.commit()
    f.transaction(acc, 1, at_noon(WEDNESDAY + timedelta(days=1)))
    detectors.detect(WEDNESDAY + timedelta(days=1))
    [m] = moments("dormancy")
    assert (m.state, m.resolution) == ("dismissed", "the owner is abroad until spring")


def test_a_closed_customers_dormancy_is_left_to_the_rm(world):
    c = f.customer(world["rm"], onboarded_on=date(2020, 1, 1))
    f.transaction(f.account(c, world["deposit"]), 1, at_noon(WEDNESDAY - timedelta(days=100)))
    detectors.detect(WEDNESDAY)
    c.status = "closed"
    db.session.commit()
    detectors.detect(WEDNESDAY + timedelta(days=1))
    assert [m.state for m in moments("dormancy")] == ["open"]


def test_a_new_lapsed_cycle_is_written_while_the_last_is_still_live(world):
    c = f.customer(world["rm"], onboarded_on=date(2020, 1, 1))
    row = {"customer_id": c.id, "kind": "dormancy", "due_on": WEDNESDAY, "severity": 1,
           "reasons": [], "detail": {}}
    assert detectors.upsert_moments([{**row, "event_ref": "lapsed:2025-01-01:0"}]) == 1
    assert detectors.upsert_moments([{**row, "event_ref": "dormant:2025-01-01"}]) == 0
    assert detectors.upsert_moments([{**row, "event_ref": "lapsed:2025-01-01:1"}]) == 1


def test_thousands_of_moments_are_all_written_and_counted(world):
    c = f.customer(world["rm"], onboarded_on=date(2020, 1, 1))
    rows = [{"customer_id": c.id, "kind": "activation", "event_ref": f"edu:{i}",
             "due_on": WEDNESDAY, "severity": 1, "reasons": [], "detail": {}}
            for i in range(4100)]
    assert detectors.upsert_moments(rows) == 4100
    assert len(moments("activation")) == 4100


def test_only_renewals_alert_and_only_while_live(world):
    c = f.customer(world["rm"], segment="large", onboarded_on=date(2020, 1, 1))
    score(c, "attrition", WEDNESDAY, 0.9)  # an urgent retention moment, not a renewal
    f.transaction(f.account(c, world["deposit"]), 1, at_noon(WEDNESDAY))
    detectors.detect(WEDNESDAY)
    assert [m.severity for m in moments("retention")] == [3]
    renewal_in(world, 5)
    detectors.upsert_moments(detectors.renewal(WEDNESDAY, WorkCalendar.load()))
    [m] = moments("renewal")
    m.state = "done"
    db.session.commit()
    assert detectors.alert_renewals_due() == 0
    assert alerts() == []


def test_a_second_renewal_alerts_after_the_first_was_sent(world):
    renewal_in(world, 6)
    detectors.detect(WEDNESDAY)
    renewal_in(world, 7)
    detectors.detect(WEDNESDAY)
    assert len(alerts()) == 2


def test_retention_reasons_are_coded_and_read_in_english(world):
    c = f.customer(world["rm"], onboarded_on=date(2020, 1, 1))
    score(c, "attrition", WEDNESDAY - timedelta(days=30), 0.3)
    score(c, "attrition", WEDNESDAY, 0.55)
    acc = f.account(c, world["deposit"], balance=1_000)
    f.transaction(acc, -2_000, at_noon(WEDNESDAY - timedelta(days=3)))  # 3,000 -> 1,000
    [row] = detectors.retention(WEDNESDAY)
    score_reason, jump, drop = row["reasons"]
    assert (score_reason["code"], score_reason["en"], score_reason["value"]) == (
        "retention.score", "Attrition probability 55%", 0.55)
    assert (jump["code"], jump["en"]) == ("retention.jump",
                                          "Attrition probability up 25% in a month")
    assert (drop["en"], drop["value"]) == ("Deposits down 67% in 60 days", 0.6667)


def test_falling_deposits_alone_are_not_urgent(world):
    c = f.customer(world["rm"], onboarded_on=date(2020, 1, 1))
    acc = f.account(c, world["deposit"], balance=1_000)
    f.transaction(acc, -9_000, at_noon(WEDNESDAY - timedelta(days=3)))
    [row] = detectors.retention(WEDNESDAY)
    assert (row["severity"], row["detail"]) == (2, {"attrition": None})


def test_each_customers_deposits_are_their_own(world):
    moving = f.customer(world["rm"], onboarded_on=date(2020, 1, 1))
    acc = f.account(moving, world["deposit"], balance=1_000)
    f.transaction(acc, -4_000, at_noon(WEDNESDAY - timedelta(days=3)))
    f.account(moving, world["td"], balance=20_000)  # no flows in 60 days
    still = f.customer(world["rm"], onboarded_on=date(2020, 1, 1))
    f.account(still, world["deposit"], balance=7_000)
    empty = f.customer(world["rm"], onboarded_on=date(2020, 1, 1))
    f.account(empty, world["deposit"], balance=0)
    assert detectors.deposit_drop(WEDNESDAY) == {moving.id: (21_000, 25_000),
                                                 still.id: (7_000, 7_000), empty.id: (0, 0)}
