"""Risk cases and their approvals, key moments, and both on the 360 card (docs/calendar.md)."""

from datetime import date

import pytest
from sqlalchemy import select

from backend.auth.models import AuditEvent
from backend.customers.models import Customer
from backend.extensions import db
from backend.moments.models import KeyMoment, RiskCase
from backend.push.models import Notification
from tests import factories

SIGNALS = [{"code": "risk.overdue", "zh": "逾期 35 天", "en": "35 days overdue", "value": 35},
           {"code": "risk.utilisation", "zh": "额度使用 95%", "en": "Credit line 95% used",
            "value": 0.95}]
WAIVER = {"action": "waiver", "cooperative": True, "waiver_share": 0.5, "note": "客户配合还款"}
EXTENSION = {"action": "extension", "cooperative": True, "extension_days": 90,
             "revaluation": 1200000, "note": "抵押物重估"}


@pytest.fixture
def world(app):
    people = factories.two_teams()
    mine = factories.customer(people["rm_a"], name="杭州恒丰五金", segment="medium")
    teammate = factories.customer(people["rm_a2"], name="宁波鑫达贸易", segment="large")
    other = factories.customer(people["rm_b"], name="苏州华盛餐饮", segment="medium")
    db.session.commit()
    return {**people, "mine": mine, "teammate": teammate, "other": other}


def case(customer, **fields) -> RiskCase:
    fields.setdefault("probability", 0.42)
    fields.setdefault("exposure", 800000)
    fields.setdefault("expected_loss", round(fields["probability"] * fields["exposure"], 2))
    row = RiskCase(customer_id=customer.id, state=fields.pop("state", "open"),
                   signals=fields.pop("signals", SIGNALS), severity=fields.pop("severity", 2),
                   tier_response=fields.pop("tier_response", "escalated"),
                   opened_on=fields.pop("opened_on", date(2026, 11, 20)), **fields)
    db.session.add(row)
    db.session.commit()
    return row


def stored(model, row_id):
    db.session.expire_all()
    return db.session.get(model, row_id)


def audit_actions(object_type, object_id) -> list[str]:
    return list(db.session.scalars(select(AuditEvent.action).where(
        AuditEvent.object_type == object_type, AuditEvent.object_id == object_id)
        .order_by(AuditEvent.id)))


def notes_for(user, kind) -> list[Notification]:
    return list(db.session.scalars(select(Notification).where(
        Notification.user_id == user.id, Notification.kind == kind)))


# --------------------------------------------------------------------------- risk cases


def test_waiver_request_and_approval(api, world):
    c = case(world["mine"])
    rm = api("rm_a")
    response = rm.post(f"/api/v1/risk-cases/{c.id}/request", json=WAIVER)
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["state"] == "pending_approval" and body["requested_action"] == "waiver"
    assert body["action_detail"] == {"waiver_share": 0.5, "note": "客户配合还款"}
    assert body["requested_by"] == world["rm_a"].id
    assert body["customer"]["id"] == world["mine"].id
    [note] = notes_for(world["lead_a"], "approval_requested")
    assert note.status == "queued" and note.detail == {"risk_case_id": c.id}
    assert notes_for(world["lead_b"], "approval_requested") == []

    # The lead of team A sees it waiting; the lead of team B does not, nor can decide it.
    [waiting] = api("lead_a").get("/api/v1/approvals").get_json()["items"]
    assert waiting["id"] == c.id and waiting["action"] == "waiver"
    assert waiting["customer"]["id"] == world["mine"].id
    assert waiting["requested_by"]["id"] == world["rm_a"].id
    assert waiting["detail"]["waiver_share"] == 0.5 and waiting["note"] == "客户配合还款"
    lead_b = api("lead_b")
    assert lead_b.get("/api/v1/approvals").get_json()["items"] == []
    response = lead_b.post(f"/api/v1/risk-cases/{c.id}/decision", json={"decision": "approved"})
    assert response.status_code == 404
    assert "杭州" not in response.get_data(as_text=True)
    # The requester cannot decide their own request.
    response = rm.post(f"/api/v1/risk-cases/{c.id}/decision", json={"decision": "approved"})
    assert response.status_code == 403
    assert stored(RiskCase, c.id).state == "pending_approval"
    assert stored(RiskCase, c.id).decision is None

    lead = api("lead_a")
    response = lead.post(f"/api/v1/risk-cases/{c.id}/decision",
                         json={"decision": "approved", "note": "同意减免一半"})
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["state"] == "open" and body["decision"] == "approved"
    assert body["decided_by"] == world["lead_a"].id and body["decision_note"] == "同意减免一半"
    assert body["decided_at"] is not None
    again = lead.post(f"/api/v1/risk-cases/{c.id}/decision", json={"decision": "refused"})
    assert again.status_code == 409
    assert stored(RiskCase, c.id).decision == "approved"
    assert lead.get("/api/v1/approvals").get_json()["items"] == []

    [decided] = notes_for(world["rm_a"], "approval_decided")
    assert decided.detail == {"risk_case_id": c.id}
    assert audit_actions("risk_case", c.id) == ["risk_case.requested", "risk_case.approved"]
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.object_type == "risk_case")
                                .order_by(AuditEvent.id)).all()
    assert [e.user_id for e in events] == [world["rm_a"].id, world["lead_a"].id]


