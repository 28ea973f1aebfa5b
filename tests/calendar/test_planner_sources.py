"""Where each plan entry comes from and what it says (docs/calendar.md), one source at a time:
escalated risk, promised follow-ups, the contact cadence and suggested offers, each with its
priority, its chips and the red line, as a bank states them."""

from datetime import timedelta

import pytest

from backend.calendar import planner
from backend.calendar.models import PlanEntry
from backend.customers.models import ContactPolicy
from backend.extensions import db
from backend.moments.models import RiskCase
from backend.offers.models import Offer
from backend.scoring.models import Score
from backend.workdays import Leave, WorkCalendar
from tests import factories as f
from tests.calendar.test_planner import MONDAY, at, plan_rows
from tests.calendar.test_planner_rules import moment


@pytest.fixture
def rm():
    return f.user("rm_a", "rm", f.team("A"), visits_per_day=2, calls_per_day=4)


def quiet(rm, customer, days_ago: int = 2):
    """A contact a few days ago: no cadence contact is due for months."""
    f.interaction(rm, customer, started_at=at(MONDAY - timedelta(days=days_ago)))


def policy(segment: str, **values):
    db.session.execute(ContactPolicy.__table__.update()
                       .where(ContactPolicy.segment == segment).values(**values))


def last_planned_day():
    return WorkCalendar.load().working_days(MONDAY, 14)[-1]


def by_customer(rm):
    return {r.customer_id: r for r in plan_rows(rm)}


# --------------------------------------------------------------------------- escalated risk


def risk_case(customer, severity=2, **fields):
    values = dict(customer_id=customer.id, opened_on=MONDAY, probability=0.5, exposure=1e5,
                  expected_loss=5e4, severity=severity, tier_response="escalated",
                  signals=[{"code": f"s{i}", "zh": "z", "en": "e", "value": i}
                           for i in range(3)])
    row = RiskCase(**{**values, **fields})
    db.session.add(row)
    db.session.flush()
    return row


def test_an_escalated_risk_case_is_planned_today_even_without_marketing_consent(rm):
    """Risk is service: consent to marketing has nothing to say about it. Its priority is
    90 and three more for each level of severity; it brings its first two signals."""
    mild, serious = (f.customer(rm, segment="large", consent_marketing=False)
                     for _ in range(2))
    for c in (mild, serious):
        quiet(rm, c)
    mild_case, serious_case = risk_case(mild, severity=1), risk_case(serious, severity=2)
    db.session.commit()
    planner.plan(MONDAY)
    rows = by_customer(rm)
    assert (rows[mild.id].priority, rows[serious.id].priority) == (93, 96)
    assert rows[serious.id].day == MONDAY and rows[serious.id].is_marketing is False
    assert rows[serious.id].risk_case_id == serious_case.id
    assert rows[mild.id].risk_case_id == mild_case.id
    assert [r["code"] for r in rows[serious.id].reasons] == ["s0", "s1"]
    assert rows[serious.id].objective == "风险预警：核实经营与还款情况，商定应对方案"


def test_only_open_escalated_risk_cases_are_planned(rm):
    """A case waiting for a lead's decision still needs the RM; a closed one, or one handled
    by automated reminders, does not."""
    waiting, closed, automated = (f.customer(rm, segment="large") for _ in range(3))
    for c in (waiting, closed, automated):
        quiet(rm, c)
    risk_case(waiting, state="pending_approval")
    risk_case(closed, state="closed")
    risk_case(automated, tier_response="automated")
    db.session.commit()
    planner.plan(MONDAY)
    assert set(by_customer(rm)) == {waiting.id}


# --------------------------------------------------------------------------- follow-ups


