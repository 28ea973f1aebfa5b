"""The plan API: reading and changing plan entries, refresh, the ICS feed, the contact
policy, calendar days and leave (docs/calendar.md)."""

import uuid
from datetime import date, datetime, timedelta
from urllib.parse import urlsplit

import pytest
from icalendar import Calendar
from sqlalchemy import func, select

from backend.auth.models import AuditEvent, User
from backend.calendar.models import PlanEntry
from backend.customers.models import ContactPolicy
from backend.extensions import db
from backend.moments.models import KeyMoment, RiskCase
from backend.offers.models import Offer
from backend.timeutil import bank_today
from backend.workdays import CalendarDay, Leave, WorkCalendar
from tests import factories

DAY = date(2026, 11, 30)  # a Monday
ENTRY_KEYS = {"id", "day", "customer", "reasons", "objective", "channel", "priority", "state",
              "priority_band", "last_contact", "version", "snoozed_to", "moment_id"}


@pytest.fixture
def world(app):
    people = factories.two_teams()
    mine = factories.customer(people["rm_a"], name="杭州恒丰五金", segment="medium")
    mine2 = factories.customer(people["rm_a"], name="杭州顺达物流", segment="small")
    teammate = factories.customer(people["rm_a2"], name="宁波鑫达贸易", segment="large")
    other = factories.customer(people["rm_b"], name="苏州华盛餐饮", segment="micro")
    db.session.commit()
    return {**people, "mine": mine, "mine2": mine2, "teammate": teammate, "other": other}


def chip(code="renewal", value=20):
    return {"code": code, "zh": "贷款 12月20日 到期", "en": "Loan matures 20 Dec", "value": value}


def entry(rm, customer, day=DAY, **fields) -> PlanEntry:
    fields.setdefault("reasons", [chip()])
    fields.setdefault("objective", "续贷沟通")
    fields.setdefault("channel", "visit")
    fields.setdefault("priority", 50)
    row = PlanEntry(rm_id=rm.id, day=day, customer_id=customer.id, **fields)
    db.session.add(row)
    db.session.commit()
    return row


def ids(response) -> set[int]:
    assert response.status_code == 200, response.get_json()
    return {e["id"] for e in response.get_json()["entries"]}


def put(client, path, **kwargs):
    """ApiClient has no put(): send it like its other writes (with the CSRF token)."""
    return client._write("PUT", path, **kwargs)


def count(model, *where):
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


# --------------------------------------------------------------------------- GET /plan


def test_plan_of_a_day_has_the_contract_keys(api, world):
    factories.interaction(world["rm_a"], world["mine"], started_at=datetime(2026, 9, 1, 2),
                          channel="visit", notes="old")
    factories.interaction(world["rm_a"], world["mine"], started_at=datetime(2026, 10, 2, 2, 30),
                          channel="call", outcome="reached", notes="谈了续贷" * 50)
    db.session.commit()
    high = entry(world["rm_a"], world["mine"], priority=72, channel="call")
    low = entry(world["rm_a"], world["mine2"], priority=39)
    entry(world["rm_a"], world["mine"], day=DAY + timedelta(days=1))  # another day

    body = api("rm_a").get(f"/api/v1/plan?date={DAY.isoformat()}").get_json()
    assert body["date"] == DAY.isoformat() and body["working_day"] is True
    got = body["entries"]
    assert [e["id"] for e in got] == [high.id, low.id]  # highest priority first
    first = got[0]
    assert set(first) >= ENTRY_KEYS
    assert first["customer"] == {"id": world["mine"].id, "name": "杭州恒丰五金",
                                 "name_en": world["mine"].name_en, "segment": "medium",
                                 "phone": None}
    assert first["reasons"] == [chip()]
    assert first["objective"] == "续贷沟通" and first["channel"] == "call"
    assert first["priority"] == 72 and first["priority_band"] == "high"
    assert first["state"] == "planned" and first["day"] == DAY.isoformat()
    last = first["last_contact"]
    assert last["at"].startswith("2026-10-02T02:30") and last["channel"] == "call"
    assert last["outcome"] == "reached" and len(last["notes"]) <= 140
    assert got[1]["priority_band"] == "low" and got[1]["last_contact"] is None


