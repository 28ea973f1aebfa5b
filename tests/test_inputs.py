"""A NUL character or a lone surrogate in any text of a request is refused with 422 naming
the field, before any route runs, on SQLite and PostgreSQL alike (PostgreSQL text cannot hold
a NUL; no driver can encode a lone surrogate)."""

import uuid

from sqlalchemy import func, select

from backend.extensions import db
from backend.sync import SyncWrite
from backend.visits.models import Interaction
from tests import factories


def test_nul_in_a_body_a_nested_field_or_a_query_is_a_422_naming_it(api):
    people = factories.two_teams()
    customer = factories.customer(people["rm_a"])
    db.session.commit()
    rm = api("rm_a")

    response = rm.delete("/api/v1/push/subscriptions", json={"endpoint": "https://x\x00y"})
    assert response.status_code == 422
    assert response.get_json()["fields"] == {"endpoint": ["NUL (0x00) characters are not allowed."]}

    # the offline sync answers such a write on its own (tests/visits/test_sync_poison.py)
    visit = {"customer_id": customer.id, "channel": "visit", "outcome": "reached",
             "started_at": "2026-11-20T10:30:00+08:00", "notes": "生意\x00不错"}
    write = {"client_id": str(uuid.uuid4()), "kind": "interaction", "body": visit}
    response = rm.post("/api/v1/sync", json={"writes": [write]})
    [result] = response.get_json()["results"]
    assert result["status"] == "invalid" and set(result["error"]["fields"]) == {"notes"}
    assert db.session.scalar(select(func.count()).select_from(Interaction)) == 0
    assert db.session.scalar(select(func.count()).select_from(SyncWrite)) == 0

    response = rm.get("/api/v1/customers", query_string={"q": "a\x00"})
    assert response.status_code == 422 and set(response.get_json()["fields"]) == {"q"}

    # the same write without the NUL goes through
    visit["notes"] = "生意不错"
    response = rm.post("/api/v1/sync", json={"writes": [write]})
    assert response.status_code == 200
    assert response.get_json()["results"][0]["status"] == "created"


def test_a_lone_surrogate_anywhere_is_a_422_naming_the_field_login_included(api, client):
    people = factories.two_teams()
    customer = factories.customer(people["rm_a"])
    db.session.commit()
    for body in ('{"username": "\\ud800", "password": "x"}',
                 '{"username": "rm_a", "password": "a\\udfffb"}'):
        response = client.post("/api/v1/auth/login", data=body, content_type="application/json")
        assert response.status_code == 422, response.get_data(as_text=True)
        field = "username" if "ud800" in body else "password"
        assert response.get_json()["fields"] == {field: [
            "Not valid Unicode: a lone surrogate (\\ud800-\\udfff)."]}
    rm = api("rm_a")
    visit = {"customer_id": customer.id, "channel": "visit", "outcome": "reached",
             "started_at": "2026-11-20T10:30:00+08:00", "notes": "\ud800"}
    write = {"client_id": str(uuid.uuid4()), "kind": "interaction", "body": visit}
    response = rm.post("/api/v1/sync", json={"writes": [write]})
    [result] = response.get_json()["results"]
    assert result["status"] == "invalid" and set(result["error"]["fields"]) == {"notes"}
    assert db.session.scalar(select(func.count()).select_from(Interaction)) == 0
    # a character outside the basic plane (a surrogate pair in JSON) is text like any other
    visit["notes"] = "好 \U0001F44D"
    response = rm.post("/api/v1/sync", json={"writes": [write]})
    assert response.status_code == 200
    assert response.get_json()["results"][0]["status"] == "created"
