"""Price quotes: inside the RM's band at once, outside it the team lead decides (docs/offers.md)."""

from datetime import date, timedelta

import pytest
from sqlalchemy import select, update

from backend.auth.models import AuditEvent
from backend.extensions import db
from backend.models_base import utcnow
from backend.offers.models import Offer, PriceQuote
from backend.push.models import Notification
from tests import factories

RATE = {"unit": "rate", "list": 0.048, "floor": 0.03, "suggested": 0.045, "pd": 0.01,
        "pd_default": False}
FEE = {"unit": "fee", "list": 30, "floor": 25, "suggested": 30, "pd": None,
       "pd_default": False}


@pytest.fixture
def world(app):
    people = factories.two_teams()
    people["rm_a"].grade = 1  # +/- 10 bp around the suggested rate
    loan = factories.product("WCL", family="loan", is_credit=True)
    cash = factories.product("CMS", family="cash_management")
    mine = factories.customer(people["rm_a"], name="杭州恒丰五金")
    other = factories.customer(people["rm_b"], name="苏州华盛餐饮")
    db.session.commit()
    return {**people, "loan": loan, "cash": cash, "mine": mine, "other": other}


def offer(customer, product, price=RATE, state="suggested") -> Offer:
    row = Offer(customer_id=customer.id, product_id=product.id, as_of=date(2026, 11, 30),
                score=0.6, expected_value=1200, state=state, price=price)
    db.session.add(row)
    db.session.commit()
    return row


def stored(model, row_id):
    db.session.expire_all()
    return db.session.get(model, row_id)


def audit_actions(object_id) -> list[str]:
    return list(db.session.scalars(select(AuditEvent.action).where(
        AuditEvent.object_type == "price_quote", AuditEvent.object_id == object_id)
        .order_by(AuditEvent.id)))


def notes_for(user, kind) -> list[Notification]:
    db.session.expire_all()
    return list(db.session.scalars(select(Notification).where(
        Notification.user_id == user.id, Notification.kind == kind)))


def quote(client, offer_id, price, **extra):
    return client.post("/api/v1/quotes", json={"offer_id": offer_id, "price": price, **extra})


def pending_quote(api, world) -> dict:
    o = offer(world["mine"], world["loan"])
    response = quote(api("rm_a"), o.id, 0.0400, note="大客户，竞争行报价 4.0%")
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["state"] == "pending_approval"
    return response.get_json()


def test_a_price_inside_the_band_is_approved_at_once(api, world):
    o = offer(world["mine"], world["loan"])
    response = quote(api("rm_a"), o.id, 0.0450)
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["state"] == "approved" and body["offer_id"] == o.id
    assert body["rm_id"] == world["rm_a"].id and body["unit"] == "rate"
    assert body["price"] == pytest.approx(0.045)
    assert body["band_min"] == pytest.approx(0.0440) and body["band_max"] == pytest.approx(0.0460)
    assert body["decided_at"] is not None and body["approver_id"] is None
    assert body["expires_at"] is not None
    row = stored(PriceQuote, body["id"])
    assert row.expires_at - row.created_at == pytest.approx(timedelta(days=14),
                                                            abs=timedelta(seconds=5))
    assert notes_for(world["lead_a"], "approval_requested") == []
    assert audit_actions(body["id"]) == ["quote.created"]
    assert api("lead_a").get("/api/v1/approvals").get_json()["items"] == []


@pytest.mark.parametrize("price,state", [(0.0440, "approved"), (0.0460, "approved"),
                                         (0.0439, "pending_approval"),
                                         (0.0461, "pending_approval")])
def test_the_band_edges(api, world, price, state):
    o = offer(world["mine"], world["loan"])
    response = quote(api("rm_a"), o.id, price)
    assert response.status_code == 201
    assert response.get_json()["state"] == state


def test_a_higher_grade_has_a_wider_band(api, world):
    world["rm_a"].grade = 3  # +/- 25 bp
    db.session.commit()
    o = offer(world["mine"], world["loan"])
    body = quote(api("rm_a"), o.id, 0.0430).get_json()
    assert body["state"] == "approved"
    assert body["band_min"] == pytest.approx(0.0425) and body["band_max"] == pytest.approx(0.0475)