def test_the_default_day_is_today_or_the_next_working_day(api, world):
    day = WorkCalendar.load().on_or_after(bank_today())
    e = entry(world["rm_a"], world["mine"], day=day)
    entry(world["rm_a"], world["mine"], day=day + timedelta(days=1))
    body = api("rm_a").get("/api/v1/plan").get_json()
    assert body["date"] == day.isoformat() and body["working_day"] is True
    assert [x["id"] for x in body["entries"]] == [e.id]


@pytest.mark.parametrize("priority,band", [(100, "high"), (70, "high"), (69, "medium"),
                                           (40, "medium"), (39, "low"), (0, "low")])
def test_priority_band(api, world, priority, band):
    entry(world["rm_a"], world["mine"], priority=priority)
    [got] = api("rm_a").get(f"/api/v1/plan?date={DAY}").get_json()["entries"]
    assert got["priority_band"] == band


def moment(customer, kind, due_on, **fields) -> KeyMoment:
    row = KeyMoment(customer_id=customer.id, kind=kind, due_on=due_on,
                    event_ref=fields.pop("event_ref", f"{kind}:{due_on}"), **fields)
    db.session.add(row)
    db.session.commit()
    return row


def test_must_do_names_risk_escalations_renewals_this_week_and_referrals(api, world):
    """Today's triage (docs/calendar.md): what cannot wait, and why, whatever the priority."""
    case = RiskCase(customer_id=world["mine"].id, opened_on=DAY, signals=[], probability=0.2,
                    exposure=1e6, severity=3, tier_response="escalated")
    db.session.add(case)
    db.session.commit()
    customers = [factories.customer(world["rm_a"]) for _ in range(5)]
    db.session.commit()
    risk = entry(world["rm_a"], world["mine"], priority=30, risk_case_id=case.id)
    renewal_soon = entry(world["rm_a"], customers[0], priority=40, moment_id=moment(
        customers[0], "renewal", DAY + timedelta(days=7)).id)
    renewal_later = entry(world["rm_a"], customers[1], priority=95, moment_id=moment(
        customers[1], "renewal", DAY + timedelta(days=8)).id)
    renewal_overdue = entry(world["rm_a"], customers[2], priority=20, moment_id=moment(
        customers[2], "renewal", DAY - timedelta(days=3)).id)
    referral = entry(world["rm_a"], customers[3], priority=10, moment_id=moment(
        customers[3], "referral", DAY + timedelta(days=20)).id)
    dormancy = entry(world["rm_a"], customers[4], priority=99, moment_id=moment(
        customers[4], "dormancy", DAY).id)

    got = {e["id"]: e["must_do"]
           for e in api("rm_a").get(f"/api/v1/plan?date={DAY}").get_json()["entries"]}
    assert got == {risk.id: "risk", renewal_soon.id: "renewal", renewal_later.id: None,
                   renewal_overdue.id: "renewal", referral.id: "referral", dormancy.id: None}


def test_an_entry_carries_the_customers_best_live_offer(api, world):
    good = factories.product("WCL", family="loan", is_credit=True, name="流动资金贷款",
                             name_en="Working capital loan")
    better = factories.product("POS", family="payments", name="收单", name_en="Card acquiring")
    for product, value, state in ((good, 900, "suggested"), (better, 1200, "presented"),
                                  (good, 5000, "declined")):
        db.session.add(Offer(customer_id=world["mine"].id, product_id=product.id, as_of=DAY,
                             score=0.1, expected_value=value, state=state))
    db.session.commit()
    with_offer = entry(world["rm_a"], world["mine"])
    without = entry(world["rm_a"], world["mine2"], priority=10)
    got = {e["id"]: e["offer"]
           for e in api("rm_a").get(f"/api/v1/plan?date={DAY}").get_json()["entries"]}
    offer_id = db.session.scalar(select(Offer.id).where(Offer.product_id == better.id))
    assert got == {with_offer.id: {"id": offer_id, "product_code": "POS", "name": "收单",
                                   "name_en": "Card acquiring"},
                   without.id: None}


def test_an_rm_sees_only_their_own_entries(api, world):
    mine = entry(world["rm_a"], world["mine"])
    entry(world["rm_a2"], world["teammate"])
    entry(world["rm_b"], world["other"])
    # An entry of rm_a for a customer that is now rm_b's never shows.
    entry(world["rm_a"], world["other"])
    rm = api("rm_a")
    assert ids(rm.get(f"/api/v1/plan?date={DAY}")) == {mine.id}
    assert ids(rm.get(f"/api/v1/plan?date={DAY}&rm={world['rm_a'].id}")) == {mine.id}
    for other in ("rm_b", "rm_a2", "lead_a"):
        response = rm.get(f"/api/v1/plan?date={DAY}&rm={world[other].id}")
        assert response.status_code == 403
        assert set(response.get_json()) == {"error", "message", "fields"}


