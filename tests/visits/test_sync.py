"""POST /api/v1/sync: every result status, mixed batches, scoping per item, idempotency."""

import uuid
from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, func, select

from backend.calendar.models import PlanEntry
from backend.extensions import db, limiter
from backend.offers.models import Offer
from backend.sync import SyncWrite
from backend.visits.models import Interaction
from tests import factories
from tests.budget import examples


def visit(cid, **overrides):
    body = {"customer_id": cid, "channel": "visit",
            "started_at": "2026-11-20T10:30:00+08:00", "outcome": "interested",
            "notes": "店里生意不错，想了解流动资金贷款",
            "products_discussed": [{"product_code": "WCL", "answer": "interested"}]}
    body.update(overrides)
    return body


def write(body, kind="interaction", client_id=None, **extra):
    return {"client_id": client_id or str(uuid.uuid4()), "kind": kind, "body": body, **extra}


def sync(client, *writes):
    response = client.post("/api/v1/sync", json={"writes": list(writes)})
    assert response.status_code == 200, response.get_json()
    return response.get_json()["results"]


def count(model):
    return db.session.scalar(select(func.count()).select_from(model))


def test_created_then_duplicate_answers_as_the_first_time(api, world):
    rm = api("rm_a")
    w = write(visit(world["mine"].id))
    [first] = sync(rm, w)
    assert first["status"] == "created" and first["version"] == 1
    [again] = sync(rm, w)
    assert again == {**first, "status": "duplicate"}
    stored = db.session.scalar(select(Interaction))
    assert count(Interaction) == 1 and stored.client_id == w["client_id"]
    assert stored.started_at.isoformat() == "2026-11-20T02:30:00"  # stored as UTC
    assert stored.rm_id == world["rm_a"].id
    assert stored.products_discussed == [{"product_code": "WCL", "answer": "interested"}]


def test_same_client_id_with_another_body_is_a_conflict_with_both_versions(api, world):
    rm = api("rm_a")
    w = write(visit(world["mine"].id))
    sync(rm, w)
    changed = {**w, "body": visit(world["mine"].id, notes="another text")}
    [result] = sync(rm, changed)
    assert result["status"] == "conflict"
    assert result["server"]["notes"] == w["body"]["notes"]
    assert result["client"]["notes"] == "another text"
    assert count(Interaction) == 1


@pytest.mark.parametrize("bad,field", [
    ({"client_id": "not-a-uuid"}, "client_id"),
    ({"kind": "teleport"}, "kind"),
    ({"body": ["not", "an", "object"]}, "body"),
    ({"base_version": 0}, "base_version"),
    ({"extra": 1}, "extra"),
])
def test_bad_envelopes_are_invalid_naming_the_field(api, world, bad, field):
    [result] = sync(api("rm_a"), {**write(visit(world["mine"].id)), **bad})
    assert result["status"] == "invalid"
    assert field in result["error"]["fields"]


@pytest.mark.parametrize("change,field", [
    ({"channel": "pigeon"}, "channel"),
    ({"started_at": "yesterday"}, "started_at"),
    ({"started_at": "2026-11-20T10:30:00"}, "started_at"),  # no offset: ambiguous
    ({"customer_id": "12"}, "customer_id"),
    ({"notes": "x" * 4001}, "notes"),
    ({"outcome": None}, "outcome"),
    ({"products_discussed": [{"product_code": "WCL", "answer": "declined"}]},
     "products_discussed"),
    ({"products_discussed": [{"product_code": "NOPE", "answer": "interested"}]},
     "products_discussed"),
    ({"location": {"lat": 91, "lng": 0}}, "location"),
    ({"surprise": True}, "surprise"),
])
def test_bad_bodies_are_invalid_and_write_nothing(api, world, change, field):
    [result] = sync(api("rm_a"), write(visit(world["mine"].id, **change)))
    assert result["status"] == "invalid", result
    assert field in result["error"]["fields"]
    assert count(Interaction) == 0 and count(SyncWrite) == 0


@pytest.mark.parametrize("who,target,status", [
    ("rm_a", "mine", "created"), ("rm_a", "teammate", "forbidden"),
    ("rm_a", "other", "forbidden"), ("lead_a", "teammate", "created"),
    ("lead_b", "mine", "forbidden"), ("rm_b", "other", "created"),
])
def test_scoping_is_checked_per_item(api, world, who, target, status):
    [result] = sync(api(who), write(visit(world[target].id)))
    assert result["status"] == status
    if status == "forbidden":
        assert "MINE" not in str(result) and count(Interaction) == 0


def test_unknown_customer_is_forbidden_too(api, world):
    [result] = sync(api("rm_a"), write(visit(987654)))
    assert result["status"] == "forbidden"


@pytest.mark.parametrize("who,status", [("referrer", 403), ("analyst", 403), (None, 401)])
def test_roles_without_customers_cannot_sync(api, world, who, status):
    client = api(who)
    response = client.post("/api/v1/sync", json={"writes": [write(visit(world["mine"].id))]})
    assert response.status_code == status


def test_sync_needs_the_csrf_token(api, world):
    client = api("rm_a")
    response = client.http.post("/api/v1/sync", json={"writes": []})
    assert response.status_code == 403


@pytest.mark.parametrize("payload,field", [
    ({}, "writes"), ({"writes": "x"}, "writes"), ({"writes": [{}] * 501}, "writes"),
    ({"writes": [], "more": 1}, "more"),
])
def test_bad_batches_are_422(api, world, payload, field):
    response = api("rm_a").post("/api/v1/sync", json=payload)
    assert response.status_code == 422 and field in response.get_json()["fields"]