def test_a_price_outside_the_band_waits_for_the_lead(api, world):
    body = pending_quote(api, world)
    assert body["price"] == pytest.approx(0.04)
    assert body["decided_at"] is None and body["approver_id"] is None
    [note] = notes_for(world["lead_a"], "approval_requested")
    assert note.status == "queued" and note.detail == {"quote_id": body["id"]}
    assert note.url == "/approvals" and "4.00%" in note.body
    assert notes_for(world["lead_b"], "approval_requested") == []
    assert notes_for(world["rm_a2"], "approval_requested") == []
    assert audit_actions(body["id"]) == ["quote.created"]

    [waiting] = api("lead_a").get("/api/v1/approvals").get_json()["items"]
    assert waiting["kind"] == "quote" and waiting["id"] == body["id"]
    assert waiting["customer"]["id"] == world["mine"].id
    assert waiting["requested_by"]["id"] == world["rm_a"].id
    assert waiting["detail"]["price"] == pytest.approx(0.04)
    assert waiting["detail"]["band"] == {"min": pytest.approx(0.044), "max": pytest.approx(0.046)}
    assert waiting["detail"]["product"]["code"] == "WCL"
    assert waiting["note"] == "大客户，竞争行报价 4.0%"
    assert api("lead_b").get("/api/v1/approvals").get_json()["items"] == []


def test_a_fee_quote_rounds_to_whole_yuan(api, world):
    o = offer(world["mine"], world["cash"], price=FEE)
    response = quote(api("rm_a"), o.id, 29.6)
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["unit"] == "fee" and body["price"] == 30.0 and body["state"] == "approved"
    assert body["band_min"] == float(int(body["band_min"]))
    assert body["band_max"] == float(int(body["band_max"]))
    assert stored(PriceQuote, body["id"]).price == 30
    low = quote(api("rm_a"), o.id, 20.2).get_json()
    assert low["price"] == 20.0 and low["state"] == "pending_approval"
    [note] = notes_for(world["lead_a"], "approval_requested")
    assert "20" in note.body and "%" not in note.body


def test_the_lead_of_the_team_approves(api, world):
    body = pending_quote(api, world)
    qid = body["id"]
    rm = api("rm_a")
    assert rm.post(f"/api/v1/quotes/{qid}/approve", json={}).status_code == 403
    assert api("rm_a2").post(f"/api/v1/quotes/{qid}/approve", json={}).status_code == 404
    response = api("lead_b").post(f"/api/v1/quotes/{qid}/approve", json={})
    assert response.status_code == 404
    assert "杭州" not in response.get_data(as_text=True)
    assert api("analyst").post(f"/api/v1/quotes/{qid}/approve", json={}).status_code == 403
    assert api().post(f"/api/v1/quotes/{qid}/approve", json={}).status_code == 401
    assert stored(PriceQuote, qid).state == "pending_approval"
    assert notes_for(world["rm_a"], "approval_decided") == []

    lead = api("lead_a")
    response = lead.post(f"/api/v1/quotes/{qid}/approve", json={"note": "同意"})
    assert response.status_code == 200, response.get_json()
    decided = response.get_json()
    assert decided["state"] == "approved" and decided["approver_id"] == world["lead_a"].id
    assert decided["decided_at"] is not None
    row = stored(PriceQuote, qid)
    assert row.state == "approved" and row.approver_id == world["lead_a"].id
    assert row.decided_at is not None
    [note] = notes_for(world["rm_a"], "approval_decided")
    assert note.detail == {"quote_id": qid}
    assert lead.get("/api/v1/approvals").get_json()["items"] == []

    again = lead.post(f"/api/v1/quotes/{qid}/refuse", json={})
    assert again.status_code == 409
    assert lead.post(f"/api/v1/quotes/{qid}/approve", json={}).status_code == 409
    assert stored(PriceQuote, qid).state == "approved"
    assert audit_actions(qid) == ["quote.created", "quote.approved"]
    events = db.session.scalars(select(AuditEvent).where(
        AuditEvent.object_type == "price_quote").order_by(AuditEvent.id)).all()
    assert [e.user_id for e in events] == [world["rm_a"].id, world["lead_a"].id]


def test_the_lead_refuses(api, world):
    qid = pending_quote(api, world)["id"]
    lead = api("lead_a")
    response = lead.post(f"/api/v1/quotes/{qid}/refuse", json={"note": "低于定价下限要求"})
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["state"] == "refused"
    assert response.get_json()["approver_id"] == world["lead_a"].id
    assert stored(PriceQuote, qid).state == "refused"
    [note] = notes_for(world["rm_a"], "approval_decided")
    assert note.detail == {"quote_id": qid}
    assert lead.post(f"/api/v1/quotes/{qid}/approve", json={}).status_code == 409
    assert audit_actions(qid) == ["quote.created", "quote.refused"]


def test_an_approved_quote_cannot_be_decided(api, world):
    o = offer(world["mine"], world["loan"])
    qid = quote(api("rm_a"), o.id, 0.045).get_json()["id"]
    assert api("lead_a").post(f"/api/v1/quotes/{qid}/refuse", json={}).status_code == 409
    assert stored(PriceQuote, qid).state == "approved"


