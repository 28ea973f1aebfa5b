"""What the planner asks the RM to do for each key moment, and how two reasons to contact
one customer become one contact (docs/calendar.md), as a bank states them."""

from datetime import timedelta

import pytest

from backend.calendar import planner
from backend.calendar.planner import Candidate
from backend.extensions import db
from backend.moments.models import KeyMoment
from tests import factories as f
from tests.calendar.test_planner import MONDAY, at, plan_rows

RENEWAL = {"product": {"name": "流动资金贷款", "name_en": "working-capital loan"},
           "suggested": {"zh": "按原条件续贷", "en": "renew on the same terms"}}


@pytest.mark.parametrize("kind,severity,ref,detail,priority,zh,en", [
    ("renewal", 1, "account:1", RENEWAL, 50, "商谈流动资金贷款续作：按原条件续贷",
     "Discuss renewing the working-capital loan: renew on the same terms"),
    ("renewal", 3, "account:1", RENEWAL, 70, None, None),
    ("renewal", 2, "account:1", {}, 60, "商谈续作：", "Discuss renewing the : "),
    ("retention", 2, "retention:2026Q4", {}, 45, "了解客户不满与需求，挽留客户",
     "Learn what troubles the customer and keep them"),
    ("retention", 3, "retention:2026Q4", {}, 55, None, None),
    ("activation", 2, "low_usage:2026-10-01", {}, 40, "了解开户后使用情况，帮助客户用起来",
     "See how the new accounts are used and help the customer start"),
    ("activation", 1, "edu:7:2026-11-20", {}, 30, "新客户教育：介绍产品与渠道",
     "Customer education: products and channels"),
    ("dormancy", 1, "dormant:2026-08-01", {}, 25, "唤醒休眠客户，了解近况与需求",
     "Re-activate a quiet customer: news and needs"),
    ("referral", 2, "x", {}, 50, "跟进客户关键事件", "Follow up the customer's key moment"),
])
def test_what_each_moment_asks_and_how_urgent_it_is(kind, severity, ref, detail, priority,
                                                     zh, en):
    found, objective = planner._moment_priority(kind, severity, ref, detail)
    assert found == priority
    if zh is not None:
        assert objective == (zh, en)


def test_a_long_renewal_objective_is_cut_to_the_field(app):
    detail = {"product": {"name": "贷" * 300, "name_en": "L" * 300}, "suggested": {}}
    _, (zh, en) = planner._moment_priority("renewal", 1, "account:1", detail)
    assert len(zh) == 200 and len(en) == 200


def candidate(**fields) -> Candidate:
    base = dict(customer_id=1, priority=30, available_from=MONDAY, marketing=True,
                reasons=[{"code": "a"}], objective=("维护", "Keep in touch"),
                sources=["cadence"])
    return Candidate(**{**base, **fields})


def test_two_reasons_for_one_customer_make_one_weightier_contact():
    cadence = candidate(carried_days=2)
    renewal = candidate(priority=60, available_from=MONDAY - timedelta(days=3),
                        marketing=False, reasons=[{"code": "b"}, {"code": "a"}],
                        objective=("续作", "Renew"), sources=["moment:7"], moment_id=7)
    cadence.merge(renewal)
    assert cadence.objective == ("续作", "Renew")
    assert cadence.reasons == [{"code": "b"}, {"code": "a"}]  # the weightier's first, once
    assert cadence.priority == 65  # the higher, raised by 5
    assert cadence.available_from == MONDAY - timedelta(days=3)  # as early as either allows
    assert cadence.marketing is False  # a service reason: not held back by the red line
    assert cadence.sources == ["cadence", "moment:7"]
    assert (cadence.moment_id, cadence.risk_case_id, cadence.carried_days) == (7, None, 2)


def test_merging_keeps_the_first_ones_links_and_caps_the_priority():
    risk = candidate(priority=97, objective=("风险", "Risk"), risk_case_id=3, marketing=False,
                     reasons=[{"code": "r"}])
    risk.merge(candidate(priority=40, moment_id=9, carried_days=1, reasons=[{"code": "m"}]))
    assert (risk.priority, risk.objective, risk.risk_case_id, risk.moment_id) == (
        99, ("风险", "Risk"), 3, 9)
    assert risk.reasons == [{"code": "r"}, {"code": "m"}]
    assert risk.carried_days == 1
    both_marketing = candidate()
    both_marketing.merge(candidate(priority=10))
    assert both_marketing.marketing is True
    assert both_marketing.objective == ("维护", "Keep in touch")