def test_a_mixed_batch_answers_each_write_on_its_own(api, world):
    rm = api("rm_a")
    seen = write(visit(world["mine"].id))
    reused = write(visit(world["mine"].id))
    sync(rm, seen, reused)
    batch = [
        write(visit(world["mine"].id)),                                   # created
        seen,                                                             # duplicate
        {**reused, "body": visit(world["mine"].id, notes="changed")},     # conflict
        write(visit(world["mine"].id, channel="pigeon")),                 # invalid
        write(visit(world["other"].id)),                                  # forbidden
        write(visit(world["mine"].id, outcome="sale")),                   # created
    ]
    results = sync(rm, *batch)
    assert [r["status"] for r in results] == ["created", "duplicate", "conflict", "invalid",
                                              "forbidden", "created"]
    assert [r["client_id"] for r in results] == [w["client_id"] for w in batch]
    assert count(Interaction) == 4


def test_an_edit_names_its_base_version_and_a_stale_one_conflicts(api, world):
    rm = api("rm_a")
    original = write(visit(world["mine"].id))
    [created] = sync(rm, original)
    new_notes = "改：客户要求下周再约"
    edit = write(visit(world["mine"].id, notes=new_notes, replaces=original["client_id"]),
                 base_version=1)
    [edited] = sync(rm, edit)
    assert edited == {"client_id": edit["client_id"], "status": "created",
                      "id": created["id"], "version": 2}
    stale = write(visit(world["mine"].id, notes="an older edit", replaces=original["client_id"]),
                  base_version=1)
    [conflict] = sync(rm, stale)
    assert conflict["status"] == "conflict"
    assert conflict["server"]["notes"] == new_notes and conflict["server"]["version"] == 2
    assert conflict["client"]["notes"] == "an older edit"
    assert count(Interaction) == 1
    assert db.session.scalar(select(Interaction.notes)) == "改：客户要求下周再约"


def test_only_the_author_edits_a_visit(api, world):
    [created] = sync(api("rm_a"), original := write(visit(world["mine"].id)))
    assert created["status"] == "created"
    edit = write(visit(world["mine"].id, notes="lead edit", replaces=original["client_id"]),
                 base_version=1)
    assert sync(api("lead_a"), edit)[0]["status"] == "forbidden"


def test_plan_entry_state(api, world):
    entry = PlanEntry(rm_id=world["rm_a"].id, day=date(2026, 11, 28),
                      customer_id=world["mine"].id, reasons=["renewal"], objective="续贷",
                      channel="visit")
    db.session.add(entry)
    db.session.commit()
    rm = api("rm_a")
    done = write({"plan_entry_id": entry.id, "state": "done"}, kind="plan_entry_state",
                 base_version=1)
    assert sync(rm, done)[0] == {"client_id": done["client_id"], "status": "created",
                                 "id": entry.id, "version": 2}
    stale = write({"plan_entry_id": entry.id, "state": "snoozed", "snoozed_to": "2026-11-30"},
                  kind="plan_entry_state", base_version=1)
    result = sync(rm, stale)[0]
    assert result["status"] == "conflict" and result["server"]["state"] == "done"
    other = write({"plan_entry_id": entry.id, "state": "done"}, kind="plan_entry_state")
    assert sync(api("rm_b"), other)[0]["status"] == "forbidden"


def test_offer_feedback(api, world):
    offer = Offer(customer_id=world["mine"].id, product_id=factories.product("BCARD").id,
                  as_of=date(2026, 11, 28), score=0.4, expected_value=1200)
    db.session.add(offer)
    db.session.commit()
    rm = api("rm_a")

    def feedback(**body):
        return write({"offer_id": offer.id, **body}, kind="offer_feedback")

    assert sync(rm, feedback(state="declined"))[0]["status"] == "invalid"  # no reason
    assert sync(rm, feedback(state="presented"))[0]["status"] == "created"
    assert sync(rm, feedback(state="sold"))[0]["status"] == "invalid"  # no amount
    assert sync(rm, feedback(state="accepted"))[0]["status"] == "created"
    assert sync(rm, feedback(state="sold", amount="50000.00"))[0]["status"] == "created"
    assert sync(rm, feedback(state="presented"))[0]["status"] == "invalid"  # no going back
    assert sync(api("rm_b"), feedback(state="declined", reason="x"))[0]["status"] == "forbidden"
    db.session.refresh(offer)
    assert offer.state == "sold" and float(offer.sold_amount) == 50000
    assert offer.credited_rm_id == world["rm_a"].id


@settings(max_examples=examples(25), deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_sequence_of_resends_and_reorders_stores_each_client_id_once(api, world, data):
    db.session.execute(delete(SyncWrite))
    db.session.execute(delete(Interaction))
    db.session.commit()
    limiter.reset()  # every example logs in afresh
    writes = [write(visit(world["mine"].id, notes=f"visit {i}")) for i in range(6)]
    batches = data.draw(st.lists(
        st.lists(st.sampled_from(writes), min_size=1, max_size=8), min_size=1, max_size=6))
    rm = api("rm_a")
    ids = {}
    for batch in batches:
        for w, result in zip(batch, sync(rm, *batch), strict=True):
            assert result["status"] in ("created", "duplicate")
            assert ids.setdefault(w["client_id"], result["id"]) == result["id"]
    sent = {w["client_id"] for batch in batches for w in batch}
    stored = list(db.session.scalars(select(Interaction.client_id)))
    assert sorted(stored) == sorted(sent)