def test_a_lead_reads_the_team_and_one_rm_of_it(api, world):
    a = entry(world["rm_a"], world["mine"])
    a2 = entry(world["rm_a2"], world["teammate"])
    b = entry(world["rm_b"], world["other"])
    lead = api("lead_a")
    assert ids(lead.get(f"/api/v1/plan?date={DAY}")) == {a.id, a2.id}
    assert ids(lead.get(f"/api/v1/plan?date={DAY}&rm={world['rm_a2'].id}")) == {a2.id}
    assert lead.get(f"/api/v1/plan?date={DAY}&rm={world['rm_b'].id}").status_code == 403
    assert ids(api("lead_b").get(f"/api/v1/plan?date={DAY}")) == {b.id}
    assert api("lead_b").get(f"/api/v1/plan?date={DAY}&rm={world['rm_a'].id}").status_code == 403


@pytest.mark.parametrize("who,status", [("analyst", 403), ("referrer", 403), ("admin", 403),
                                        (None, 401)])
def test_roles_without_customer_data_get_no_plan(api, world, who, status):
    entry(world["rm_a"], world["mine"])
    response = api(who).get(f"/api/v1/plan?date={DAY}")
    assert response.status_code == status
    assert "杭州" not in response.get_data(as_text=True)


@pytest.mark.parametrize("query,field", [("date=2026-13-01", "date"), ("date=soon", "date"),
                                         ("rm=abc", "rm")])
def test_bad_plan_queries_are_invalid(api, world, query, field):
    response = api("rm_a").get(f"/api/v1/plan?{query}")
    assert response.status_code == 422
    assert field in response.get_json()["fields"]


# --------------------------------------------------------------------------- PATCH /plan/<id>


def patch(client, e, **body):
    return client.patch(f"/api/v1/plan/{e.id}", json=body)


def test_done_completes_the_entry_and_its_live_moments(api, world):
    live = KeyMoment(customer_id=world["mine"].id, kind="renewal", event_ref="account:1",
                     due_on=DAY, severity=2, state="open")
    dismissed = KeyMoment(customer_id=world["mine"].id, kind="activation", event_ref="edu:1",
                          due_on=DAY, state="dismissed", resolution="not now")
    unrelated = KeyMoment(customer_id=world["mine"].id, kind="dormancy", event_ref="d",
                          due_on=DAY, state="open")
    db.session.add_all([live, dismissed, unrelated])
    db.session.commit()
    e = entry(world["rm_a"], world["mine"], moment_id=live.id,
              sources=[f"moment:{live.id}", f"moment:{dismissed.id}", "cadence"])
    response = patch(api("rm_a"), e, state="done", base_version=1)
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["state"] == "done" and body["version"] == 2 and body["id"] == e.id
    db.session.expire_all()
    stored = db.session.get(PlanEntry, e.id)
    assert stored.done_at is not None and stored.version == 2
    assert db.session.get(KeyMoment, live.id).state == "done"
    assert db.session.get(KeyMoment, live.id).resolved_by == world["rm_a"].id
    assert db.session.get(KeyMoment, dismissed.id).state == "dismissed"
    assert db.session.get(KeyMoment, unrelated.id).state == "open"
    assert count(AuditEvent, AuditEvent.action == "plan.done",
                 AuditEvent.object_id == e.id) == 1


def test_snooze_needs_a_later_day(api, world):
    e = entry(world["rm_a"], world["mine"])
    rm = api("rm_a")
    for bad in (None, DAY.isoformat(), (DAY - timedelta(days=1)).isoformat(),
                (DAY + timedelta(days=61)).isoformat()):
        response = patch(rm, e, state="snoozed", snoozed_to=bad)
        assert response.status_code == 422, bad
        assert "snoozed_to" in response.get_json()["fields"]
    db.session.expire_all()
    assert db.session.get(PlanEntry, e.id).state == "planned"
    response = patch(rm, e, state="snoozed", snoozed_to="2026-12-02")
    assert response.status_code == 200
    assert response.get_json()["snoozed_to"] == "2026-12-02"
    assert response.get_json()["state"] == "snoozed"