def test_a_promised_follow_up_is_planned_on_its_day_and_raised_when_overdue(rm):
    on_time, overdue, kept_by_other = (f.customer(rm, segment="large", consent_marketing=False)
                                       for _ in range(3))
    f.interaction(rm, on_time, started_at=at(MONDAY - timedelta(days=1)),
                  follow_up_on=MONDAY + timedelta(days=2), follow_up_objective="送合同")
    f.interaction(rm, overdue, started_at=at(MONDAY - timedelta(days=6)),
                  follow_up_on=MONDAY - timedelta(days=3))
    # a later contact with another customer does not meet this customer's promise
    f.interaction(rm, kept_by_other, started_at=at(MONDAY - timedelta(days=5)),
                  follow_up_on=MONDAY + timedelta(days=1))
    quiet(rm, f.customer(rm, segment="large"), days_ago=1)
    db.session.commit()
    planner.plan(MONDAY)
    rows = by_customer(rm)
    assert (rows[on_time.id].day, rows[on_time.id].priority) == (MONDAY + timedelta(days=2), 50)
    assert rows[on_time.id].objective == "送合同" and rows[on_time.id].objective_en == "送合同"
    assert rows[on_time.id].reasons == [{"code": "follow_up", "zh": "约定 12月02日 跟进",
                                         "en": "Follow-up promised for 02 Dec", "value": 2.0}]
    assert rows[on_time.id].is_marketing is False
    assert (rows[overdue.id].day, rows[overdue.id].priority) == (MONDAY, 55)
    assert rows[overdue.id].objective == "按约定跟进上次拜访"
    assert rows[overdue.id].reasons[0]["value"] == -3
    assert kept_by_other.id in rows


# --------------------------------------------------------------------------- cadence


def test_a_cadence_contact_says_how_long_since_the_last_and_its_cycle(rm):
    never = f.customer(rm, segment="medium")
    overdue = f.customer(rm, segment="medium")
    f.interaction(rm, overdue, started_at=at(MONDAY - timedelta(days=100)))
    db.session.commit()
    planner.plan(MONDAY)
    rows = by_customer(rm)
    assert rows[never.id].priority == 20
    assert rows[never.id].reasons == [{"code": "cadence.never", "zh": "尚无联系记录",
                                       "en": "Never contacted", "value": 0.0}]
    assert rows[overdue.id].priority == 25
    assert rows[overdue.id].reasons == [{"code": "cadence.due",
                                         "zh": "已 100 天未联系（周期 91 天）",
                                         "en": "No contact for 100 days (every 91)",
                                         "value": 100.0}]
    assert rows[overdue.id].sources == ["cadence"] and rows[overdue.id].is_marketing is False


def test_a_cadence_contact_due_on_the_last_planned_day_is_planned(rm):
    """Customers whose contact is not due yet are skipped, not an end to the list."""
    end = last_planned_day()
    later = f.customer(rm, segment="medium")
    f.interaction(rm, later, started_at=at(end - timedelta(days=90)))  # due the day after
    due = f.customer(rm, segment="medium")
    f.interaction(rm, due, started_at=at(end - timedelta(days=91)))  # due on the last day
    db.session.commit()
    planner.plan(MONDAY)
    assert set(by_customer(rm)) == {due.id}


# --------------------------------------------------------------------------- offers


def offer(customer, product, value, state="suggested", **fields):
    row = Offer(customer_id=customer.id, product_id=product.id, as_of=MONDAY, score=0.5,
                expected_value=value, state=state, **fields)
    db.session.add(row)
    db.session.flush()
    return row


def test_the_best_suggested_offer_worth_a_contact_is_planned(rm):
    """One offer per customer, its best by expected value; worth at least
    PLAN_MIN_OFFER_VALUE; its priority grows with its value, a thousand a point, up to 20."""
    card, loan = f.product("BCARD", name="企业商务卡", name_en="Business card"), f.product("WCL")
    two, small, at_minimum, thousand, big = (
        f.customer(rm, segment="large", consent_marketing=True) for _ in range(5))
    for c in (two, small, at_minimum, thousand, big):
        quiet(rm, c, days_ago=10)
    offer(two, loan, 3000)
    best = offer(two, card, 12_345)
    offer(small, card, 499)
    offer(at_minimum, card, 500)
    offer(thousand, card, 1000)
    offer(big, card, 50_000)
    db.session.commit()
    planner.plan(MONDAY)
    rows = by_customer(rm)
    assert set(rows) == {two.id, at_minimum.id, thousand.id, big.id}
    assert rows[thousand.id].priority == 31
    assert rows[two.id].sources == [f"offer:{best.id}"] and rows[two.id].priority == 42
    assert rows[two.id].reasons == [{"code": "offer", "zh": "推荐企业商务卡（预期价值 12,345）",
                                     "en": "Offer Business card (expected value 12,345)",
                                     "value": 12345.0}]
    assert (rows[two.id].objective, rows[two.id].objective_en) == (
        "介绍企业商务卡", "Present the Business card")
    assert rows[two.id].is_marketing is True
    assert (rows[at_minimum.id].priority, rows[big.id].priority) == (30, 50)


