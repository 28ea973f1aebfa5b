"""The planner: capacity, the red line, consent, working days, leave, carry-over, determinism."""

from datetime import date, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from backend.auth.models import User
from backend.calendar import planner
from backend.calendar.models import PlanEntry
from backend.calendar.steps import queue_campaigns
from backend.customers.models import ContactPolicy, Customer
from backend.extensions import db
from backend.messages.models import OutboundMessage
from backend.moments.models import KeyMoment, RiskCase
from backend.offers.models import Offer
from backend.timeutil import local_date
from backend.visits.models import Interaction
from backend.workdays import CalendarDay, Leave, WorkCalendar
from tests import factories as f
from tests.budget import examples
from tests.conftest import empty_tables

MONDAY = date(2026, 11, 30)


def plan_rows(rm=None) -> list[PlanEntry]:
    db.session.expire_all()
    query = select(PlanEntry).order_by(PlanEntry.day, PlanEntry.customer_id)
    return list(db.session.scalars(query.where(PlanEntry.rm_id == rm.id) if rm else query))


def at(day: date, hour: int = 2) -> datetime:
    return datetime.combine(day, datetime.min.time()) + timedelta(hours=hour)


@pytest.fixture
def rm():
    return f.user("rm_a", "rm", f.team("A"), visits_per_day=1, calls_per_day=2)


def test_cadence_fills_days_by_priority_within_capacity(rm):
    never = [f.customer(rm, segment="medium") for _ in range(5)]
    overdue = f.customer(rm, segment="medium")
    f.interaction(rm, overdue, started_at=at(MONDAY - timedelta(days=200)), channel="call")
    planner.plan(MONDAY)
    rows = plan_rows(rm)
    assert {r.customer_id for r in rows} == {c.id for c in [*never, overdue]}
    for day in {r.day for r in rows}:
        on_day = [r for r in rows if r.day == day]
        assert sum(r.channel == "visit" for r in on_day) <= 1
        assert sum(r.channel != "visit" for r in on_day) <= 2
    # The overdue customer comes first (priority 25 against 20); ties break on the id.
    first = [r for r in rows if r.day == MONDAY]
    assert overdue.id in {r.customer_id for r in first}
    assert all(r.day.weekday() < 5 for r in rows)


def test_same_data_same_plan(rm):
    for i in range(8):
        f.customer(rm, segment=("large", "medium", "small")[i % 3])
    planner.plan(MONDAY)
    first = [(r.customer_id, r.day, r.priority, r.channel) for r in plan_rows()]
    planner.plan(MONDAY)
    assert [(r.customer_id, r.day, r.priority, r.channel) for r in plan_rows()] == first


def test_escalated_risk_goes_first_today(rm):
    quiet = [f.customer(rm, segment="large") for _ in range(3)]
    risky = f.customer(rm, segment="large")
    db.session.add(RiskCase(customer_id=risky.id, opened_on=MONDAY, signals=[], probability=0.7,
                            exposure=1e6, expected_loss=7e5, severity=3,
                            tier_response="escalated"))
    planner.plan(MONDAY)
    [today] = [r for r in plan_rows() if r.day == MONDAY and r.channel == "visit"]
    assert today.customer_id == risky.id and today.priority >= 90 and today.risk_case_id
    assert len(quiet) == 3


def test_leave_holidays_and_make_up_days(rm):
    db.session.add(Leave(user_id=rm.id, starts_on=MONDAY, ends_on=MONDAY + timedelta(days=1)))
    db.session.add(CalendarDay(day=date(2026, 12, 2), working=False, name="test holiday"))
    db.session.add(CalendarDay(day=date(2026, 12, 5), working=True, name="make-up Saturday"))
    for _ in range(12):
        f.customer(rm, segment="small", consent_phone=True)
    planner.plan(MONDAY)
    days = {r.day for r in plan_rows()}
    assert not days & {MONDAY, MONDAY + timedelta(days=1), date(2026, 12, 2)}
    assert date(2026, 12, 5) in days  # the Saturday made a working day
    assert date(2026, 12, 6) not in days


