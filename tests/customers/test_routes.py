"""Customer list and 360 card: the access matrix, contents and bad input."""

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from backend.auth.models import AuditEvent
from backend.extensions import db
from tests import factories

CARD_KEYS = {"name", "segment", "tier", "status", "related_parties", "accounts", "profitability",
             "transactions", "interactions", "scores", "moments", "offers"}


@pytest.fixture
def world(app):
    people = factories.two_teams()
    cust_a = factories.customer(people["rm_a"], name="杭州恒丰五金有限公司",
                                name_en="Hangzhou Hengfeng Hardware Co., Ltd.",
                                external_id="EXT-A1", segment="medium", tier="intermediate")
    cust_a2 = factories.customer(people["rm_a2"], name="宁波鑫达贸易有限公司",
                                 external_id="EXT-A2", segment="small")
    cust_b = factories.customer(people["rm_b"], name="苏州华盛餐饮有限公司",
                                external_id="EXT-B1", segment="micro", status="dormant")
    db.session.commit()
    return {**people, "cust_a": cust_a, "cust_a2": cust_a2, "cust_b": cust_b}


# Who may read the 360 card of cust_a (owned by rm_a of team A).
CARD_ACCESS = [
    ("rm_a", 200), ("rm_a2", 404), ("lead_a", 200), ("rm_b", 404), ("lead_b", 404),
    ("referrer", 403), ("analyst", 403), ("admin", 403), (None, 401),
]
LIST_ACCESS = [
    ("rm_a", 200, {"EXT-A1"}), ("rm_a2", 200, {"EXT-A2"}),
    ("lead_a", 200, {"EXT-A1", "EXT-A2"}), ("rm_b", 200, {"EXT-B1"}),
    ("lead_b", 200, {"EXT-B1"}), ("referrer", 403, None), ("analyst", 403, None),
    ("admin", 403, None), (None, 401, None),
]


@pytest.mark.parametrize("who,status", CARD_ACCESS)
def test_card_access_matrix(api, world, who, status):
    response = api(who).get(f"/api/v1/customers/{world['cust_a'].id}")
    assert response.status_code == status
    if status == 200:
        assert set(response.get_json()) >= CARD_KEYS
    else:
        body = response.get_json()
        assert set(body) == {"error", "message", "fields"}
        assert "杭州" not in response.get_data(as_text=True)


@pytest.mark.parametrize("who,status,visible", LIST_ACCESS)
def test_list_access_matrix(api, world, who, status, visible):
    response = api(who).get("/api/v1/customers")
    assert response.status_code == status
    if status == 200:
        body = response.get_json()
        assert {c["external_id"] for c in body["items"]} == visible
        assert body["total"] == len(visible)


@pytest.mark.parametrize("path", ["/api/v1/customers?q=EXT-B1", "/api/v1/customers?q=华盛"])
def test_search_never_reaches_outside_the_portfolio(api, world, path):
    body = api("rm_a").get(path).get_json()
    assert body["items"] == [] and body["total"] == 0


def test_unknown_customer_is_404(api, world):
    assert api("rm_a").get("/api/v1/customers/999999").status_code == 404


def test_search_by_name_external_id_and_filters(api, world):
    client = api("lead_a")

    def ids(query):
        response = client.get(f"/api/v1/customers?{query}")
        assert response.status_code == 200, response.get_json()
        return [c["external_id"] for c in response.get_json()["items"]]

    assert ids("q=恒丰") == ["EXT-A1"]
    assert ids("q=hengfeng") == ["EXT-A1"]
    assert ids("q=EXT-A2") == ["EXT-A2"]
    assert ids("segment=small") == ["EXT-A2"]
    assert ids("tier=intermediate") == ["EXT-A1"]
    assert ids("status=dormant") == []
    world["cust_a2"].status = "closed"
    db.session.commit()
    assert ids("include_closed=false") == ["EXT-A1"]
    assert sorted(ids("include_closed=true")) == ["EXT-A1", "EXT-A2"]
    assert ids("per_page=1&page=2") in (["EXT-A1"], ["EXT-A2"])
    assert len(ids("per_page=1&page=1") + ids("per_page=1&page=2")) == 2