def test_only_suggested_offers_become_contacts(rm):
    card = f.product("BCARD")
    people = [f.customer(rm, segment="large", consent_marketing=True) for _ in range(4)]
    for c, state in zip(people, ("presented", "accepted", "sold", "suggested"), strict=True):
        quiet(rm, c, days_ago=10)
        offer(c, card, 5000, state=state)
    db.session.commit()
    planner.plan(MONDAY)
    assert set(by_customer(rm)) == {people[3].id}


def test_an_offer_never_rides_along_a_service_contact_without_marketing_consent(rm):
    card = f.product("BCARD")
    c = f.customer(rm, segment="medium", consent_marketing=False)  # never contacted: cadence
    offer(c, card, 5000)
    db.session.commit()
    planner.plan(MONDAY)
    [row] = plan_rows(rm)
    assert row.sources == ["cadence"] and row.is_marketing is False


def test_a_customer_left_out_of_the_plan_does_not_end_the_offers(rm):
    card = f.product("BCARD")
    closed = f.customer(rm, segment="large", status="closed", consent_marketing=True)
    offer(closed, card, 9000)
    open_ = f.customer(rm, segment="large", consent_marketing=True)
    quiet(rm, open_, days_ago=10)
    offer(open_, card, 5000)
    db.session.commit()
    planner.plan(MONDAY)
    assert set(by_customer(rm)) == {open_.id}


@pytest.mark.parametrize("segment,cool_down", [("large", 90), ("startup", 180)])
def test_a_declined_product_waits_exactly_its_cool_down(rm, segment, cool_down):
    """Declined exactly the cool-down ago: offered again; a day less: not yet. A segment
    without a contact policy cools a decline down for 180 days."""
    card = f.product("BCARD")
    not_yet, waited = (f.customer(rm, segment=segment, consent_marketing=True)
                       for _ in range(2))
    for c, days in ((waited, cool_down), (not_yet, cool_down - 1)):
        quiet(rm, c, days_ago=10)
        offer(c, card, 5000)
        offer(c, card, 5000, state="declined",
              state_changed_at=at(MONDAY - timedelta(days=days)))
    db.session.commit()
    planner.plan(MONDAY)
    assert set(by_customer(rm)) == {waited.id}


def test_a_cool_down_of_two_years_holds_a_product_declined_a_year_and_a_half_ago(rm):
    """A bank may set a cool-down of up to 730 days; a decline older than a year still
    counts."""
    policy("large", decline_cooldown_days=730)
    card = f.product("BCARD")
    c = f.customer(rm, segment="large", consent_marketing=True)
    quiet(rm, c, days_ago=10)
    offer(c, card, 5000)
    offer(c, card, 5000, state="declined", state_changed_at=at(MONDAY - timedelta(days=540)))
    db.session.commit()
    planner.plan(MONDAY)
    assert plan_rows(rm) == []


# --------------------------------------------------------------------------- the red line


def test_a_contact_logged_last_week_holds_a_marketing_contact_back_by_the_minimum_gap(rm):
    """Medium customers: 7 days between contacts. Called three days before Monday, a
    marketing contact waits for Friday."""
    c = f.customer(rm, segment="medium", consent_marketing=True)
    quiet(rm, c, days_ago=3)
    moment(c, "dormancy", MONDAY, ref="dormant:x")
    db.session.commit()
    planner.plan(MONDAY)
    [row] = plan_rows(rm)
    assert row.day == MONDAY + timedelta(days=4)