def test_missed_entries_carry_over_with_raised_priority(rm):
    c = f.customer(rm, segment="medium")
    yesterday = MONDAY - timedelta(days=3)  # Friday
    db.session.add(PlanEntry(rm_id=rm.id, day=yesterday, customer_id=c.id, priority=20,
                             reasons=[{"code": "cadence.never", "zh": "z", "en": "e"}],
                             objective="定期维护", objective_en="Regular contact",
                             channel="visit", sources=["cadence"]))
    db.session.commit()
    planner.plan(MONDAY)
    old, new = plan_rows()
    assert (old.day, old.state) == (yesterday, "missed")
    assert (new.day, new.carried_days) == (MONDAY, 1)
    assert new.priority > 20 and new.reasons[0]["code"] == "carried"


def test_a_miss_made_up_later_is_not_carried_and_one_made_up_before_is(rm):
    made_up, still_due = f.customer(rm, segment="medium"), f.customer(rm, segment="medium")
    thursday, friday = MONDAY - timedelta(days=4), MONDAY - timedelta(days=3)
    for customer, missed_on, done_on in ((made_up, thursday, friday),
                                         (still_due, friday, thursday)):
        for day, state in ((missed_on, "missed"), (done_on, "done")):
            db.session.add(PlanEntry(rm_id=rm.id, day=day, customer_id=customer.id,
                                     priority=20, reasons=[], objective="定期维护",
                                     channel="visit", state=state, sources=["cadence"]))
    db.session.commit()
    planner.plan(MONDAY)
    carried = {r.customer_id for r in plan_rows() if r.state == "planned" and r.carried_days}
    assert carried == {still_due.id}


def test_touched_entries_stay_and_use_capacity(rm):
    done = f.customer(rm, segment="large")
    others = [f.customer(rm, segment="large") for _ in range(2)]
    db.session.add(PlanEntry(rm_id=rm.id, day=MONDAY, customer_id=done.id, priority=20,
                             reasons=[], objective="x", channel="visit", state="done",
                             version=2))
    db.session.commit()
    planner.plan(MONDAY)
    monday = [r for r in plan_rows() if r.day == MONDAY]
    assert [(r.customer_id, r.state) for r in monday] == [(done.id, "done")]
    assert {r.customer_id for r in plan_rows() if r.state == "planned"} == {c.id for c in others}


def test_snoozed_entry_comes_back_on_its_day(rm):
    c = f.customer(rm, segment="micro")  # no cadence: only the snooze brings it back
    db.session.add(PlanEntry(rm_id=rm.id, day=MONDAY, customer_id=c.id, priority=50,
                             reasons=[], objective="跟进", channel="call", state="snoozed",
                             snoozed_to=date(2026, 12, 3), version=2))
    db.session.commit()
    planner.plan(MONDAY)
    back = [r for r in plan_rows() if r.state == "planned"]
    assert [(r.customer_id, r.day) for r in back] == [(c.id, date(2026, 12, 3))]


def test_follow_up_promised_in_a_visit(rm):
    c = f.customer(rm, segment="micro")
    f.interaction(rm, c, started_at=at(MONDAY - timedelta(days=10)), follow_up_on=date(2026, 12, 4),
                  follow_up_objective="送贷款材料")
    planner.plan(MONDAY)
    [entry] = plan_rows()
    assert (entry.day, entry.objective) == (date(2026, 12, 4), "送贷款材料")
    # a later contact meets the promise: no entry any more
    f.interaction(rm, c, started_at=at(MONDAY - timedelta(days=2)))
    db.session.commit()
    planner.plan(MONDAY)
    assert plan_rows() == []


def test_declined_product_is_cooled_down(rm):
    c = f.customer(rm, segment="micro")
    card = f.product("BCARD")
    db.session.add(Offer(customer_id=c.id, product_id=card.id, as_of=MONDAY, score=0.5,
                         expected_value=5000))
    db.session.add(Offer(customer_id=c.id, product_id=card.id, as_of=MONDAY - timedelta(days=40),
                         score=0.5, expected_value=5000, state="declined",
                         state_changed_at=at(MONDAY - timedelta(days=40))))
    db.session.commit()
    planner.plan(MONDAY)  # micro cool-down: 180 days
    assert plan_rows() == []
    db.session.execute(ContactPolicy.__table__.update().where(ContactPolicy.segment == "micro")
                       .values(decline_cooldown_days=30))
    planner.plan(MONDAY)
    [entry] = plan_rows()
    assert entry.is_marketing and entry.sources == [f"offer:{1}"]