def test_list_sorted_by_last_contact_puts_the_longest_silence_first(api, world):
    factories.customer(world["rm_a"], external_id="EXT-A3")
    factories.interaction(world["rm_a"], world["cust_a"], started_at=datetime(2026, 1, 1))
    db.session.commit()
    items = api("rm_a").get("/api/v1/customers?sort=last_contact").get_json()["items"]
    assert [c["external_id"] for c in items] == ["EXT-A3", "EXT-A1"]
    assert items[1]["last_contact_at"].startswith("2026-01-01")


@pytest.mark.parametrize("query,field", [
    ("segment=huge", "segment"), ("tier=gold", "tier"), ("status=x", "status"),
    ("page=0", "page"), ("page=abc", "page"), ("per_page=1000", "per_page"),
    ("sort=random", "sort"), ("q=" + "x" * 101, "q"),
])
def test_bad_list_queries_name_the_field(api, world, query, field):
    response = api("rm_a").get(f"/api/v1/customers?{query}")
    assert response.status_code == 422
    assert field in response.get_json()["fields"]


def test_card_read_is_audited(api, world):
    api("lead_a").get(f"/api/v1/customers/{world['cust_a'].id}")
    views = select(AuditEvent).where(AuditEvent.action == "customer.view")
    events = db.session.scalars(views).all()
    assert [(e.user_id, e.object_type, e.object_id) for e in events] == [
        (world["lead_a"].id, "customer", world["cust_a"].id)]


def test_refused_card_reads_write_no_view_audit(api, world):
    api("rm_b").get(f"/api/v1/customers/{world['cust_a'].id}")
    assert db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "customer.view")).all() == []


def _months_ago(today: date, n: int) -> datetime:
    year, month = today.year, today.month - n
    while month < 1:
        year, month = year - 1, month + 12
    return datetime(year, month, 15, 10, 0)