@pytest.fixture
def rm():
    return f.user("rm_a", "rm", f.team("A"), visits_per_day=2, calls_per_day=4)


def moment(customer, kind, due, state="open", **fields) -> KeyMoment:
    row = KeyMoment(customer_id=customer.id, kind=kind, event_ref=fields.pop("ref", kind),
                    due_on=due, severity=fields.pop("severity", 2), state=state,
                    reasons=fields.pop("reasons", [{"code": f"{kind}.x", "zh": "z", "en": "e",
                                                    "value": 1}]),
                    detail=fields.pop("detail", {}))
    db.session.add(row)
    db.session.flush()
    return row


def test_a_renewal_in_the_plan_window_is_planned_at_once_an_education_on_its_day(rm):
    """Renewals may be planned up to 30 days early; an education, not before its day. A
    moment due after the 14 working days planned waits for a later run."""
    renewal, education, later = (f.customer(rm, segment="large") for _ in range(3))
    for c in (renewal, education, later):
        f.interaction(rm, c, started_at=at(MONDAY - timedelta(days=2)))  # no cadence due
    due = MONDAY + timedelta(days=14)  # a Monday inside the window
    m = moment(renewal, "renewal", due, detail=RENEWAL, severity=1)
    e = moment(education, "activation", due, ref="edu:7:x")
    moment(later, "renewal", MONDAY + timedelta(days=45), detail=RENEWAL)
    db.session.commit()
    planner.plan(MONDAY)
    rows = {r.moment_id: r for r in plan_rows(rm) if r.moment_id}
    assert set(rows) == {m.id, e.id}
    assert (rows[m.id].day, rows[m.id].priority) == (MONDAY, 50)
    assert rows[m.id].objective == "商谈流动资金贷款续作：按原条件续贷"
    assert rows[e.id].day == due


def test_only_live_moments_due_in_the_window_are_planned(rm):
    people = [f.customer(rm, segment="large", consent_marketing=True) for _ in range(4)]
    for c in people:
        f.interaction(rm, c, started_at=at(MONDAY - timedelta(days=2)))
    live = moment(people[0], "activation", MONDAY + timedelta(days=2), ref="edu:1:x")
    acknowledged = moment(people[1], "activation", MONDAY, state="acknowledged", ref="edu:7:x")
    moment(people[2], "activation", MONDAY, state="done", ref="edu:30:x")
    moment(people[3], "activation", MONDAY + timedelta(days=60), ref="edu:1:y")  # past the plan
    db.session.commit()
    planner.plan(MONDAY)
    planned = {r.moment_id: r for r in plan_rows(rm) if r.moment_id}
    assert set(planned) == {live.id, acknowledged.id}
    assert planned[live.id].day == MONDAY + timedelta(days=2)  # not before it is due


def test_a_moment_brings_its_first_two_reasons(rm):
    c = f.customer(rm, segment="large")
    f.interaction(rm, c, started_at=at(MONDAY - timedelta(days=2)))
    chips = [{"code": f"c{i}", "zh": "z", "en": "e", "value": i} for i in range(4)]
    moment(c, "retention", MONDAY, reasons=chips, severity=3)
    db.session.commit()
    planner.plan(MONDAY)
    [row] = plan_rows(rm)
    assert [r["code"] for r in row.reasons][:2] == ["c0", "c1"]
    assert "c2" not in [r["code"] for r in row.reasons]


def test_a_dormancy_call_is_marketing_and_waits_for_consent(rm):
    asked = f.customer(rm, segment="large", consent_marketing=True)
    not_asked = f.customer(rm, segment="large", consent_marketing=False)
    for c in (asked, not_asked):
        f.interaction(rm, c, started_at=at(MONDAY - timedelta(days=2)))
        moment(c, "dormancy", MONDAY, ref="dormant:x")
    db.session.commit()
    planner.plan(MONDAY)
    assert {r.customer_id for r in plan_rows(rm) if r.moment_id} == {asked.id}


def test_a_closed_customer_is_not_planned(rm):
    open_ = f.customer(rm, segment="large")
    closed = f.customer(rm, segment="large", status="closed")
    for c in (open_, closed):
        moment(c, "retention", MONDAY, severity=3)
    db.session.commit()
    planner.plan(MONDAY)
    assert {r.customer_id for r in plan_rows(rm)} == {open_.id}