def test_a_minimum_gap_longer_than_a_month_counts_older_contacts(rm):
    """A bank may ask for up to 180 days between contacts: a contact 40 days ago with a
    45-day gap holds the next marketing contact until day 45 (a Saturday: Monday)."""
    policy("medium", min_gap_days=45)
    c = f.customer(rm, segment="medium", consent_marketing=True)
    quiet(rm, c, days_ago=40)
    moment(c, "dormancy", MONDAY, ref="dormant:x")
    db.session.commit()
    planner.plan(MONDAY)
    [row] = plan_rows(rm)
    assert row.day == MONDAY + timedelta(days=7)


# --------------------------------------------------------------------------- channels


def preference(customer, band):
    db.session.add(Score(customer_id=customer.id, model="preference", version="t",
                         as_of=MONDAY - timedelta(days=1), value=0.6, band=band, reasons=[]))


def test_the_planned_channel_is_the_customers_favourite_only_where_they_consented(rm):
    takes_calls = f.customer(rm, segment="large", consent_phone=True)
    no_calls = f.customer(rm, segment="large", consent_phone=False)
    mails = f.customer(rm, segment="micro", consent_email=True, consent_phone=False)
    for c in (takes_calls, no_calls):
        preference(c, "call@10")
    preference(mails, "email@9")
    for c in (takes_calls, no_calls, mails):
        moment(c, "retention", MONDAY, severity=3)
    db.session.commit()
    planner.plan(MONDAY)
    rows = by_customer(rm)
    assert (rows[takes_calls.id].channel, rows[takes_calls.id].suggested_hour) == ("call", 10)
    assert rows[no_calls.id].channel == "visit"
    assert (rows[mails.id].channel, rows[mails.id].suggested_hour) == ("email", 9)


# --------------------------------------------------------------------------- moments


def test_a_moment_due_on_the_last_planned_day_is_planned_on_it(rm):
    c = f.customer(rm, segment="large")
    quiet(rm, c)
    moment(c, "activation", last_planned_day(), ref="edu:7:x")
    db.session.commit()
    planner.plan(MONDAY)
    [row] = plan_rows(rm)
    assert row.day == last_planned_day()


def test_a_moment_without_lead_days_is_planned_on_its_day_not_before(rm):
    c = f.customer(rm, segment="large")
    quiet(rm, c)
    moment(c, "retention", MONDAY + timedelta(days=3), severity=3)
    db.session.commit()
    planner.plan(MONDAY)
    [row] = plan_rows(rm)
    assert row.day == MONDAY + timedelta(days=3)


def test_a_closed_customer_does_not_end_the_moments_of_the_others(rm):
    closed = f.customer(rm, segment="large", status="closed")
    open_ = f.customer(rm, segment="large")
    quiet(rm, open_)
    for c in (closed, open_):
        moment(c, "retention", MONDAY, severity=3)
    db.session.commit()
    planner.plan(MONDAY)
    assert {r.customer_id for r in plan_rows(rm)} == {open_.id}


def test_of_two_equally_urgent_reasons_the_first_sets_the_objective():
    first = planner.Candidate(customer_id=1, priority=40, available_from=MONDAY,
                              marketing=False, reasons=[], objective=("甲", "A"),
                              sources=["moment:1"])
    first.merge(planner.Candidate(customer_id=1, priority=40, available_from=MONDAY,
                                  marketing=False, reasons=[], objective=("乙", "B"),
                                  sources=["moment:2"]))
    assert first.objective == ("甲", "A")


# --------------------------------------------------------------------------- carried and snoozed


def entry(rm, customer, day, **fields):
    values = dict(rm_id=rm.id, day=day, customer_id=customer.id, priority=50,
                  reasons=[{"code": "x", "zh": "z", "en": "e", "value": 1}], objective="跟进",
                  objective_en="Follow up", channel="visit", sources=["moment:5"],
                  is_marketing=False, state="missed")
    row = PlanEntry(**{**values, **fields})
    db.session.add(row)
    db.session.flush()
    return row