def test_card_contents_match_the_factory_data(app, api, world):
    today = date.today()
    rm_a, cust = world["rm_a"], world["cust_a"]
    current = factories.product("CUR", family="deposit", margin_rate=0.02, annual_cost=120)
    loan = factories.product("WCL", family="loan", is_credit=True, margin_rate=0.03,
                             annual_cost=300)
    cur_acc = factories.account(cust, current, balance=10_000)
    loan_acc = factories.account(cust, loan, balance=50_000, limit_amount=80_000,
                                 maturity_on=today + timedelta(days=40), days_overdue=5)
    # Current account: +2,000 two months ago, -500 this month, a 15 fee last month.
    factories.transaction(cur_acc, 2000, _months_ago(today, 2), channel="mobile", kind="deposit")
    factories.transaction(cur_acc, -15, _months_ago(today, 1), channel="system", kind="fee",
                          customer_initiated=False)
    last = factories.transaction(cur_acc, -500, datetime.combine(today, datetime.min.time()),
                                 channel="branch", kind="payment")
    factories.transaction(loan_acc, 50_000, _months_ago(today, 3), channel="branch",
                          kind="drawdown")
    for i in range(12):
        factories.interaction(rm_a, cust, started_at=datetime.now() - timedelta(days=10 + i),
                              channel="call" if i % 2 else "visit", notes=f"note {i}")
    owner_link = factories.related(cust, "owner", person_name="王建国")
    supplier = factories.related(cust, "supplier", other=world["cust_a2"])
    factories.related(world["cust_b"], "buyer", other=cust)  # other team's customer buys from us
    db.session.commit()

    card = api("rm_a").get(f"/api/v1/customers/{cust.id}").get_json()
    assert card["name"] == "杭州恒丰五金有限公司"
    assert (card["segment"], card["tier"], card["status"]) == ("medium", "intermediate", "active")

    accounts = {a["product"]["code"]: a for a in card["accounts"]}
    assert set(accounts) == {"CUR", "WCL"}
    assert accounts["WCL"]["limit"] == 80_000 and accounts["WCL"]["days_overdue"] == 5
    assert accounts["CUR"]["product"]["name"] == current.name

    assert len(card["transactions"]) == 4
    assert card["transactions"][0]["id"] == last.id and card["transactions"][0]["amount"] == -500

    assert len(card["interactions"]) == 10  # the last ten, newest first
    assert card["interactions"][0]["notes"] == "note 0"
    assert {"id", "channel", "started_at", "outcome", "notes"} <= set(card["interactions"][0])

    series = card["series"]
    assert len(series["months"]) == 24 and series["months"][-1] == today.strftime("%Y-%m")
    # Month-end balances derived backwards from today's balance.
    assert series["deposit_balance"][-1] == 10_000
    assert series["deposit_balance"][-2] == 10_500   # before this month's -500
    assert series["deposit_balance"][-3] == 10_515   # before last month's fee
    assert series["deposit_balance"][-4] == 8_515    # before the +2,000
    assert series["credit_balance"][-4] == 50_000 and series["credit_balance"][-5] == 0
    assert series["transaction_count"][-1] == 1

    profit = card["profitability"]
    avg_deposit = sum(series["deposit_balance"][-12:]) / 12
    avg_credit = sum(series["credit_balance"][-12:]) / 12
    interest = avg_deposit * 0.02 + avg_credit * 0.03
    contact_cost = 6 * 300 + 6 * 30
    assert profit["interest_margin"] == pytest.approx(interest, abs=0.01)
    assert profit["fees"] == 15
    assert profit["revenue"] == pytest.approx(interest + 15, abs=0.01)
    assert profit["contact_cost"] == contact_cost
    assert profit["cost_to_serve"] == 120 + 300 + contact_cost
    assert profit["margin"] == pytest.approx(interest + 15 - (420 + contact_cost), abs=0.01)

    mix = {m["channel"]: m["count"] for m in card["channel_mix"]}
    assert mix == {"mobile": 1, "branch": 2}  # the system fee is not the customer's doing

    parties = {p["id"]: p for p in card["related_parties"]}
    assert parties[owner_link.id]["name"] == "王建国" and parties[owner_link.id]["type"] == "person"
    assert parties[supplier.id]["customer"] is None  # rm_a2's customer: name only, no link
    assert parties[supplier.id]["in_portfolio"] is False
    # cust_b lists us as its buyer, so from our side cust_b is a supplier.
    incoming = [p for p in card["related_parties"] if p["name"] == "苏州华盛餐饮有限公司"]
    assert [(p["kind"], p["customer"]) for p in incoming] == [("supplier", None)]
    assert card["scores"] == [] and card["moments"] == [] and card["offers"] == []

    # The lead sees the same supplier as a tappable customer of the team.
    lead_card = api("lead_a").get(f"/api/v1/customers/{cust.id}").get_json()
    lead_parties = {p["id"]: p for p in lead_card["related_parties"]}
    assert lead_parties[supplier.id]["customer"] == {"id": world["cust_a2"].id,
                                                     "name": "宁波鑫达贸易有限公司"}


def test_a_link_to_a_person_is_stored_once(world):
    factories.related(world["cust_a"], "owner", person_name="王建国")
    db.session.commit()
    with pytest.raises(IntegrityError):
        factories.related(world["cust_a"], "owner", person_name="王建国")
    db.session.rollback()


def test_products_are_listed_for_pickers(api, world):
    factories.product("CUR", name="对公结算账户", name_en="Business current account")
    db.session.commit()
    body = api("rm_a").get("/api/v1/products").get_json()
    assert {"code": "CUR", "name": "对公结算账户", "name_en": "Business current account",
            "family": "deposit", "line": "sme", "is_credit": False} in body["items"]
    assert api().get("/api/v1/products").status_code == 401


def test_card_scores_show_the_change_since_last_month(api, world):
    from backend.scoring.models import Score

    reason = {"code": "risk.overdue", "zh": "逾期 12 天", "en": "12 days overdue", "value": 12}
    for as_of, value in ((date(2026, 9, 30), 0.10), (date(2026, 10, 20), 0.20),
                         (date(2026, 11, 27), 0.35)):
        db.session.add(Score(customer_id=world["cust_a"].id, model="risk", version="1",
                             as_of=as_of, value=value, band="high", reasons=[reason]))
    db.session.add(Score(customer_id=world["cust_a"].id, model="value", version="1",
                         as_of=date(2026, 11, 27), value=1200, band="B", reasons=[]))
    db.session.commit()
    scores = {s["model"]: s for s in
              api("rm_a").get(f"/api/v1/customers/{world['cust_a'].id}").get_json()["scores"]}
    assert scores["risk"]["value"] == 0.35 and scores["risk"]["change"] == pytest.approx(0.15)
    assert scores["risk"]["reasons"] == [reason] and scores["risk"]["band"] == "high"
    assert scores["value"]["change"] is None