def test_dismiss_needs_a_reason(api, world):
    e = entry(world["rm_a"], world["mine"])
    rm = api("rm_a")
    for bad in ({}, {"reason": None}, {"reason": "   "}):
        response = patch(rm, e, state="dismissed", **bad)
        assert response.status_code == 422
        assert "reason" in response.get_json()["fields"]
    response = patch(rm, e, state="dismissed", reason="客户出差")
    assert response.status_code == 200
    assert response.get_json()["dismiss_reason"] == "客户出差"


def test_a_done_entry_cannot_change_again(api, world):
    e = entry(world["rm_a"], world["mine"])
    rm = api("rm_a")
    assert patch(rm, e, state="done").status_code == 200
    for body in ({"state": "done"}, {"state": "dismissed", "reason": "x"},
                 {"state": "snoozed", "snoozed_to": "2026-12-02"}):
        response = patch(rm, e, **body)
        assert response.status_code == 409, body
        assert response.get_json()["error"] == "conflict"
    db.session.expire_all()
    assert db.session.get(PlanEntry, e.id).version == 2


def test_a_stale_base_version_is_a_conflict(api, world):
    e = entry(world["rm_a"], world["mine"], version=3)
    response = patch(api("rm_a"), e, state="done", base_version=2)
    assert response.status_code == 409
    db.session.expire_all()
    stored = db.session.get(PlanEntry, e.id)
    assert stored.state == "planned" and stored.version == 3 and stored.done_at is None


@pytest.mark.parametrize("who,status", [("rm_b", 404), ("rm_a2", 404), ("lead_b", 404),
                                        ("analyst", 403), (None, 401)])
def test_another_rms_entry_cannot_be_changed(api, world, who, status):
    e = entry(world["rm_a"], world["mine"])
    assert patch(api(who), e, state="done").status_code == status
    db.session.expire_all()
    assert db.session.get(PlanEntry, e.id).state == "planned"


def test_an_entry_of_another_rm_on_my_customer_is_not_mine(api, world):
    # rm_a2's old entry for a customer now in rm_a's book: rm_a cannot touch it.
    e = entry(world["rm_a2"], world["mine"])
    assert patch(api("rm_a"), e, state="done").status_code == 404


def test_an_unknown_entry_is_not_found(api, world):
    response = api("rm_a").patch("/api/v1/plan/999999", json={"state": "done"})
    assert response.status_code == 404


@pytest.mark.parametrize("body,field", [
    ({"state": 5}, "state"),
    ({"state": "missed"}, "state"),
    ({"state": "planned"}, "state"),
    ({}, "state"),
    ({"state": "snoozed", "snoozed_to": 20261202}, "snoozed_to"),
    ({"state": "snoozed", "snoozed_to": "next week"}, "snoozed_to"),
    ({"state": "dismissed", "reason": ["busy"]}, "reason"),
    ({"state": "dismissed", "reason": "x" * 201}, "reason"),
    ({"state": "done", "base_version": "1"}, "base_version"),
    ({"state": "done", "base_version": True}, "base_version"),
    ({"state": "done", "base_version": 1.5}, "base_version"),
    ({"state": "done", "surprise": 1}, "surprise"),
])
def test_bad_patch_bodies_name_the_field(api, world, body, field):
    e = entry(world["rm_a"], world["mine"])
    response = api("rm_a").patch(f"/api/v1/plan/{e.id}", json=body)
    assert response.status_code == 422, response.get_json()
    assert field in response.get_json()["fields"]
    db.session.expire_all()
    assert db.session.get(PlanEntry, e.id).version == 1


@pytest.mark.parametrize("kwargs", [{"json": ["done"]}, {"json": "done"}, {"json": None},
                                    {"data": "{not json", "content_type": "application/json"}])
def test_malformed_patch_bodies_are_client_errors(api, world, kwargs):
    e = entry(world["rm_a"], world["mine"])
    response = api("rm_a").patch(f"/api/v1/plan/{e.id}", **kwargs)
    assert response.status_code in (400, 415, 422), response.get_json()
    assert set(response.get_json()) == {"error", "message", "fields"}


# --------------------------------------------------------------------------- sync


def sync(client, *writes):
    response = client.post("/api/v1/sync", json={"writes": list(writes)})
    assert response.status_code == 200, response.get_json()
    return response.get_json()["results"]