def test_micro_customers_get_a_campaign_message_once_a_quarter(rm):
    f.customer(rm, segment="micro", email="a@example.com")
    f.customer(rm, segment="micro", email="b@example.com", consent_marketing=False)
    small = f.customer(rm, segment="small", email="c@example.com")
    assert queue_campaigns(MONDAY) == 1
    assert queue_campaigns(MONDAY + timedelta(days=3)) == 0
    [message] = db.session.scalars(select(OutboundMessage)).all()
    assert (message.to_address, message.purpose) == ("a@example.com", "campaign")
    planner.plan(MONDAY)  # and no RM contact of their own: only the small customer's cadence
    assert [r.customer_id for r in plan_rows()] == [small.id]


# --------------------------------------------------------------------------- the property

SEGMENTS = ("large", "medium", "small", "micro")
customer_spec = st.fixed_dictionaries({
    "segment": st.sampled_from(SEGMENTS),
    "consent_marketing": st.booleans(), "consent_phone": st.booleans(),
    "consent_email": st.booleans(),
    "contacts": st.lists(st.integers(min_value=1, max_value=120), max_size=4),
    "moment": st.one_of(st.none(), st.tuples(
        st.sampled_from(("renewal", "retention", "dormancy", "activation")),
        st.integers(min_value=1, max_value=3), st.integers(min_value=-3, max_value=20))),
    "offer_value": st.one_of(st.none(), st.integers(min_value=0, max_value=20_000)),
    "follow_up_in": st.one_of(st.none(), st.integers(min_value=-5, max_value=20)),
    "risk": st.one_of(st.none(), st.sampled_from(("escalated", "automated"))),
})
rm_spec = st.fixed_dictionaries({
    "visits": st.integers(min_value=0, max_value=3), "calls": st.integers(min_value=0, max_value=4),
    "leave": st.one_of(st.none(), st.tuples(st.integers(0, 10), st.integers(0, 4))),
    "customers": st.lists(customer_spec, min_size=1, max_size=12),
})


def build(world_spec: list[dict], as_of: date) -> None:
    team = f.team()
    for spec in world_spec:
        rm = f.user(None, "rm", team, visits_per_day=spec["visits"], calls_per_day=spec["calls"])
        if spec["leave"]:
            start = as_of + timedelta(days=spec["leave"][0])
            db.session.add(Leave(user_id=rm.id, starts_on=start,
                                 ends_on=start + timedelta(days=spec["leave"][1])))
        for c in spec["customers"]:
            row = f.customer(rm, segment=c["segment"], consent_marketing=c["consent_marketing"],
                             consent_phone=c["consent_phone"], consent_email=c["consent_email"])
            for ago in c["contacts"]:
                f.interaction(rm, row, started_at=at(as_of - timedelta(days=ago)))
            if c["moment"]:
                kind, severity, due = c["moment"]
                db.session.add(KeyMoment(customer_id=row.id, kind=kind, event_ref="t",
                                         due_on=as_of + timedelta(days=due), severity=severity))
            if c["offer_value"] is not None:
                db.session.add(Offer(customer_id=row.id, product_id=f.product().id,
                                     as_of=as_of, score=0.3, expected_value=c["offer_value"]))
            if c["follow_up_in"] is not None:
                f.interaction(rm, row, started_at=at(as_of - timedelta(days=30)),
                              follow_up_on=as_of + timedelta(days=c["follow_up_in"]))
            if c["risk"]:
                db.session.add(RiskCase(customer_id=row.id, opened_on=as_of, signals=[],
                                        probability=0.5, exposure=1000, expected_loss=500,
                                        severity=2, tier_response=c["risk"]))
    db.session.commit()


