"""The day's contact plan on the phone: reasons to call, and Done offline that syncs later."""

import json
import urllib.request
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import login, open_settings
from tests.e2e.test_app import wait_for_service_worker


class Api:
    """An API session that may write: it sends the CSRF token the login answered with."""

    def __init__(self, base_url: str, username: str):
        self.base_url = base_url
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor())
        self.csrf = self.call("POST", "/auth/login",
                              {"username": username, "password": "demo1234"})["csrf_token"]

    def call(self, method: str, path: str, body: dict | None = None):
        headers = {"Accept": "application/json"}
        if body is not None:
            headers["Content-Type"] = "application/json"
        if method != "GET" and getattr(self, "csrf", None):
            headers["X-CSRF-Token"] = self.csrf
        request = urllib.request.Request(
            f"{self.base_url}/api/v1{path}", method=method, headers=headers,
            data=None if body is None else json.dumps(body).encode())
        with self.opener.open(request) as response:
            text = response.read()
            return json.loads(text) if text else None


@pytest.fixture(scope="module")
def planned(live_server):
    """rm1's plan built (the demo bank is loaded without the nightly run), and its first
    working day with open entries: today may be a weekend."""
    api = Api(live_server, "rm1")
    api.call("POST", "/plan/refresh")
    start = date.fromisoformat(api.call("GET", "/plan")["date"])
    for offset in range(21):
        day = (start + timedelta(days=offset)).isoformat()
        entries = [e for e in api.call("GET", f"/plan?date={day}")["entries"]
                   if e["state"] == "planned"]
        if entries:
            return api, day, entries
    pytest.fail("the planner gave rm1 no open entry in three weeks")


def entry_card(page, entry_id: int):
    return page.locator(f'[data-testid="plan-entry"][data-entry-id="{entry_id}"]')


def test_today_shows_the_plan_with_reason_chips(page, planned):
    _, day, entries = planned
    login(page)
    page.goto(f"/?date={day}")
    expect(page.get_by_test_id("plan-date")).to_have_attribute("data-date", day)
    plan = page.get_by_test_id("today-list")
    # nothing must be done first on this bank: the day by time, the weightiest first at a time
    assert not any(e["must_do"] for e in entries)
    top = min(entries, key=lambda e: (e["suggested_hour"] or 99, -e["priority"],
                                      e["customer"]["id"]))
    expect(plan.get_by_role("heading", name="按时间")).to_be_visible()
    first = plan.get_by_test_id("plan-entry").first
    expect(first).to_have_attribute("data-entry-id", str(top["id"]))
    expect(first.locator("a.row .row-title")).to_have_text(top["customer"]["name"])
    expect(first.locator("a.row")).to_have_attribute("href", f"/customers/{top['customer']['id']}")
    for reason in top["reasons"][:2]:  # the two weightiest on Today; all on the card
        expect(first.get_by_role("list", name="原因").get_by_text(reason["zh"], exact=True)) \
            .to_be_visible()
    first.get_by_role("button", name="更多").click()
    expect(first.get_by_role("button", name="完成")).to_be_visible()

    open_settings(page)
    page.get_by_text("English").click()
    page.goto(f"/?date={day}")
    first = page.get_by_test_id("today-list").get_by_test_id("plan-entry").first
    if top["reasons"]:
        expect(first.get_by_role("list", name="Reasons")
               .get_by_text(top["reasons"][0]["en"], exact=True)).to_be_visible()


def test_done_offline_is_unsent_until_online_then_done_on_the_server(page, context, planned):
    api, day, entries = planned
    target = entries[-1]
    login(page)
    wait_for_service_worker(page)
    page.goto(f"/?date={day}")
    card = entry_card(page, target["id"])
    expect(card).to_have_attribute("data-state", "planned")

    context.set_offline(True)
    card.get_by_role("button", name="更多").click()
    card.get_by_role("button", name="完成").click()
    expect(card).to_have_attribute("data-state", "done")
    expect(card.get_by_test_id("entry-unsent")).to_be_visible()
    expect(page.get_by_test_id("sync-chip")).to_have_attribute("data-count", "1")

    page.reload()  # still offline: the plan and the change are both on the device
    expect(page.get_by_text("离线中 — 显示已保存的数据")).to_be_visible()
    expect(entry_card(page, target["id"])).to_have_attribute("data-state", "done")
    expect(entry_card(page, target["id"]).get_by_test_id("entry-unsent")).to_be_visible()
    server = {e["id"]: e for e in api.call("GET", f"/plan?date={day}")["entries"]}
    assert server[target["id"]]["state"] == "planned"

    context.set_offline(False)
    expect(page.get_by_test_id("sync-chip")).to_have_attribute("data-count", "0",
                                                                   timeout=20_000)
    card = entry_card(page, target["id"])
    expect(card.get_by_test_id("entry-unsent")).to_have_count(0)
    expect(card).to_have_attribute("data-state", "done")
    server = {e["id"]: e for e in api.call("GET", f"/plan?date={day}")["entries"]}
    assert server[target["id"]]["state"] == "done"
    assert server[target["id"]]["version"] == target["version"] + 1


def test_the_plan_passes_axe_in_both_languages(page, planned):
    from tests.e2e.test_accessibility import serious_violations

    _, day, entries = planned
    login(page)
    problems = {}
    for lang in ("zh-CN", "en"):
        page.evaluate(f"localStorage.setItem('rm.locale', '{lang}')")
        page.goto(f"/?date={day}")
        first = entry_card(page, entries[0]["id"])
        first.wait_for()
        problems[f"plan {lang}"] = serious_violations(page)
        first.get_by_role("button", name="更多" if lang == "zh-CN" else "More").click()
        first.get_by_role("button", name="推迟" if lang == "zh-CN" else "Snooze").click()
        first.locator("input[type=date]").wait_for()
        problems[f"snooze {lang}"] = serious_violations(page)
    assert {k: v for k, v in problems.items() if v} == {}