def test_a_refusal_is_recorded_and_the_case_can_be_asked_again(api, world):
    c = case(world["mine"])
    rm, lead = api("rm_a"), api("lead_a")
    assert rm.post(f"/api/v1/risk-cases/{c.id}/request", json=EXTENSION).status_code == 200
    detail = stored(RiskCase, c.id).action_detail
    assert detail["extension_days"] == 90 and detail["revaluation"] == 1200000
    response = lead.post(f"/api/v1/risk-cases/{c.id}/decision", json={"decision": "refused"})
    assert response.status_code == 200
    assert response.get_json()["decision"] == "refused" and response.get_json()["state"] == "open"
    assert audit_actions("risk_case", c.id) == ["risk_case.requested", "risk_case.refused"]
    response = rm.post(f"/api/v1/risk-cases/{c.id}/request", json=WAIVER)
    assert response.status_code == 200
    assert response.get_json()["decision"] is None
    assert response.get_json()["state"] == "pending_approval"


@pytest.mark.parametrize("body,field", [
    ({**WAIVER, "waiver_share": None}, "waiver_share"),
    ({k: v for k, v in WAIVER.items() if k != "waiver_share"}, "waiver_share"),
    ({**WAIVER, "waiver_share": 0}, "waiver_share"),
    ({**WAIVER, "waiver_share": 1.5}, "waiver_share"),
    ({**WAIVER, "waiver_share": "half"}, "waiver_share"),
    ({k: v for k, v in EXTENSION.items() if k != "extension_days"}, "extension_days"),
    ({k: v for k, v in EXTENSION.items() if k != "revaluation"}, "revaluation"),
    ({**EXTENSION, "extension_days": 0}, "extension_days"),
    ({**EXTENSION, "extension_days": "90"}, "extension_days"),
    ({**EXTENSION, "revaluation": -1}, "revaluation"),
    ({**EXTENSION, "revaluation": "lots"}, "revaluation"),
    ({**WAIVER, "cooperative": False}, "cooperative"),
    ({k: v for k, v in WAIVER.items() if k != "cooperative"}, "cooperative"),
    ({**WAIVER, "action": "forgive"}, "action"),
    ({**WAIVER, "note": "x" * 501}, "note"),
    ({**WAIVER, "surprise": 1}, "surprise"),
])
def test_bad_requests_name_the_field(api, world, body, field):
    c = case(world["mine"])
    response = api("rm_a").post(f"/api/v1/risk-cases/{c.id}/request", json=body)
    assert response.status_code == 422, response.get_json()
    assert field in response.get_json()["fields"]
    after = stored(RiskCase, c.id)
    assert after.state == "open" and after.requested_action is None
    assert audit_actions("risk_case", c.id) == []
    assert db.session.scalars(select(Notification)).all() == []