@settings(max_examples=examples(30), deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(world_spec=st.lists(rm_spec, min_size=1, max_size=3),
       as_of=st.dates(min_value=date(2026, 9, 1), max_value=date(2027, 2, 1)))
def test_no_plan_breaks_the_policy_consent_capacity_or_portfolio(world_spec, as_of):
    empty_tables()
    build(world_spec, as_of)
    planner.plan(as_of)
    rows = plan_rows()
    policies = {p.segment: p for p in db.session.scalars(select(ContactPolicy))}
    customers = {c.id: c for c in db.session.scalars(select(Customer))}
    cal = WorkCalendar.load()
    horizon = cal.working_days(as_of, 14)
    leave = {(lv.user_id, as_of + timedelta(days=n)) for lv in db.session.scalars(select(Leave))
             for n in range(60) if lv.starts_on <= as_of + timedelta(days=n) <= lv.ends_on}
    capacity = {u.id: (u.visits_per_day, u.calls_per_day) for u in db.session.scalars(
        select(User))}
    contacts: dict[int, list[date]] = {}
    for cid, started in db.session.execute(select(Interaction.customer_id,
                                                  Interaction.started_at)):
        contacts.setdefault(cid, []).append(local_date(started))
    for r in rows:
        contacts.setdefault(r.customer_id, []).append(r.day)

    assert len({r.customer_id for r in rows}) == len(rows)  # one contact per customer
    for r in rows:
        c = customers[r.customer_id]
        assert c.rm_id == r.rm_id  # the RM's own portfolio
        assert r.day in horizon and (r.rm_id, r.day) not in leave
        assert r.channel not in ("call", "message") or c.consent_phone
        assert r.channel != "email" or c.consent_email
        if r.is_marketing:
            policy = policies[c.segment]
            assert c.consent_marketing
            window = [d for d in contacts[c.id] if r.day - timedelta(days=29) <= d <= r.day]
            assert len(window) <= policy.max_marketing_30d
            earlier = [d for d in contacts[c.id] if d < r.day]
            assert not earlier or (r.day - max(earlier)).days >= policy.min_gap_days
    for (rm_id, day) in {(r.rm_id, r.day) for r in rows}:
        on_day = [r for r in rows if (r.rm_id, r.day) == (rm_id, day)]
        visits, calls = capacity[rm_id]
        assert sum(r.channel == "visit" for r in on_day) <= visits
        assert sum(r.channel != "visit" for r in on_day) <= calls

    # and the lower bound: a planner that plans nothing breaks no rule. Follow-ups already
    # due (promised for today or before, not met since) are no marketing, so no red line
    # holds them back: each RM's plan holds at least as many entries as there are such
    # customers, or as the days off leave give slots of either kind.
    rms = db.session.scalars(select(User).where(User.role == "rm").order_by(User.id)).all()
    for rm, spec in zip(rms, world_spec, strict=True):
        due = sum(1 for c in spec["customers"] if c["follow_up_in"] is not None
                  and c["follow_up_in"] <= 0 and not any(ago < 30 for ago in c["contacts"]))
        days_at_work = [d for d in horizon if (rm.id, d) not in leave]
        slots = len(days_at_work) * min(spec["visits"], spec["calls"])
        placed = sum(1 for r in rows if r.rm_id == rm.id)
        assert placed >= min(due, slots), (placed, due, slots)


def test_a_visit_logged_from_the_plan_completes_its_entry(api):
    people = f.two_teams()
    mine = f.customer(people["rm_a"], segment="medium")
    entry = PlanEntry(rm_id=people["rm_a"].id, day=MONDAY, customer_id=mine.id, priority=20,
                      reasons=[], objective="x", channel="visit")
    db.session.add(entry)
    db.session.commit()
    visit = {"customer_id": mine.id, "channel": "visit", "outcome": "reached",
             "started_at": "2026-11-30T10:00:00+08:00", "plan_entry_id": entry.id}
    write = {"client_id": "11111111-1111-4111-8111-111111111111", "kind": "interaction",
             "body": visit}
    other = {**write, "client_id": "22222222-2222-4222-8222-222222222222",
             "body": {**visit, "plan_entry_id": entry.id + 1}}
    results = api("rm_a").post("/api/v1/sync", json={"writes": [write, other]}).json["results"]
    assert [r["status"] for r in results] == ["created", "invalid"]
    assert "plan_entry_id" in results[1]["error"]["fields"]
    db.session.expire_all()
    assert (entry.state, entry.version) == ("done", 2)
    assert db.session.scalar(select(Interaction.plan_entry_id)) == entry.id