def test_a_missed_entry_comes_back_today_ten_higher_a_miss_up_to_thirty(rm):
    """It keeps what it was for (links, sources, objective); its old carry chip gives way to
    the new count. A customer no longer planned does not stop the others' misses."""
    friday = MONDAY - timedelta(days=3)
    closed = f.customer(rm, segment="micro", status="closed")
    once, often, fortnight = (f.customer(rm, segment="micro") for _ in range(3))
    done = moment(once, "retention", friday, state="done")
    case = risk_case(once, state="closed")
    entry(rm, closed, friday)
    entry(rm, once, friday, moment_id=done.id, risk_case_id=case.id,
          reasons=[{"code": "carried", "zh": "旧", "en": "old", "value": 1},
                   {"code": "x", "zh": "z", "en": "e", "value": 1}])
    entry(rm, often, friday, priority=40, carried_days=3)
    entry(rm, fortnight, MONDAY - timedelta(days=14))
    db.session.commit()
    planner.plan(MONDAY)
    rows = {r.customer_id: r for r in plan_rows(rm) if r.state == "planned"}
    assert set(rows) == {once.id, often.id, fortnight.id}
    back = rows[once.id]
    assert (back.day, back.priority, back.carried_days) == (MONDAY, 60, 1)
    assert back.reasons == [{"code": "carried", "zh": "顺延：已错过 1 次",
                             "en": "Carried over: missed 1 time(s)", "value": 1.0},
                            {"code": "x", "zh": "z", "en": "e", "value": 1}]
    assert (back.moment_id, back.risk_case_id, back.sources) == (done.id, case.id, ["moment:5"])
    assert (back.objective, back.objective_en, back.is_marketing) == ("跟进", "Follow up", False)
    assert (rows[often.id].priority, rows[often.id].carried_days) == (70, 4)


def test_a_snoozed_entry_comes_back_on_its_day_five_higher_with_what_it_was_for(rm):
    thursday = MONDAY + timedelta(days=3)
    c, urgent, dropped = (f.customer(rm, segment="micro") for _ in range(3))
    done = moment(c, "retention", MONDAY, state="done")
    case = risk_case(c, state="closed")
    entry(rm, c, MONDAY, state="snoozed", snoozed_to=thursday, moment_id=done.id,
          risk_case_id=case.id, carried_days=2, is_marketing=True, version=2,
          reasons=[{"code": "snoozed", "zh": "旧", "en": "old", "value": 0},
                   {"code": "carried", "zh": "旧", "en": "old", "value": 1},
                   {"code": "x", "zh": "z", "en": "e", "value": 1}])
    entry(rm, urgent, MONDAY, state="snoozed", snoozed_to=thursday, priority=97, version=2)
    # snoozed once, then dismissed: it stays dismissed
    entry(rm, dropped, MONDAY, state="dismissed", snoozed_to=thursday, version=3)
    db.session.commit()
    planner.plan(MONDAY)
    rows = {r.customer_id: r for r in plan_rows(rm) if r.state == "planned"}
    assert set(rows) == {c.id, urgent.id}
    back = rows[c.id]
    assert (back.day, back.priority, back.carried_days) == (thursday, 55, 2)
    assert back.reasons == [{"code": "snoozed", "zh": "改期自 11月30日",
                             "en": "Snoozed from 30 Nov", "value": 0.0},
                            {"code": "x", "zh": "z", "en": "e", "value": 1}]
    assert (back.moment_id, back.risk_case_id, back.sources) == (done.id, case.id, ["moment:5"])
    assert back.is_marketing is True and back.objective_en == "Follow up"
    assert rows[urgent.id].priority == 99


# --------------------------------------------------------------------------- whose plan


def test_planning_one_rm_leaves_the_others_plans_alone(rm):
    other = f.user("rm_b", "rm", f.team("B"), visits_per_day=1, calls_per_day=1)
    mine, theirs, theirs_later = f.customer(rm, segment="micro"), *(
        f.customer(other, segment="micro") for _ in range(2))
    moment(mine, "retention", MONDAY, severity=3)
    entry(other, theirs, MONDAY - timedelta(days=3), state="planned")
    entry(other, theirs_later, MONDAY, state="planned")
    db.session.commit()
    assert planner.plan(MONDAY, [rm.id]) == 1
    rows = {(r.rm_id, r.customer_id): r.state for r in plan_rows()}
    assert rows == {(rm.id, mine.id): "planned", (other.id, theirs.id): "planned",
                    (other.id, theirs_later.id): "planned"}