def state_write(body, **extra):
    return {"client_id": str(uuid.uuid4()), "kind": "plan_entry_state", "body": body, **extra}


def test_plan_entry_state_through_sync(api, world):
    e = entry(world["rm_a"], world["mine"])
    rm = api("rm_a")
    w = state_write({"plan_entry_id": e.id, "state": "snoozed", "snoozed_to": "2026-12-03"},
                    base_version=1)
    [first] = sync(rm, w)
    assert first == {"client_id": w["client_id"], "status": "created", "id": e.id, "version": 2}
    [again] = sync(rm, w)
    assert again == {**first, "status": "duplicate"}
    db.session.expire_all()
    stored = db.session.get(PlanEntry, e.id)
    assert stored.state == "snoozed" and stored.snoozed_to == date(2026, 12, 3)
    assert stored.version == 2  # the resend changed nothing


@pytest.mark.parametrize("body,field", [
    ({"state": "snoozed"}, "snoozed_to"),
    ({"state": "snoozed", "snoozed_to": "2026-11-29"}, "snoozed_to"),
    ({"state": "dismissed"}, "reason"),
    ({"state": "done", "plan_entry_id": "1"}, "plan_entry_id"),
])
def test_bad_sync_state_writes_are_invalid(api, world, body, field):
    e = entry(world["rm_a"], world["mine"])
    [result] = sync(api("rm_a"), state_write({"plan_entry_id": e.id, **body}))
    assert result["status"] == "invalid", result
    assert field in result["error"]["fields"]
    db.session.expire_all()
    assert db.session.get(PlanEntry, e.id).state == "planned"


def test_sync_of_another_rms_entry_is_forbidden(api, world):
    e = entry(world["rm_a"], world["mine"])
    [result] = sync(api("rm_b"), state_write({"plan_entry_id": e.id, "state": "done"}))
    assert result["status"] == "forbidden"
    db.session.expire_all()
    assert db.session.get(PlanEntry, e.id).state == "planned"


# --------------------------------------------------------------------------- refresh


def test_refresh_plans_the_callers_customers(api, world):
    due = [factories.customer(world["rm_a"], segment="medium") for _ in range(3)]
    theirs = factories.customer(world["rm_b"], segment="medium")
    db.session.commit()
    response = api("rm_a").post("/api/v1/plan/refresh")
    assert response.status_code == 200, response.get_json()
    n = response.get_json()["entries"]
    assert n > 0
    rows = db.session.scalars(select(PlanEntry)).all()
    assert len(rows) == n
    assert {r.rm_id for r in rows} == {world["rm_a"].id}
    assert {r.customer_id for r in rows} >= {c.id for c in due}
    assert theirs.id not in {r.customer_id for r in rows}
    today = bank_today()
    assert all(today <= r.day <= today + timedelta(days=28) for r in rows)


def test_refresh_by_a_lead_names_the_rm(api, world):
    factories.customer(world["rm_a"], segment="medium")
    factories.customer(world["rm_b"], segment="medium")
    db.session.commit()
    lead = api("lead_a")
    response = lead.post("/api/v1/plan/refresh")
    assert response.status_code == 422 and "rm" in response.get_json()["fields"]
    assert lead.post(f"/api/v1/plan/refresh?rm={world['rm_b'].id}").status_code == 403
    assert count(PlanEntry) == 0
    response = lead.post(f"/api/v1/plan/refresh?rm={world['rm_a'].id}")
    assert response.status_code == 200 and response.get_json()["entries"] > 0
    assert {r.rm_id for r in db.session.scalars(select(PlanEntry))} == {world["rm_a"].id}


@pytest.mark.parametrize("who,status", [("analyst", 403), ("admin", 403), (None, 401)])
def test_refresh_needs_a_portfolio(api, world, who, status):
    factories.customer(world["rm_a"], segment="medium")
    db.session.commit()
    assert api(who).post("/api/v1/plan/refresh").status_code == status
    assert count(PlanEntry) == 0


# --------------------------------------------------------------------------- ICS feed