def test_a_propensity_score_names_its_product(api, world):
    from backend.scoring.models import Score

    factories.product("TD", name="定期存款", name_en="Term deposit")
    db.session.add(Score(customer_id=world["cust_a"].id, model="propensity:TD", version="1",
                         as_of=date(2026, 11, 27), value=0.3, band="high", reasons=[]))
    db.session.commit()
    [score] = api("rm_a").get(f"/api/v1/customers/{world['cust_a'].id}").get_json()["scores"]
    assert score["product"] == {"code": "TD", "name": "定期存款", "name_en": "Term deposit"}


def test_package_advice_counts_open_deposits_own_and_linked_once(api, world):
    from backend.products.catalog import seed_catalog

    seed_catalog()
    deposit, loan = factories.product(family="deposit"), factories.product(family="loan",
                                                                          is_credit=True)
    cust_a, cust_a2, cust_b = world["cust_a"], world["cust_a2"], world["cust_b"]
    factories.account(cust_a, deposit, 25_000)
    factories.account(cust_a, deposit, 1_000_000, status="closed")  # closed: not counted
    factories.account(cust_a, loan, 500_000)  # credit: not a deposit
    factories.account(cust_a2, deposit, 200_000)
    factories.account(cust_b, deposit, 100_000)
    factories.related(cust_a, "supplier", cust_a2)
    factories.related(cust_a2, "buyer", cust_a)  # the same pair both ways counts once
    factories.related(cust_b, "affiliate", cust_a)  # linked from the other side
    factories.related(cust_a, "owner", person_name="王建国")
    db.session.commit()

    package = api("rm_a").get(f"/api/v1/customers/{cust_a.id}").get_json()["package"]
    assert package["balance"] == 25_000 and package["linked_balance"] == 300_000
    # basic counts own deposits only; the others 325,000 with the linked accounts
    assert package["fees"] == {"basic": 0.0, "intermediate": 0.0, "advanced": 0.0}
    assert package["tier"] == "intermediate" and package["fee"] == 0.0
    assert package["suggestion"] == {"tier": "advanced", "fee": 0.0, "saving": 0.0}

    # seen from the linked customer, cust_a's deposits are the linked ones
    alone = api("rm_a2").get(f"/api/v1/customers/{cust_a2.id}").get_json()["package"]
    assert alone["balance"] == 200_000 and alone["linked_balance"] == 25_000


def test_the_card_carries_todays_plan_entry_for_its_purpose(api, world):
    """The card leads with why the customer is on today's plan (issue: 今日要点)."""
    from backend.calendar.models import PlanEntry
    from backend.timeutil import bank_today
    from backend.workdays import WorkCalendar

    today = bank_today()
    day = WorkCalendar.load(today, today + timedelta(days=31)).on_or_after(today)
    reason = {"code": "renewal", "zh": "贷款 12月20日 到期", "en": "Loan matures 20 Dec"}
    entry = PlanEntry(rm_id=world["rm_a"].id, day=day, customer_id=world["cust_a"].id,
                      reasons=[reason], objective="续贷沟通", objective_en="Talk renewal",
                      channel="visit", priority=60)
    other_day = PlanEntry(rm_id=world["rm_a"].id, day=day + timedelta(days=1),
                          customer_id=world["cust_a2"].id, reasons=[], objective="x",
                          channel="call", priority=60)
    db.session.add_all([entry, other_day])
    db.session.commit()

    for who in ("rm_a", "lead_a"):
        got = api(who).get(f"/api/v1/customers/{world['cust_a'].id}").get_json()["plan_entry"]
        assert got["id"] == entry.id and got["day"] == day.isoformat()
        assert got["reasons"] == [reason] and got["objective"] == "续贷沟通"
        assert got["objective_en"] == "Talk renewal" and got["state"] == "planned"
        assert set(got) >= {"must_do", "offer", "channel", "suggested_hour"}
    card = api("rm_a2").get(f"/api/v1/customers/{world['cust_a2'].id}").get_json()
    assert card["plan_entry"] is None  # planned for another day only