def test_an_unknown_quote_is_404(api, world):
    assert api("lead_a").post("/api/v1/quotes/999999/approve", json={}).status_code == 404


def expire(qid):
    db.session.execute(update(PriceQuote).where(PriceQuote.id == qid)
                       .values(expires_at=utcnow() - timedelta(minutes=1)))
    db.session.commit()


def test_an_undecided_quote_expires_on_a_decision_attempt(api, world):
    qid = pending_quote(api, world)["id"]
    expire(qid)
    response = api("lead_a").post(f"/api/v1/quotes/{qid}/approve", json={})
    assert response.status_code == 409
    assert stored(PriceQuote, qid).state == "expired"
    assert stored(PriceQuote, qid).approver_id is None
    assert notes_for(world["rm_a"], "approval_decided") == []
    assert audit_actions(qid) == ["quote.created"]


def test_an_undecided_quote_expires_on_reading_the_approvals(api, world):
    qid = pending_quote(api, world)["id"]
    fresh = pending_quote(api, world)["id"]
    expire(qid)
    lead = api("lead_a")
    assert [i["id"] for i in lead.get("/api/v1/approvals").get_json()["items"]] == [fresh]
    assert stored(PriceQuote, qid).state == "expired"
    assert stored(PriceQuote, fresh).state == "pending_approval"
    assert lead.post(f"/api/v1/quotes/{qid}/refuse", json={}).status_code == 409
    assert stored(PriceQuote, qid).state == "expired"


def test_only_the_customers_rm_quotes(api, world):
    o = offer(world["mine"], world["loan"])
    assert quote(api("rm_b"), o.id, 0.045).status_code == 404
    assert quote(api("rm_a2"), o.id, 0.045).status_code == 404
    assert quote(api("rm_a"), 999999, 0.045).status_code == 404
    for who in ("lead_a", "referrer", "analyst", "admin"):
        assert quote(api(who), o.id, 0.045).status_code == 403, who
    assert quote(api(), o.id, 0.045).status_code == 401
    assert db.session.scalars(select(PriceQuote)).all() == []
    assert db.session.scalars(select(Notification)).all() == []
    assert db.session.scalars(select(AuditEvent).where(
        AuditEvent.object_type == "price_quote")).all() == []


@pytest.mark.parametrize("price,state", [(None, "suggested"), (RATE, "sold"),
                                         (RATE, "declined"), (RATE, "expired")])
def test_an_offer_without_a_live_price_cannot_be_quoted(api, world, price, state):
    o = offer(world["mine"], world["loan"], price=price, state=state)
    response = quote(api("rm_a"), o.id, 0.045)
    assert response.status_code == 422, response.get_json()
    assert "offer_id" in response.get_json()["fields"]
    assert db.session.scalars(select(PriceQuote)).all() == []


@pytest.mark.parametrize("body,field", [
    ({"price": 0.045}, "offer_id"),
    ({"offer_id": "1", "price": 0.045}, "offer_id"),
    ({"offer_id": None, "price": 0.045}, "offer_id"),
    ({"offer_id": 1}, "price"),
    ({"offer_id": 1, "price": -0.01}, "price"),
    ({"offer_id": 1, "price": "low"}, "price"),
    ({"offer_id": 1, "price": "0.045"}, "price"),
    ({"offer_id": 1, "price": True}, "price"),
    ({"offer_id": 1, "price": None}, "price"),
    ({"offer_id": 1, "price": 0.045, "note": "x" * 501}, "note"),
    ({"offer_id": 1, "price": 0.045, "surprise": 1}, "surprise"),
])
def test_bad_quotes_name_the_field(api, world, body, field):
    o = offer(world["mine"], world["loan"])
    if body.get("offer_id") == 1:
        body = {**body, "offer_id": o.id}
    response = api("rm_a").post("/api/v1/quotes", json=body)
    assert response.status_code == 422, response.get_json()
    assert field in response.get_json()["fields"]
    assert db.session.scalars(select(PriceQuote)).all() == []


@pytest.mark.parametrize("body,field", [({"note": 5}, "note"), ({"note": "x" * 501}, "note")])
def test_bad_decisions_name_the_field(api, world, body, field):
    qid = pending_quote(api, world)["id"]
    response = api("lead_a").post(f"/api/v1/quotes/{qid}/approve", json=body)
    assert response.status_code == 422
    assert field in response.get_json()["fields"]
    assert stored(PriceQuote, qid).state == "pending_approval"