def feed_path(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


def events(response) -> list:
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "text/calendar"
    return list(Calendar.from_ical(response.get_data()).walk("VEVENT"))


def test_feed_lists_the_window_without_a_login(app, api, world):
    today = bank_today()
    names = {}
    for n, offset in enumerate((-7, 0, 5, 21)):
        c = factories.customer(world["rm_a"], name=f"窗口客户{n}")
        names[c.id] = (c.name, today + timedelta(days=offset))
    outside = [factories.customer(world["rm_a"], name=f"窗外客户{n}") for n in range(2)]
    db.session.commit()
    for cid, (_, day) in names.items():
        db.session.add(PlanEntry(rm_id=world["rm_a"].id, day=day, customer_id=cid,
                                 reasons=[chip()], objective="回访", channel="call",
                                 priority=30, suggested_hour=15))
    entry(world["rm_a"], outside[0], day=today - timedelta(days=8))
    entry(world["rm_a"], outside[1], day=today + timedelta(days=22))
    entry(world["rm_b"], world["other"], day=today)

    response = api("rm_a").post("/api/v1/plan/feed")
    assert response.status_code == 201
    url = response.get_json()["url"]
    assert "token=" in url
    ics = app.test_client().get(feed_path(url))
    found = events(ics)
    assert len(found) == len(names)
    seen = {}
    for event in found:
        summary = str(event["SUMMARY"])
        [(cid, (name, day))] = [(k, v) for k, v in names.items() if v[0] in summary]
        start = event["DTSTART"].dt
        assert start.date() == day and start.hour == 15
        seen[cid] = day
    assert seen == {cid: day for cid, (_, day) in names.items()}
    text = ics.get_data(as_text=True)
    assert "窗外" not in text and "苏州" not in text


def test_feed_rotation_and_revocation(app, api, world):
    entry(world["rm_a"], world["mine"], day=bank_today())
    rm = api("rm_a")
    old = feed_path(rm.post("/api/v1/plan/feed").get_json()["url"])
    anonymous = app.test_client()
    assert len(events(anonymous.get(old))) == 1
    new = feed_path(rm.post("/api/v1/plan/feed").get_json()["url"])
    assert new != old
    assert anonymous.get(old).status_code == 404
    assert len(events(anonymous.get(new))) == 1
    assert rm.delete("/api/v1/plan/feed").status_code == 204
    response = anonymous.get(new)
    assert response.status_code == 404
    assert "杭州" not in response.get_data(as_text=True)


@pytest.mark.parametrize("query", ["", "?token=", "?token=wrong", "?token=" + "x" * 43])
def test_feed_without_a_good_token_is_not_found(app, api, world, query):
    entry(world["rm_a"], world["mine"], day=bank_today())
    api("rm_a").post("/api/v1/plan/feed")
    response = app.test_client().get(f"/api/v1/plan.ics{query}")
    assert response.status_code == 404
    assert response.get_json()["error"] == "not_found"


def test_a_deactivated_users_feed_is_not_found(app, api, world):
    entry(world["rm_a"], world["mine"], day=bank_today())
    path = feed_path(api("rm_a").post("/api/v1/plan/feed").get_json()["url"])
    assert app.test_client().get(path).status_code == 200
    db.session.get(User, world["rm_a"].id).is_active_user = False
    db.session.commit()
    assert app.test_client().get(path).status_code == 404


def test_feed_needs_a_login_and_a_portfolio(api, world):
    assert api(None).post("/api/v1/plan/feed").status_code == 401
    assert api("analyst").post("/api/v1/plan/feed").status_code == 403


# --------------------------------------------------------------------------- contact policies


def policy(segment) -> ContactPolicy:
    db.session.expire_all()
    return db.session.scalar(select(ContactPolicy).where(ContactPolicy.segment == segment))


def test_contact_policies_list_the_seeded_segments(api, world):
    response = api("rm_a").get("/api/v1/contact-policies")
    assert response.status_code == 200
    items = {p["segment"]: p for p in response.get_json()["items"]}
    assert set(items) == {"large", "medium", "small", "micro"}
    assert items["medium"]["cadence_days"] == 91 and items["micro"]["cadence_days"] is None
    assert items["small"]["max_marketing_30d"] == 2
    assert items["small"]["preferred_channels"] == ["call", "message"]


def test_an_analyst_changes_a_policy_with_an_audit_event(api, world):
    response = put(api("analyst"), "/api/v1/contact-policies/small",
                                  json={"max_marketing_30d": 5})
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["segment"] == "small" and body["max_marketing_30d"] == 5
    assert body["min_gap_days"] == 10 and body["updated_by"] == world["analyst"].id
    stored = policy("small")
    assert stored.max_marketing_30d == 5 and stored.cadence_days == 182
    [event] = db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "contact_policy.updated")).all()
    assert event.user_id == world["analyst"].id and event.object_id == stored.id
    assert event.detail["before"] == {"max_marketing_30d": 2}
    assert event.detail["after"] == {"max_marketing_30d": 5}
    assert policy("medium").max_marketing_30d == 3


