"""Referrals from other lines: routing, the RM's alert, SLA timers, working them, credit."""

import uuid
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select, update

from backend.auth.models import AuditEvent
from backend.extensions import db
from backend.models_base import utcnow
from backend.offers.models import Offer
from backend.push.models import Notification
from backend.referrals.models import Referral
from backend.referrals.service import sla_due
from tests import factories

NEED = "想办一笔流动资金贷款，旺季备货"


@pytest.fixture
def world(app):
    people = factories.two_teams()
    people["other_referrer"] = factories.user("referrer2", "referrer", line="retail",
                                              display_name="零售小李")
    people["referrer"].line = "retail"
    factories.product("WCL", family="loan", is_credit=True)
    mine = factories.customer(people["rm_a"], name="杭州恒丰五金", external_id="C100001")
    teammate = factories.customer(people["rm_a2"], name="宁波鑫达贸易", external_id="C100002")
    other = factories.customer(people["rm_b"], name="苏州华盛餐饮", external_id="C100003")
    db.session.commit()
    return {**people, "mine": mine, "teammate": teammate, "other": other}


@pytest.fixture
def api(api_once):
    return api_once


def stored(model, row_id):
    db.session.expire_all()
    return db.session.get(model, row_id)


def notes_for(user, kind) -> list[Notification]:
    db.session.expire_all()
    return list(db.session.scalars(select(Notification).where(
        Notification.user_id == user.id, Notification.kind == kind)))


def refer(client, **body):
    return client.post("/api/v1/referrals", json={"need": NEED, **body})


def referral_for(api, external_id, who="referrer") -> dict:
    response = refer(api(who), customer_external_id=external_id)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


# --------------------------------------------------------------------------- submitting


def test_an_existing_customer_goes_to_its_rm_who_is_alerted(api, world):
    response = refer(api("referrer"), customer_external_id="C100001", product_code="WCL")
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["state"] == "new" and body["need"] == NEED and body["product_code"] == "WCL"
    assert body["rm"] == {"id": world["rm_a"].id, "name": "rm_a"}
    # the referrer sees the number they gave, never the customer's data
    assert body["customer"] == {"external_id": "C100001"}
    assert "杭州" not in response.get_data(as_text=True)
    assert body["sla"]["ack_due"] is not None and body["sla"]["contact_due"] is not None
    assert body["sla"]["ack_missed"] is False and body["sla"]["contact_missed"] is False

    row = stored(Referral, body["id"])
    assert row.rm_id == world["rm_a"].id and row.customer_id == world["mine"].id
    assert row.referrer_id == world["referrer"].id and row.from_line == "retail"
    assert row.prospect is None and row.alerted_at is not None
    assert (row.ack_due_at, row.contact_due_at) == sla_due(row.created_at)
    [note] = notes_for(world["rm_a"], "referral")
    assert note.urgency == "high" and note.status == "queued"
    assert note.detail == {"referral_id": body["id"]} and note.url == "/referrals"
    assert "杭州恒丰五金" in note.body
    assert notes_for(world["rm_b"], "referral") == [] and notes_for(world["lead_a"],
                                                                    "referral") == []
    assert db.session.scalars(select(AuditEvent.action).where(
        AuditEvent.object_type == "referral")).all() == ["referral.submitted"]

    # the RM sees the customer's card data
    [seen] = api("rm_a").get("/api/v1/referrals").get_json()["items"]
    assert seen["customer"]["id"] == world["mine"].id
    assert seen["customer"]["name"] == "杭州恒丰五金"
    assert seen["referrer"]["id"] == world["referrer"].id


def test_a_prospect_goes_to_the_rm_with_most_customers_in_the_region(api, world):
    factories.customer(world["rm_b"], region="杭州")
    factories.customer(world["rm_b"], region="杭州")
    factories.customer(world["rm_a"], region="杭州")
    factories.customer(world["rm_a"], region="宁波")
    factories.customer(world["rm_a"], region="宁波")
    factories.customer(world["rm_a"], region="宁波")
    db.session.commit()
    response = refer(api("referrer"), prospect={"name": "杭州新开五金店", "region": "杭州",
                                                "phone": "13800000000"})
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["rm"]["id"] == world["rm_b"].id and body["customer"] is None
    assert body["prospect"]["name"] == "杭州新开五金店"
    row = stored(Referral, body["id"])
    assert row.customer_id is None and row.prospect["region"] == "杭州"
    [note] = notes_for(world["rm_b"], "referral")
    assert note.urgency == "high" and "杭州新开五金店" in note.body


