"""One bad write never blocks a device's outbox: whatever a write holds (a date at year 1 or
9999, text that is not Unicode, a value no column takes, a fault inside its transaction), it
is answered on its own and the writes after it are stored (docs/sync.md)."""

import json
import logging

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, func, select

from backend.extensions import db, limiter
from backend.sync import SyncWrite
from backend.visits import service as visits_service
from backend.visits.models import Interaction
from tests.budget import examples
from tests.visits.test_sync import count, sync, visit, write

EXTREME_TIMES = ["0001-01-01T00:00:00+08:00", "9999-12-31T23:59:59-08:00",
                 "1999-12-31T23:59:59+00:00", "2101-01-01T00:00:00+08:00"]


@pytest.mark.parametrize("started_at", EXTREME_TIMES)
def test_a_time_outside_the_sane_range_is_invalid_and_the_batch_goes_on(api, world, started_at):
    rm = api("rm_a")
    bad = write(visit(world["mine"].id, started_at=started_at))
    good = write(visit(world["mine"].id, notes="after the bad one"))
    first, second = sync(rm, bad, good)
    assert first["status"] == "invalid"
    assert list(first["error"]["fields"]) == ["started_at"]
    assert "2000-01-01" in first["error"]["fields"]["started_at"][0]
    assert second["status"] == "created"
    assert count(Interaction) == 1 and count(SyncWrite) == 1


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31"])
def test_a_follow_up_day_outside_the_range_is_invalid(api, world, day):
    [result] = sync(api("rm_a"), write(visit(world["mine"].id, follow_up_on=day)))
    assert result["status"] == "invalid" and list(result["error"]["fields"]) == ["follow_up_on"]


@pytest.mark.parametrize("text,problem", [
    ("\ud800", "lone surrogate"), ("a\udfffb", "lone surrogate"), ("生意\x00不错", "NUL")])
def test_text_that_is_not_text_is_invalid_naming_the_field_and_the_batch_goes_on(
        api, world, text, problem):
    rm = api("rm_a")
    in_notes = write(visit(world["mine"].id, notes=text))
    in_reason = write(visit(world["mine"].id, products_discussed=[
        {"product_code": "WCL", "answer": "declined", "reason": text}]))
    in_a_key = write({**visit(world["mine"].id), text: 1})
    good = write(visit(world["mine"].id, notes="好 \U0001F44D"))  # a surrogate pair is text
    results = sync(rm, in_notes, in_reason, in_a_key, good)
    assert [r["status"] for r in results] == ["invalid", "invalid", "invalid", "created"]
    assert list(results[0]["error"]["fields"]) == ["notes"]
    assert problem in results[0]["error"]["fields"]["notes"][0]
    assert list(results[1]["error"]["fields"]) == ["products_discussed.0.reason"]
    assert len(results[2]["error"]["fields"]) == 1
    assert count(Interaction) == 1 and count(SyncWrite) == 1


def test_a_fault_inside_one_write_answers_it_error_logs_it_and_the_batch_goes_on(
        api, world, monkeypatch, caplog):
    real = visits_service._after_created

    def fails_on_boom(interaction):
        if interaction.notes == "boom":
            raise RuntimeError("disk full")
        real(interaction)

    monkeypatch.setattr(visits_service, "_after_created", fails_on_boom)
    rm = api("rm_a")
    boom = write(visit(world["mine"].id, notes="boom"))
    good = write(visit(world["mine"].id, notes="fine"))
    with caplog.at_level(logging.ERROR):
        first, second = sync(rm, boom, good)
    assert first["status"] == "error" and first["client_id"] == boom["client_id"]
    assert first["error"]["retryable"] is True
    assert second["status"] == "created"
    assert boom["client_id"] in caplog.text
    # nothing of the failed write stayed, so a resend is applied once it can be
    assert [i.notes for i in db.session.scalars(select(Interaction))] == ["fine"]
    monkeypatch.setattr(visits_service, "_after_created", real)
    [again] = sync(rm, boom)
    assert again["status"] == "created"


def test_numbers_json_does_not_have_are_refused_naming_the_field(api, client, world):
    rm = api("rm_a")
    for number in ("NaN", "Infinity", "-Infinity"):
        body = visit(world["mine"].id, location={"lat": "@", "lng": 1})
        raw = json.dumps({"writes": [write(body)]}).replace('"@"', number)
        response = rm.post("/api/v1/sync", data=raw, content_type="application/json")
        [result] = response.get_json()["results"]
        assert result["status"] == "invalid"
        assert list(result["error"]["fields"]) == ["location.lat"]
        # anywhere else, before the route
        raw = f'{{"username": "rm_a", "password": {number}}}'
        response = client.post("/api/v1/auth/login", data=raw, content_type="application/json")
        assert response.status_code == 422
        assert list(response.get_json()["fields"]) == ["password"]
    assert count(Interaction) == 0


