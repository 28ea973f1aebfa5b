"""One answer for "not yours" and "not there" (issue 16, item 7).

Asking for another RM's moment, risk case, plan entry, offer, quote, referral, leave,
notification or visit must answer exactly as asking for an id that does not exist: same
status, same error code, same message, same fields. Otherwise the difference tells a
caller which ids exist (and so how big another portfolio is, or which customer a moment
belongs to). Where the id is a customer's, both say "No such customer in your portfolio".

Each kind builds one object of rm_a (team A), asks for it as someone who may not see it,
asks for an id that does not exist, compares the two answers whole, and checks the owner
still gets it.
"""

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

import pytest

from backend.calendar.models import PlanEntry
from backend.extensions import db
from backend.models_base import utcnow
from backend.moments.models import KeyMoment, RiskCase
from backend.offers.models import Offer, PriceQuote
from backend.push.models import Notification
from backend.referrals.models import Referral
from backend.workdays import Leave
from tests import factories

RATE = {"unit": "rate", "list": 0.048, "floor": 0.03, "suggested": 0.045, "pd": 0.01,
        "pd_default": False}
SIGNALS = [{"code": "risk.overdue", "zh": "逾期 35 天", "en": "35 days overdue", "value": 35}]
WAIVER = {"action": "waiver", "cooperative": True, "waiver_share": 0.5, "note": "客户配合还款"}
DAY = date(2026, 11, 30)


@pytest.fixture
def world(app):
    people = factories.two_teams()
    loan = factories.product("WCL", family="loan", is_credit=True)
    mine = factories.customer(people["rm_a"], name="杭州恒丰五金", segment="medium")
    other = factories.customer(people["rm_b"], name="苏州华盛餐饮", segment="medium")
    db.session.commit()
    return {**people, "loan": loan, "mine": mine, "other": other}


def add(row):
    db.session.add(row)
    db.session.commit()
    return row


# --------------------------------------------------------------------------- rm_a's objects


def moment(w) -> int:
    return add(KeyMoment(customer_id=w["mine"].id, kind="renewal", event_ref="loan:1",
                         due_on=DAY, severity=2, reasons=[])).id


def risk_case(w, **fields) -> int:
    return add(RiskCase(customer_id=w["mine"].id, state=fields.pop("state", "open"),
                        signals=SIGNALS, severity=2, tier_response="escalated",
                        opened_on=DAY, probability=0.4, exposure=800000,
                        expected_loss=320000, **fields)).id


def pending_risk_case(w) -> int:
    return risk_case(w, state="pending_approval", requested_action="waiver",
                     action_detail={"waiver_share": 0.5}, requested_by=w["rm_a"].id,
                     requested_at=utcnow())


def plan_entry(w) -> int:
    return add(PlanEntry(rm_id=w["rm_a"].id, day=DAY, customer_id=w["mine"].id,
                         reasons=[], objective="续贷沟通", channel="visit", priority=50)).id


def offer(w) -> int:
    return add(Offer(customer_id=w["mine"].id, product_id=w["loan"].id, as_of=DAY,
                     score=0.6, expected_value=1200, state="suggested", price=RATE)).id


def pending_quote(w) -> int:
    return add(PriceQuote(offer_id=offer(w), rm_id=w["rm_a"].id, price=0.04, unit="rate",
                          band_min=0.044, band_max=0.046, state="pending_approval",
                          expires_at=utcnow() + timedelta(days=5))).id


def referral(w) -> int:
    return add(Referral(referrer_id=w["referrer"].id, from_line="retail", need="想了解贷款",
                        customer_id=w["mine"].id, rm_id=w["rm_a"].id, state="new")).id


def leave(w) -> int:
    return add(Leave(user_id=w["rm_a"].id, starts_on=DAY, ends_on=DAY)).id


def notification(w) -> int:
    return add(Notification(user_id=w["rm_a"].id, kind="risk_high", title="风险预警",
                            body="苏州", url="/customers/1")).id


def visit_body(customer_id: int, **extra) -> dict:
    return {"customer_id": customer_id, "channel": "visit", "outcome": "reached",
            "started_at": "2026-11-20T10:30:00+08:00", **extra}


def visit(w) -> str:
    """rm_a's visit, as its client id (what an edit names)."""
    client_id = factories.interaction(w["rm_a"], w["mine"]).client_id
    db.session.commit()
    return client_id


# --------------------------------------------------------------------------- the requests


def http(method: str, path: str, body=None):
    """A request naming the id in its path, or in its body (body: a function of the id)."""
    def call(client, w, who, object_id):
        url = path.format(id=object_id)
        if method == "GET":
            response = client.get(url)
        else:
            response = client._write(method, url,
                                     json=body(object_id) if callable(body) else body)
        return response.status_code, response.get_json(silent=True)
    return call


def sync(kind: str, body: Callable[[dict, str, object], dict], base_version: int | None = None):
    """A write of the offline sync: its answer (but for the client id) must not differ."""
    def call(client, w, who, object_id):
        write = {"client_id": str(uuid.uuid4()), "kind": kind, "body": body(w, who, object_id)}
        if base_version is not None:
            write["base_version"] = base_version
        response = client.post("/api/v1/sync", json={"writes": [write]})
        assert response.status_code == 200, response.get_json()
        [result] = response.get_json()["results"]
        result.pop("client_id")
        return result["status"], result
    return call