def test_among_equals_the_rm_with_fewer_open_referrals(api, world):
    factories.customer(world["rm_a"], region="杭州")
    factories.customer(world["rm_b"], region="杭州")
    db.session.commit()
    referral_for(api, "C100001")  # rm_a has an open referral already
    response = refer(api("referrer"), prospect={"name": "杭州新开五金店", "region": "杭州"})
    assert response.get_json()["rm"]["id"] == world["rm_b"].id
    # a closed referral no longer counts: now both have one open
    lost = referral_for(api, "C100003")
    db.session.execute(update(Referral).where(Referral.id == lost["id"])
                       .values(state="lost", lost_reason="x"))
    db.session.commit()
    response = refer(api("referrer"), prospect={"name": "杭州另一家店", "region": "杭州"})
    assert response.get_json()["rm"]["id"] == world["rm_a"].id


@pytest.mark.parametrize("body,field", [
    ({"customer_external_id": "C100001", "prospect": {"name": "新公司", "region": "杭州"}},
     "customer_external_id"),
    ({}, "customer_external_id"),
    ({"customer_external_id": ""}, "customer_external_id"),
    ({"customer_external_id": "C999999"}, "customer_external_id"),
    ({"customer_external_id": "C100001", "need": ""}, "need"),
    ({"customer_external_id": "C100001", "need": None}, "need"),
    ({"prospect": {"region": "杭州"}}, "prospect"),
    ({"prospect": {"name": "x"}}, "prospect"),
    ({"customer_external_id": 100001}, "customer_external_id"),
])
def test_bad_referrals_name_the_field(api, world, body, field):
    response = refer(api("referrer"), **body)
    assert response.status_code == 422, response.get_json()
    assert field in response.get_json()["fields"]
    assert db.session.scalars(select(Referral)).all() == []
    assert db.session.scalars(select(Notification)).all() == []


def test_a_closed_customer_cannot_be_referred(api, world):
    world["mine"].status = "closed"
    db.session.commit()
    response = refer(api("referrer"), customer_external_id="C100001")
    assert response.status_code == 422
    assert "customer_external_id" in response.get_json()["fields"]


@pytest.mark.parametrize("who,status", [("rm_a", 403), ("lead_a", 403), ("analyst", 403),
                                        (None, 401)])
def test_only_referrers_refer(api, world, who, status):
    response = refer(api(who), customer_external_id="C100001")
    assert response.status_code == status
    assert db.session.scalars(select(Referral)).all() == []


# --------------------------------------------------------------------------- SLA

SHANGHAI = timedelta(hours=8)


def utc(*local) -> datetime:
    """A Shanghai wall-clock time as naive UTC."""
    return datetime(*local) - SHANGHAI


@pytest.mark.parametrize("created,ack,contact", [
    # Monday 10:00: an hour later; two business days later at the same time
    (utc(2026, 11, 30, 10, 0), utc(2026, 11, 30, 11, 0), utc(2026, 12, 2, 10, 0)),
    # Friday 17:00: half an hour on Friday, half an hour on Monday
    (utc(2026, 12, 4, 17, 0), utc(2026, 12, 7, 9, 30), utc(2026, 12, 8, 17, 0)),
    # Saturday: the clock starts on Monday at opening
    (utc(2026, 12, 5, 11, 0), utc(2026, 12, 7, 10, 0), utc(2026, 12, 8, 17, 30)),
    # before opening, and after closing
    (utc(2026, 12, 1, 7, 0), utc(2026, 12, 1, 10, 0), utc(2026, 12, 2, 17, 30)),
    (utc(2026, 12, 1, 18, 0), utc(2026, 12, 2, 10, 0), utc(2026, 12, 3, 17, 30)),
    # New Year's Eve 16:00: 1 January 2027 is a holiday, then a weekend
    (utc(2026, 12, 31, 16, 0), utc(2026, 12, 31, 17, 0), utc(2027, 1, 5, 16, 0)),
])
def test_sla_due_on_business_hours(app, created, ack, contact):
    assert sla_due(created) == (ack, contact)