@pytest.mark.parametrize("who,status", [("rm_a", 403), ("lead_a", 403), ("referrer", 403),
                                        (None, 401)])
def test_only_analysts_change_policies(api, world, who, status):
    response = put(api(who), "/api/v1/contact-policies/small", json={"max_marketing_30d": 5})
    assert response.status_code == status
    assert policy("small").max_marketing_30d == 2
    assert count(AuditEvent, AuditEvent.action == "contact_policy.updated") == 0


@pytest.mark.parametrize("body,field", [
    ({"max_marketing_30d": -1}, "max_marketing_30d"),
    ({"max_marketing_30d": "3"}, "max_marketing_30d"),
    ({"max_marketing_30d": None}, "max_marketing_30d"),
    ({"max_marketing_30d": 2.5}, "max_marketing_30d"),
    ({"min_gap_days": -3}, "min_gap_days"),
    ({"decline_cooldown_days": True}, "decline_cooldown_days"),
    ({"cadence_days": 0}, "cadence_days"),
    ({"preferred_channels": ["pigeon"]}, "preferred_channels"),
    ({"preferred_channels": []}, "preferred_channels"),
    ({"preferred_channels": "call"}, "preferred_channels"),
    ({"segment": "large"}, "segment"),
    ({"surprise": 1}, "surprise"),
])
def test_bad_policy_values_name_the_field(api, world, body, field):
    response = put(api("analyst"), "/api/v1/contact-policies/small", json=body)
    assert response.status_code == 422, response.get_json()
    assert field in response.get_json()["fields"]
    stored = policy("small")
    assert (stored.max_marketing_30d, stored.min_gap_days, stored.cadence_days) == (2, 10, 182)
    assert stored.preferred_channels == ["call", "message"]


def test_an_unknown_segment_is_not_found(api, world):
    response = put(api("analyst"), "/api/v1/contact-policies/huge", json={"max_marketing_30d": 1})
    assert response.status_code == 404
    assert count(ContactPolicy) == 4


# --------------------------------------------------------------------------- calendar days


def test_an_analyst_marks_and_unmarks_a_holiday(api, world):
    analyst = api("analyst")
    response = put(analyst, "/api/v1/calendar/days/2026-12-24",
                           json={"working": False, "name": "平安夜"})
    assert response.status_code == 200, response.get_json()
    assert response.get_json() == {"day": "2026-12-24", "working": False, "name": "平安夜"}
    listed = api("rm_a").get("/api/v1/calendar/days?year=2026").get_json()["items"]
    assert {"day": "2026-12-24", "working": False, "name": "平安夜"} in listed
    assert all(d["day"].startswith("2026-") for d in listed)
    # The plan now says the day is not a working day.
    assert api("rm_a").get("/api/v1/plan?date=2026-12-24").get_json()["working_day"] is False
    # Putting it again updates the row.
    response = put(analyst, "/api/v1/calendar/days/2026-12-24",
                           json={"working": True, "name": "调休"})
    assert response.status_code == 200
    assert db.session.get(CalendarDay, date(2026, 12, 24)) is not None
    assert analyst.delete("/api/v1/calendar/days/2026-12-24").status_code == 204
    listed = api("rm_a").get("/api/v1/calendar/days?year=2026").get_json()["items"]
    assert "2026-12-24" not in {d["day"] for d in listed}
    assert analyst.delete("/api/v1/calendar/days/2026-12-24").status_code == 404


@pytest.mark.parametrize("day", ["2026-13-01", "2026-02-30", "christmas", "2026-12-24x"])
def test_a_bad_date_in_the_path_is_invalid(api, world, day):
    analyst = api("analyst")
    response = put(analyst, f"/api/v1/calendar/days/{day}", json={"working": False, "name": "x"})
    assert response.status_code == 422
    assert "day" in response.get_json()["fields"]
    assert analyst.delete(f"/api/v1/calendar/days/{day}").status_code == 422


@pytest.mark.parametrize("body,field", [({"name": "x"}, "working"), ({"working": False}, "name"),
                                        ({"working": "maybe", "name": "x"}, "working"),
                                        ({"working": False, "name": ""}, "name")])