@pytest.mark.parametrize("who,status", [("rm_b", 404), ("rm_a2", 404), ("lead_b", 404),
                                        ("lead_a", 403), ("analyst", 403), (None, 401)])
def test_only_the_customers_rm_requests(api, world, who, status):
    c = case(world["mine"])
    response = api(who).post(f"/api/v1/risk-cases/{c.id}/request", json=WAIVER)
    assert response.status_code == status
    assert stored(RiskCase, c.id).state == "open"
    assert db.session.scalars(select(Notification)).all() == []


def test_a_request_needs_an_open_case(api, world):
    c = case(world["mine"])
    rm = api("rm_a")
    assert rm.post(f"/api/v1/risk-cases/{c.id}/request", json=WAIVER).status_code == 200
    assert rm.post(f"/api/v1/risk-cases/{c.id}/request", json=EXTENSION).status_code == 409
    assert stored(RiskCase, c.id).requested_action == "waiver"
    closed = case(world["mine"], state="closed", closed_reason="old")
    assert rm.post(f"/api/v1/risk-cases/{closed.id}/request", json=WAIVER).status_code == 409


def test_nothing_to_decide_on_an_open_case(api, world):
    c = case(world["mine"])
    response = api("lead_a").post(f"/api/v1/risk-cases/{c.id}/decision",
                                  json={"decision": "approved"})
    assert response.status_code == 409
    assert stored(RiskCase, c.id).decision is None


@pytest.mark.parametrize("body,field", [({}, "decision"), ({"decision": "maybe"}, "decision"),
                                        ({"decision": "approved", "note": 5}, "note")])
def test_bad_decisions_name_the_field(api, world, body, field):
    c = case(world["mine"])
    assert api("rm_a").post(f"/api/v1/risk-cases/{c.id}/request", json=WAIVER).status_code == 200
    response = api("lead_a").post(f"/api/v1/risk-cases/{c.id}/decision", json=body)
    assert response.status_code == 422
    assert field in response.get_json()["fields"]
    assert stored(RiskCase, c.id).state == "pending_approval"


def test_close_with_a_reason(api, world):
    c = case(world["mine"])
    rm = api("rm_a")
    response = rm.post(f"/api/v1/risk-cases/{c.id}/close", json={})
    assert response.status_code == 422 and "reason" in response.get_json()["fields"]
    response = rm.post(f"/api/v1/risk-cases/{c.id}/close", json={"reason": ""})
    assert response.status_code == 422 and "reason" in response.get_json()["fields"]
    assert api("rm_b").post(f"/api/v1/risk-cases/{c.id}/close",
                            json={"reason": "x"}).status_code == 404
    assert stored(RiskCase, c.id).state == "open"
    response = rm.post(f"/api/v1/risk-cases/{c.id}/close", json={"reason": "已还清逾期款项"})
    assert response.status_code == 200
    body = response.get_json()
    assert body["state"] == "closed" and body["closed_reason"] == "已还清逾期款项"
    assert body["closed_at"] is not None
    assert rm.post(f"/api/v1/risk-cases/{c.id}/close", json={"reason": "x"}).status_code == 409
    assert audit_actions("risk_case", c.id) == ["risk_case.closed"]
    # Closed cases leave the default list but are found by state.
    assert rm.get("/api/v1/risk-cases").get_json()["items"] == []
    [found] = rm.get("/api/v1/risk-cases?state=closed").get_json()["items"]
    assert found["id"] == c.id


def test_a_case_waiting_for_a_decision_cannot_be_closed(api, world):
    c = case(world["mine"])
    rm = api("rm_a")
    assert rm.post(f"/api/v1/risk-cases/{c.id}/request", json=WAIVER).status_code == 200
    assert rm.post(f"/api/v1/risk-cases/{c.id}/close", json={"reason": "x"}).status_code == 409
    assert stored(RiskCase, c.id).state == "pending_approval"