def own_customer(w, who: str):
    """A customer the caller sees: an edit names one, else the customer check answers
    before the visit is ever looked up."""
    if f"own:{who}" not in w:
        w[f"own:{who}"] = (w["mine"] if who == "rm_a" else
                           factories.customer(w[who], name="温州联创电子"))
        db.session.commit()
    return w[f"own:{who}"]


def next_int(object_id: int) -> int:
    return object_id + 10_000


def fresh_uuid(_) -> str:
    return str(uuid.uuid4())


@dataclass(frozen=True)
class Kind:
    name: str
    build: Callable[[dict], object]
    call: Callable
    owner: str = "rm_a"
    ok: object = 200
    strangers: tuple[str, ...] = ("rm_a2", "rm_b", "lead_b")
    message: str | None = None  # what the 404 says
    missing: Callable[[object], object] = next_int


def customer_id(w) -> int:
    return w["mine"].id


def rm_a_id(w) -> int:
    return w["rm_a"].id


KINDS = [
    Kind("customer card", customer_id, http("GET", "/api/v1/customers/{id}"),
         message="No such customer in your portfolio"),
    Kind("customer offers", customer_id, http("GET", "/api/v1/customers/{id}/offers"),
         message="No such customer in your portfolio"),
    Kind("moment", moment, http("PATCH", "/api/v1/moments/{id}", {"state": "acknowledged"}),
         message="No such moment"),
    Kind("risk case", risk_case, http("GET", "/api/v1/risk-cases/{id}"),
         message="No such risk case"),
    Kind("risk case request", risk_case,
         http("POST", "/api/v1/risk-cases/{id}/request", WAIVER), message="No such risk case"),
    Kind("risk case decision", pending_risk_case,
         http("POST", "/api/v1/risk-cases/{id}/decision", {"decision": "approved"}),
         owner="lead_a", strangers=("rm_b", "lead_b"), message="No such risk case"),
    Kind("risk case close", risk_case,
         http("POST", "/api/v1/risk-cases/{id}/close", {"reason": "已结清"}),
         message="No such risk case"),
    Kind("plan entry", plan_entry, http("PATCH", "/api/v1/plan/{id}", {"state": "done"}),
         message="No such plan entry"),
    Kind("offer feedback", offer,
         http("POST", "/api/v1/offers/{id}/feedback", {"state": "presented"}),
         message="No such offer"),
    Kind("quote on an offer", offer,
         http("POST", "/api/v1/quotes", lambda oid: {"offer_id": oid, "price": 0.045}),
         ok=201, message="No such offer"),
    Kind("quote approval", pending_quote, http("POST", "/api/v1/quotes/{id}/approve", {}),
         owner="lead_a", message="No such quote"),
    Kind("quote refusal", pending_quote, http("POST", "/api/v1/quotes/{id}/refuse", {}),
         owner="lead_a", message="No such quote"),
    Kind("referral", referral,
         http("PATCH", "/api/v1/referrals/{id}", {"state": "acknowledged"}),
         message="No such referral"),
    Kind("leave", leave, http("DELETE", "/api/v1/leaves/{id}"), ok=204,
         message="No such leave"),
    Kind("notification", notification,
         http("POST", "/api/v1/notifications/read", lambda nid: {"ids": [nid]})),
    Kind("RM report of another team", rm_a_id, http("GET", "/api/v1/reports/rm?rm={id}"),
         owner="lead_a", strangers=("rm_b", "lead_b"), message="No such RM in your team"),
    Kind("plan of another team's RM", rm_a_id, http("GET", "/api/v1/plan?rm={id}"),
         owner="lead_a", strangers=("rm_b", "lead_b")),
    Kind("synced visit", customer_id,
         sync("interaction", lambda w, who, cid: visit_body(cid)), ok="created"),
    Kind("synced visit edit", visit,
         sync("interaction", lambda w, who, replaces: visit_body(
             own_customer(w, who).id, replaces=replaces), base_version=1),
         ok="created", strangers=("rm_a2", "rm_b"), missing=fresh_uuid),
    Kind("synced plan entry state", plan_entry,
         sync("plan_entry_state", lambda w, who, eid: {"plan_entry_id": eid, "state": "done"}),
         ok="created"),
    Kind("synced offer feedback", offer,
         sync("offer_feedback", lambda w, who, oid: {"offer_id": oid, "state": "presented"}),
         ok="created"),
]
CASES = [pytest.param(kind, stranger, id=f"{kind.name} as {stranger}")
         for kind in KINDS for stranger in kind.strangers]


@pytest.mark.parametrize("kind,stranger", CASES)
def test_another_rms_object_answers_as_a_missing_one(api_once, world, kind, stranger):
    existing = kind.build(world)
    client = api_once(stranger)
    status, body = kind.call(client, world, stranger, existing)
    assert (status, body) == kind.call(client, world, stranger, kind.missing(existing))
    if status == 404 and kind.message:
        assert body["message"] == kind.message
    assert "杭州" not in str(body)  # nor a word of the customer

    owner_status, owner_body = kind.call(api_once(kind.owner), world, kind.owner, existing)
    assert owner_status == kind.ok, owner_body
    assert (status, body) != (owner_status, owner_body)  # the stranger did not reach it