def test_sla_due_in_utc_explicitly():
    ack, contact = sla_due(datetime(2026, 11, 30, 2, 0))
    assert ack == datetime(2026, 11, 30, 3, 0)
    assert contact == datetime(2026, 12, 2, 2, 0)


# --------------------------------------------------------------------------- listing


def test_each_sees_their_referrals(api, world):
    to_a = referral_for(api, "C100001")["id"]
    to_a2 = referral_for(api, "C100002")["id"]
    to_b = referral_for(api, "C100003", who="referrer2")["id"]

    def listed(who):
        response = api(who).get("/api/v1/referrals")
        assert response.status_code == 200, response.get_json()
        return sorted(r["id"] for r in response.get_json()["items"])

    assert listed("referrer") == sorted([to_a, to_a2])
    assert listed("referrer2") == [to_b]
    assert listed("rm_a") == [to_a]
    assert listed("rm_a2") == [to_a2]
    assert listed("rm_b") == [to_b]
    assert listed("lead_a") == sorted([to_a, to_a2])
    assert listed("lead_b") == [to_b]
    assert api("analyst").get("/api/v1/referrals").status_code == 403
    assert api().get("/api/v1/referrals").status_code == 401
    text = api("referrer").get("/api/v1/referrals").get_data(as_text=True)
    assert "杭州恒丰五金" not in text and "宁波鑫达贸易" not in text
    for item in api("referrer").get("/api/v1/referrals").get_json()["items"]:
        assert set(item["customer"]) == {"external_id"}


def test_a_missed_acknowledgement_shows(api, world):
    late = referral_for(api, "C100001")["id"]
    acked = referral_for(api, "C100001")["id"]
    db.session.execute(update(Referral).where(Referral.id.in_([late, acked]))
                       .values(ack_due_at=utcnow() - timedelta(hours=1)))
    db.session.execute(update(Referral).where(Referral.id == acked)
                       .values(acknowledged_at=utcnow() - timedelta(hours=2)))
    db.session.commit()
    items = {r["id"]: r for r in api("rm_a").get("/api/v1/referrals").get_json()["items"]}
    assert items[late]["sla"]["ack_missed"] is True
    assert items[late]["sla"]["contact_missed"] is False
    assert items[acked]["sla"]["ack_missed"] is False
    mine = {r["id"]: r for r in api("referrer").get("/api/v1/referrals").get_json()["items"]}
    assert mine[late]["sla"]["ack_missed"] is True


# --------------------------------------------------------------------------- working them


def test_the_rm_works_a_referral(api, world):
    rid = referral_for(api, "C100001")["id"]
    rm = api("rm_a")
    response = rm.patch(f"/api/v1/referrals/{rid}", json={"state": "acknowledged"})
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["state"] == "acknowledged" and body["acknowledged_at"] is not None
    assert body["first_contact_at"] is None
    response = rm.patch(f"/api/v1/referrals/{rid}", json={"state": "contacted"})
    assert response.status_code == 200
    assert response.get_json()["first_contact_at"] is not None
    row = stored(Referral, rid)
    assert row.state == "contacted" and row.first_contact_at is not None
    response = rm.patch(f"/api/v1/referrals/{rid}", json={"state": "lost"})
    assert response.status_code == 422 and "reason" in response.get_json()["fields"]
    response = rm.patch(f"/api/v1/referrals/{rid}", json={"state": "lost", "reason": " "})
    assert response.status_code == 422
    assert stored(Referral, rid).state == "contacted"
    response = rm.patch(f"/api/v1/referrals/{rid}",
                        json={"state": "lost", "reason": "已在他行办理"})
    assert response.status_code == 200
    assert response.get_json()["lost_reason"] == "已在他行办理"
    assert response.get_json()["closed_at"] is not None
    response = rm.patch(f"/api/v1/referrals/{rid}", json={"state": "won"})
    assert response.status_code == 409
    assert stored(Referral, rid).state == "lost"
    actions = db.session.scalars(select(AuditEvent.action).where(
        AuditEvent.object_type == "referral", AuditEvent.object_id == rid)
        .order_by(AuditEvent.id)).all()
    assert actions == ["referral.submitted", "referral.acknowledged", "referral.contacted",
                       "referral.lost"]