@pytest.mark.parametrize("depth", [33, 5000, 100_000])
def test_json_nested_deeper_than_the_limit_is_422_login_included(api, client, world, depth):
    nested = "[" * depth + "]" * depth
    raw = f'{{"username": {nested}, "password": "x"}}'
    response = client.post("/api/v1/auth/login", data=raw, content_type="application/json")
    assert response.status_code == 422, response.get_data(as_text=True)[:300]
    assert "32" in response.get_json()["message"]
    rm = api("rm_a")
    body = json.dumps({"writes": [write({**visit(world["mine"].id), "extra": "@"})]})
    response = rm.post("/api/v1/sync", data=body.replace('"@"', nested),
                       content_type="application/json")
    assert response.status_code == 422
    assert count(Interaction) == 0


def test_json_as_deep_as_the_limit_is_read(client):
    nested = "[" * 31 + "]" * 31  # 32 levels with the object around it
    raw = f'{{"username": {nested}, "password": "x"}}'
    response = client.post("/api/v1/auth/login", data=raw, content_type="application/json")
    assert response.status_code == 422 and "username" in response.get_json()["fields"]


# --- any JSON in every field: no 5xx, every well-formed write stored exactly once ----------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-10**30, max_value=10**30)
    | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=3)
    | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8)
odd_text = st.text(alphabet=st.characters(codec=None), max_size=40) | st.sampled_from(
    ["\ud800", "\x00", "=HYPERLINK(\"x\")", "\u202e", "𠜎𠜱", "a" * 5000, ""])
times = st.sampled_from(EXTREME_TIMES + ["2026-11-20T10:30:00+08:00", "2026-11-20", "not a time",
                                         "2026-02-30T10:00:00+08:00", "2026-11-20T10:30:00"])


@st.composite
def hostile_write(draw, customer_id):
    body = visit(customer_id)
    for field in draw(st.lists(st.sampled_from(sorted(body) + ["follow_up_on", "location",
                                                               "sales_amount", "duration_minutes",
                                                               "replaces", "plan_entry_id"]),
                               min_size=1, max_size=4, unique=True)):
        body[field] = draw(json_values | odd_text | times | st.integers(min_value=-2**70,
                                                                       max_value=2**70))
    envelope = write(body)
    if draw(st.booleans()):
        envelope[draw(st.sampled_from(["kind", "base_version", "client_id"]))] = draw(json_values)
    return envelope


@settings(max_examples=examples(40), deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_batches_of_any_json_never_5xx_and_store_each_good_write_once(api, world, data):
    db.session.execute(delete(SyncWrite))
    db.session.execute(delete(Interaction))
    db.session.commit()
    limiter.reset()
    customer_id = world["mine"].id
    good = [write(visit(customer_id, notes=f"good {i}")) for i in range(3)]
    bad = data.draw(st.lists(hostile_write(customer_id), min_size=1, max_size=4))
    batch = data.draw(st.permutations(good + bad))
    rm = api("rm_a")
    for _ in range(2):  # and the same batch again, as a device that lost the answer
        response = rm.post("/api/v1/sync", data=json.dumps({"writes": batch}),
                           content_type="application/json")
        assert response.status_code == 200, response.get_data(as_text=True)[:500]
        results = response.get_json()["results"]
        assert len(results) == len(batch)
        for w, result in zip(batch, results, strict=True):
            assert result["status"] != "error", result
            if w in good:
                assert result["status"] in ("created", "duplicate")
    stored = db.session.scalars(select(Interaction.client_id)).all()
    for w in good:
        assert stored.count(w["client_id"]) == 1
    assert db.session.scalar(select(func.count()).select_from(SyncWrite)) == len(set(stored))



def test_a_faulty_write_is_answered_retryable_and_the_log_names_it(api, world, monkeypatch,
                                                                   caplog):
    """The support desk finds a failed write by its client id, its kind and its RM."""
    def fails(interaction):
        raise RuntimeError("disk full")

    monkeypatch.setattr(visits_service, "_after_created", fails)
    boom = write(visit(world["mine"].id))
    with caplog.at_level(logging.ERROR):
        [answer] = sync(api("rm_a"), boom)
    assert answer == {"client_id": boom["client_id"], "status": "error", "error": {
        "message": "The server could not store this write; it is sent again later",
        "fields": {}, "retryable": True}}
    [record] = [r for r in caplog.records if boom["client_id"] in r.getMessage()]
    assert record.getMessage() == (f"sync write {boom['client_id']} (interaction) of user "
                                   f"{world['rm_a'].id} failed")