def test_risk_cases_list_only_the_portfolio(api, world):
    small = case(world["mine"], probability=0.2, exposure=100000)
    big = case(world["teammate"], probability=0.7, exposure=2000000, severity=3)
    theirs = case(world["other"])

    def listed(who, query=""):
        response = api(who).get(f"/api/v1/risk-cases{query}")
        assert response.status_code == 200, response.get_json()
        return [c["id"] for c in response.get_json()["items"]]

    assert listed("rm_a") == [small.id]
    assert listed("rm_a2") == [big.id]
    assert listed("rm_b") == [theirs.id]
    assert listed("lead_a") == [big.id, small.id]  # highest expected loss first
    assert listed("lead_b") == [theirs.id]
    assert listed("rm_a", "?state=pending_approval") == []
    [item] = api("rm_a").get("/api/v1/risk-cases").get_json()["items"]
    assert item["signals"] == SIGNALS and item["tier_response"] == "escalated"
    assert item["expected_loss"] == pytest.approx(20000)
    assert item["customer"]["name"] == "杭州恒丰五金"
    assert api("analyst").get("/api/v1/risk-cases").status_code == 403
    assert api("rm_a").get("/api/v1/risk-cases?state=gone").status_code == 422


@pytest.mark.parametrize("who,status", [("rm_a", 200), ("lead_a", 200), ("rm_a2", 404),
                                        ("rm_b", 404), ("lead_b", 404), ("analyst", 403)])
def test_one_risk_case(api, world, who, status):
    c = case(world["mine"])
    response = api(who).get(f"/api/v1/risk-cases/{c.id}")
    assert response.status_code == status
    if status == 200:
        assert response.get_json()["id"] == c.id
    else:
        assert "杭州" not in response.get_data(as_text=True)


# --------------------------------------------------------------------------- moments


def moment(customer, kind="renewal", state="open", **fields) -> KeyMoment:
    row = KeyMoment(customer_id=customer.id, kind=kind, state=state,
                    event_ref=fields.pop("event_ref", f"{kind}:{state}"),
                    due_on=fields.pop("due_on", date(2026, 12, 1)),
                    severity=fields.pop("severity", 2),
                    reasons=fields.pop("reasons", [{"code": kind, "zh": "到期", "en": "Due",
                                                    "value": 7}]), **fields)
    db.session.add(row)
    db.session.commit()
    return row


def test_moments_list_the_portfolios_live_moments(api, world):
    open_ = moment(world["mine"], "renewal")
    acked = moment(world["mine"], "activation", "acknowledged", due_on=date(2026, 12, 5))
    done = moment(world["mine"], "dormancy", "done")
    dismissed = moment(world["mine"], "retention", "dismissed")
    teammate = moment(world["teammate"], "renewal")
    theirs = moment(world["other"], "renewal")

    def listed(who, query=""):
        response = api(who).get(f"/api/v1/moments{query}")
        assert response.status_code == 200, response.get_json()
        return [m["id"] for m in response.get_json()["items"]]

    assert listed("rm_a") == [open_.id, acked.id]
    assert listed("rm_a", "?state=done") == [done.id]
    assert listed("rm_a", "?state=dismissed") == [dismissed.id]
    assert listed("rm_a", "?kind=activation") == [acked.id]
    assert listed("rm_b") == [theirs.id]
    assert set(listed("lead_a")) == {open_.id, acked.id, teammate.id}
    assert listed("lead_b") == [theirs.id]
    [first, _] = api("rm_a").get("/api/v1/moments").get_json()["items"]
    assert first["customer"]["id"] == world["mine"].id and first["kind"] == "renewal"
    assert first["reasons"][0]["code"] == "renewal"
    assert api("analyst").get("/api/v1/moments").status_code == 403
    assert api("rm_a").get("/api/v1/moments?kind=birthday").status_code == 422