def test_contact_acknowledges_too(api, world):
    rid = referral_for(api, "C100001")["id"]
    response = api("rm_a").patch(f"/api/v1/referrals/{rid}", json={"state": "contacted"})
    assert response.status_code == 200
    row = stored(Referral, rid)
    assert row.acknowledged_at is not None and row.first_contact_at is not None


@pytest.mark.parametrize("who,status", [("rm_b", 404), ("rm_a2", 404), ("lead_b", 404),
                                        ("referrer", 403), ("analyst", 403), (None, 401)])
def test_only_the_rm_works_a_referral(api, world, who, status):
    rid = referral_for(api, "C100001")["id"]
    response = api(who).patch(f"/api/v1/referrals/{rid}", json={"state": "acknowledged"})
    assert response.status_code == status
    row = stored(Referral, rid)
    assert row.state == "new" and row.acknowledged_at is None


@pytest.mark.parametrize("body", [{}, {"state": "new"}, {"state": "maybe"}, {"state": 1}])
def test_bad_patches_name_the_state(api, world, body):
    rid = referral_for(api, "C100001")["id"]
    response = api("rm_a").patch(f"/api/v1/referrals/{rid}", json=body)
    assert response.status_code == 422
    assert "state" in response.get_json()["fields"]


# --------------------------------------------------------------------------- credit


def offer_for(customer) -> Offer:
    product = db.session.scalar(select(factories.Product).where(factories.Product.code == "WCL"))
    row = Offer(customer_id=customer.id, product_id=product.id, as_of=date(2026, 11, 30),
                score=0.6, expected_value=1200, state="suggested")
    db.session.add(row)
    db.session.commit()
    return row


def feedback(client, offer_id, state, **extra):
    write = {"client_id": str(uuid.uuid4()), "kind": "offer_feedback",
             "body": {"offer_id": offer_id, "state": state, **extra}}
    response = client.post("/api/v1/sync", json={"writes": [write]})
    assert response.status_code == 200, response.get_json()
    [result] = response.get_json()["results"]
    assert result["status"] == "created", result
    return result


def test_a_sale_credits_the_rm_and_the_referrer(api, world):
    rid = referral_for(api, "C100001")["id"]
    o = offer_for(world["mine"])
    rm = api("rm_a")
    feedback(rm, o.id, "accepted")
    assert stored(Referral, rid).state == "new"
    feedback(rm, o.id, "sold", amount="500000.00")
    row = stored(Referral, rid)
    assert row.state == "won" and row.closed_at is not None
    assert row.acknowledged_at is not None and row.first_contact_at is not None
    assert row.credit == {"rm_id": world["rm_a"].id, "referrer_id": world["referrer"].id,
                          "offer_id": o.id, "amount": 500000.0}
    sold = stored(Offer, o.id)
    assert sold.state == "sold" and sold.referral_id == rid
    assert sold.credited_rm_id == world["rm_a"].id
    [seen] = api("referrer").get("/api/v1/referrals").get_json()["items"]
    assert seen["state"] == "won" and seen["credit"]["amount"] == 500000.0
    assert "referral.credited" in db.session.scalars(select(AuditEvent.action)).all()


def test_a_sale_without_an_open_referral_credits_nobody(api, world):
    elsewhere = referral_for(api, "C100002")["id"]  # another customer's
    lost = referral_for(api, "C100001")["id"]
    db.session.execute(update(Referral).where(Referral.id == lost)
                       .values(state="lost", lost_reason="x"))
    db.session.commit()
    o = offer_for(world["mine"])
    rm = api("rm_a")
    feedback(rm, o.id, "accepted")
    feedback(rm, o.id, "sold", amount="80000")
    sold = stored(Offer, o.id)
    assert sold.state == "sold" and sold.referral_id is None
    assert stored(Referral, elsewhere).state == "new"
    assert stored(Referral, elsewhere).credit is None
    assert stored(Referral, lost).state == "lost" and stored(Referral, lost).credit is None