def test_no_plan_for_a_deactivated_rm_or_a_lead(rm):
    lead = f.user("lead_a", "lead", rm.team, visits_per_day=2, calls_per_day=2)
    rm.is_active_user = False
    for owner in (rm, lead):
        moment(f.customer(owner, segment="micro"), "retention", MONDAY, severity=3)
    db.session.commit()
    assert planner.plan(MONDAY) == 0
    assert plan_rows() == []


def test_a_rerun_makes_room_today_for_what_came_up_since_the_morning(rm):
    """Untouched entries of today are rebuilt: an escalated case found at noon goes first."""
    for _ in range(2):
        f.customer(rm, segment="large")  # never contacted: cadence visits
    planner.plan(MONDAY)
    risky = f.customer(rm, segment="large")
    quiet(rm, risky)
    risk_case(risky, severity=3)
    db.session.commit()
    planner.plan(MONDAY)
    monday = {r.customer_id for r in plan_rows(rm) if r.day == MONDAY}
    assert risky.id in monday and len(monday) == 2


def test_a_dismissed_entry_frees_its_slot_but_not_the_customer_that_day():
    rm = f.user("rm_a", "rm", f.team("A"), visits_per_day=1, calls_per_day=1)
    dismissed, other = (f.customer(rm, segment="large") for _ in range(2))
    entry(rm, dismissed, MONDAY, state="dismissed", version=2)
    db.session.commit()
    planner.plan(MONDAY)
    rows = {r.customer_id: r.day for r in plan_rows(rm) if r.state == "planned"}
    assert rows[other.id] == MONDAY  # the slot the dismissed visit held is free
    assert rows[dismissed.id] > MONDAY  # its customer is not asked again the same day


def test_a_day_of_leave_does_not_end_the_plan(rm):
    db.session.add(Leave(user_id=rm.id, starts_on=MONDAY + timedelta(days=1),
                         ends_on=MONDAY + timedelta(days=1)))
    people = [f.customer(rm, segment="large") for _ in range(4)]  # two visits a day
    db.session.commit()
    planner.plan(MONDAY)
    days = sorted({r.day for r in plan_rows(rm)})
    assert days == [MONDAY, MONDAY + timedelta(days=2)] and len(people) == 4


def test_the_latest_miss_of_a_customer_is_the_one_carried(rm):
    c, top = f.customer(rm, segment="micro"), f.customer(rm, segment="micro")
    entry(rm, c, MONDAY - timedelta(days=4), priority=20)  # Thursday
    entry(rm, c, MONDAY - timedelta(days=3), priority=40)  # Friday, the latest
    entry(rm, top, MONDAY - timedelta(days=3), priority=95)
    entry(rm, f.customer(rm, segment="micro"), MONDAY - timedelta(days=15))  # too long ago
    db.session.commit()
    planner.plan(MONDAY)
    rows = {r.customer_id: r for r in plan_rows(rm) if r.state == "planned"}
    assert set(rows) == {c.id, top.id}
    assert (rows[c.id].priority, rows[c.id].carried_days) == (50, 1)
    assert rows[top.id].priority == 99


def test_a_follow_up_promised_for_today_is_not_overdue_and_names_its_visit(rm):
    closed = f.customer(rm, segment="large", status="closed")
    f.interaction(rm, closed, started_at=at(MONDAY - timedelta(days=2)), follow_up_on=MONDAY)
    c = f.customer(rm, segment="large")
    visit = f.interaction(rm, c, started_at=at(MONDAY - timedelta(days=2)),
                          follow_up_on=MONDAY)
    db.session.commit()
    planner.plan(MONDAY)
    [row] = plan_rows(rm)
    assert (row.customer_id, row.priority, row.sources) == (c.id, 50, [f"follow_up:{visit.id}"])