def test_acknowledge_then_done(api, world):
    m = moment(world["mine"])
    rm = api("rm_a")
    response = rm.patch(f"/api/v1/moments/{m.id}", json={"state": "acknowledged"})
    assert response.status_code == 200 and response.get_json()["state"] == "acknowledged"
    assert stored(KeyMoment, m.id).resolved_at is None
    response = rm.patch(f"/api/v1/moments/{m.id}", json={"state": "done", "reason": "已续贷"})
    assert response.status_code == 200
    assert response.get_json()["state"] == "done" and response.get_json()["resolution"] == "已续贷"
    after = stored(KeyMoment, m.id)
    assert after.resolved_by == world["rm_a"].id and after.resolved_at is not None
    assert rm.patch(f"/api/v1/moments/{m.id}", json={"state": "acknowledged"}).status_code == 409
    assert audit_actions("key_moment", m.id) == ["moment.acknowledged", "moment.done"]


@pytest.mark.parametrize("body,field", [
    ({"state": "dismissed"}, "reason"), ({"state": "dismissed", "reason": " "}, "reason"),
    ({"state": "open"}, "state"), ({}, "state"), ({"state": 1}, "state"),
    ({"state": "done", "left_reason": ""}, "left_reason"),
    ({"state": "done", "left_reason": 5}, "left_reason"),
])
def test_bad_moment_patches_name_the_field(api, world, body, field):
    m = moment(world["mine"], "retention")
    response = api("rm_a").patch(f"/api/v1/moments/{m.id}", json=body)
    assert response.status_code == 422, response.get_json()
    assert field in response.get_json()["fields"]
    assert stored(KeyMoment, m.id).state == "open"


@pytest.mark.parametrize("who,status", [("rm_b", 404), ("rm_a2", 404), ("lead_b", 404),
                                        ("analyst", 403), (None, 401)])
def test_another_portfolios_moment_cannot_be_changed(api, world, who, status):
    m = moment(world["mine"])
    response = api(who).patch(f"/api/v1/moments/{m.id}", json={"state": "done"})
    assert response.status_code == status
    assert stored(KeyMoment, m.id).state == "open"


def test_left_reason_is_kept_on_the_customer(api, world):
    m = moment(world["mine"], "retention")
    response = api("rm_a").patch(f"/api/v1/moments/{m.id}",
                                 json={"state": "done", "left_reason": "转投他行：利率更低"})
    assert response.status_code == 200, response.get_json()
    assert stored(Customer, world["mine"].id).leave_reason == "转投他行：利率更低"
    assert stored(KeyMoment, m.id).state == "done"


def test_left_reason_only_on_a_retention_moment(api, world):
    m = moment(world["mine"], "renewal")
    response = api("rm_a").patch(f"/api/v1/moments/{m.id}",
                                 json={"state": "done", "left_reason": "转投他行"})
    assert response.status_code == 422
    assert "left_reason" in response.get_json()["fields"]
    assert stored(Customer, world["mine"].id).leave_reason is None
    assert stored(KeyMoment, m.id).state == "open"


# --------------------------------------------------------------------------- 360 card


def test_the_card_shows_the_customers_moments_and_risk_cases(api, world):
    live = moment(world["mine"], "renewal")
    moment(world["mine"], "dormancy", "done")
    moment(world["teammate"], "renewal")
    open_case = case(world["mine"])
    case(world["mine"], state="closed", closed_reason="old", opened_on=date(2026, 1, 5))
    case(world["teammate"])
    response = api("rm_a").get(f"/api/v1/customers/{world['mine'].id}")
    assert response.status_code == 200, response.get_json()
    card = response.get_json()
    assert [m["id"] for m in card["moments"]] == [live.id]
    assert card["moments"][0]["kind"] == "renewal" and card["moments"][0]["reasons"]
    assert [c["id"] for c in card["risk_cases"]] == [open_case.id]
    assert card["risk_cases"][0]["signals"] == SIGNALS
    assert card["risk_cases"][0]["state"] == "open"