def test_bad_calendar_day_bodies_name_the_field(api, world, body, field):
    response = put(api("analyst"), "/api/v1/calendar/days/2026-12-24", json=body)
    assert response.status_code == 422
    assert field in response.get_json()["fields"]
    assert db.session.get(CalendarDay, date(2026, 12, 24)) is None


@pytest.mark.parametrize("who,status", [("rm_a", 403), ("lead_a", 403), (None, 401)])
def test_only_analysts_and_admins_edit_days(api, world, who, status):
    client = api(who)
    response = put(client, "/api/v1/calendar/days/2026-12-24", json={"working": False, "name": "x"})
    assert response.status_code == status
    assert db.session.get(CalendarDay, date(2026, 12, 24)) is None
    assert client.delete("/api/v1/calendar/days/2026-10-01").status_code == status
    db.session.expire_all()
    assert db.session.get(CalendarDay, date(2026, 10, 1)) is not None
    assert put(api("admin"), "/api/v1/calendar/days/2026-12-24",
                            json={"working": False, "name": "x"}).status_code == 200


# --------------------------------------------------------------------------- leave


def test_an_rm_records_own_leave(api, world):
    rm = api("rm_a")
    response = rm.post("/api/v1/leaves", json={"starts_on": "2026-12-01",
                                               "ends_on": "2026-12-03", "note": "年假"})
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["user_id"] == world["rm_a"].id and body["ends_on"] == "2026-12-03"
    assert [leave["id"] for leave in rm.get("/api/v1/leaves").get_json()["items"]] == [body["id"]]
    assert api("rm_b").get("/api/v1/leaves").get_json()["items"] == []
    assert [leave["id"] for leave in api("lead_a").get("/api/v1/leaves").get_json()["items"]] \
        == [body["id"]]
    assert api("lead_b").get("/api/v1/leaves").get_json()["items"] == []
    assert api("rm_b").delete(f"/api/v1/leaves/{body['id']}").status_code == 404
    assert rm.delete(f"/api/v1/leaves/{body['id']}").status_code == 204
    assert count(Leave) == 0


@pytest.mark.parametrize("body,field", [
    ({"starts_on": "2026-12-03", "ends_on": "2026-12-01"}, "ends_on"),
    ({"starts_on": "2026-02-30", "ends_on": "2026-03-01"}, "starts_on"),
    ({"ends_on": "2026-12-01"}, "starts_on"),
    ({"starts_on": "2026-12-01", "ends_on": "2026-12-01", "user_id": "7"}, "user_id"),
    ({"starts_on": "2026-12-01", "ends_on": "2026-12-01", "note": "x" * 201}, "note"),
])
def test_bad_leave_names_the_field(api, world, body, field):
    response = api("rm_a").post("/api/v1/leaves", json=body)
    assert response.status_code == 422, response.get_json()
    assert field in response.get_json()["fields"]
    assert count(Leave) == 0


def test_an_rm_cannot_record_leave_for_someone_else(api, world):
    for other in ("rm_a2", "rm_b", "lead_a"):
        response = api("rm_a").post("/api/v1/leaves", json={
            "user_id": world[other].id, "starts_on": "2026-12-01", "ends_on": "2026-12-02"})
        assert response.status_code == 403
    assert count(Leave) == 0


def test_a_lead_records_leave_for_the_team_only(api, world):
    lead = api("lead_a")
    response = lead.post("/api/v1/leaves", json={
        "user_id": world["rm_a"].id, "starts_on": "2026-12-01", "ends_on": "2026-12-02"})
    assert response.status_code == 201
    assert response.get_json()["user_id"] == world["rm_a"].id
    assert [leave["id"] for leave in api("rm_a").get("/api/v1/leaves").get_json()["items"]] \
        == [response.get_json()["id"]]
    response = lead.post("/api/v1/leaves", json={
        "user_id": world["rm_b"].id, "starts_on": "2026-12-01", "ends_on": "2026-12-02"})
    assert response.status_code == 403
    assert count(Leave, Leave.user_id == world["rm_b"].id) == 0
    # lead_b cannot remove team A's leave either.
    leave_id = db.session.scalar(select(Leave.id))
    assert api("lead_b").delete(f"/api/v1/leaves/{leave_id}").status_code == 404
    assert lead.delete(f"/api/v1/leaves/{leave_id}").status_code == 204