def test_the_latest_preference_up_to_the_day_sets_the_channel(rm):
    """Scored on the day itself counts; a later score (a rerun of an earlier day) does not,
    nor do other models scored since."""
    today, older, later = (f.customer(rm, segment="large") for _ in range(3))
    db.session.add(Score(customer_id=later.id, model="preference", version="t",
                         as_of=MONDAY + timedelta(days=1), value=0.6, band="call@15",
                         reasons=[]))
    db.session.add(Score(customer_id=today.id, model="preference", version="t", as_of=MONDAY,
                         value=0.6, band="call@11", reasons=[]))
    db.session.add(Score(customer_id=older.id, model="preference", version="t",
                         as_of=MONDAY - timedelta(days=7), value=0.6, band="call@9",
                         reasons=[]))
    db.session.add(Score(customer_id=today.id, model="value", version="t",
                         as_of=MONDAY, value=1, band="high", reasons=[]))
    for c in (today, older, later):
        moment(c, "retention", MONDAY, severity=3)
    db.session.commit()
    planner.plan(MONDAY)
    rows = by_customer(rm)
    assert (rows[today.id].channel, rows[today.id].suggested_hour) == ("call", 11)
    assert (rows[older.id].channel, rows[older.id].suggested_hour) == ("visit", None)
    assert (rows[later.id].channel, rows[later.id].suggested_hour) == ("visit", None)


def test_an_older_preference_gives_way_to_the_latest_and_a_band_without_an_hour_to_none(rm):
    c, odd = (f.customer(rm, segment="large") for _ in range(2))
    preference(c, "call@10")  # the latest first, so the table's order cannot help
    db.session.add(Score(customer_id=c.id, model="preference", version="t",
                         as_of=MONDAY - timedelta(days=8), value=0.6, band="visit@9",
                         reasons=[]))
    preference(odd, "unknown")
    for customer in (c, odd):
        moment(customer, "retention", MONDAY, severity=3)
    db.session.commit()
    planner.plan(MONDAY)
    rows = by_customer(rm)
    assert (rows[c.id].channel, rows[c.id].suggested_hour) == ("call", 10)
    assert (rows[odd.id].channel, rows[odd.id].suggested_hour) == ("visit", None)


@pytest.mark.parametrize("kept,free_today", [
    (["done"], True), (["done", "done"], False), (["snoozed", "snoozed"], True),
])
def test_what_is_kept_today_uses_its_slots(kept, free_today):
    rm = f.user("rm_a", "rm", f.team("A"), visits_per_day=2, calls_per_day=0)
    for state in kept:
        entry(rm, f.customer(rm, segment="large"), MONDAY, state=state, version=2,
              snoozed_to=MONDAY + timedelta(days=30) if state == "snoozed" else None)
    new = f.customer(rm, segment="large", consent_marketing=False)
    quiet(rm, new)
    moment(new, "retention", MONDAY, severity=3)
    db.session.commit()
    planner.plan(MONDAY)
    [row] = [r for r in plan_rows(rm) if r.customer_id == new.id]
    assert (row.day == MONDAY) is free_today


def test_an_entry_the_rm_moved_stays_and_its_customer_is_not_planned_twice(rm):
    c = f.customer(rm, segment="large")
    moved = entry(rm, c, MONDAY + timedelta(days=2), state="planned", version=2)
    moment(c, "retention", MONDAY, severity=3)
    db.session.commit()
    planner.plan(MONDAY)
    assert [(r.id, r.day) for r in plan_rows(rm)] == [(moved.id, MONDAY + timedelta(days=2))]


def test_a_preference_run_before_other_models_ran_still_counts(rm):
    c = f.customer(rm, segment="large")
    preference(c, "call@10")  # scored yesterday
    db.session.add(Score(customer_id=c.id, model="value", version="t", as_of=MONDAY, value=1,
                         band="high", reasons=[]))  # another model, today
    moment(c, "retention", MONDAY, severity=3)
    db.session.commit()
    planner.plan(MONDAY)
    [row] = plan_rows(rm)
    assert (row.channel, row.suggested_hour) == ("call", 10)


def test_a_miss_dismissed_later_is_settled(rm):
    c = f.customer(rm, segment="micro")
    entry(rm, c, MONDAY - timedelta(days=4))  # missed Thursday
    entry(rm, c, MONDAY - timedelta(days=3), state="dismissed", version=2)  # dismissed Friday
    db.session.commit()
    planner.plan(MONDAY)
    assert [r for r in plan_rows(rm) if r.state == "planned"] == []
