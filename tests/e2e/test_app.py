"""The RM's journeys in a real browser at phone size: sign in, Today, search, 360, offline."""

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import login, open_settings, until


def customer_with_related_in_portfolio(api):
    """Pick an rm1 customer that has a related party rm1 can tap through to."""
    for item in api.get("/customers?per_page=200")["items"]:
        card = api.get(f"/customers/{item['id']}")
        linked = [p for p in card["related_parties"] if p["customer"]]
        if linked:
            return card, linked[0]
    pytest.fail("the demo bank gave rm1 no customer with a related party in the portfolio")


def test_login_today_search_card_related_and_back(page, api_as):
    card, party = customer_with_related_in_portfolio(api_as("rm1"))
    login(page)
    expect(page.get_by_role("heading", name="今日")).to_be_visible()
    assert page.get_by_test_id("today-list").locator("li").count() > 0

    page.get_by_role("link", name="客户").click()
    page.get_by_role("searchbox").fill(card["name"][2:6])
    results = page.get_by_test_id("customer-list")
    expect(results.get_by_text(card["name"])).to_be_visible()
    results.get_by_text(card["name"]).click()

    expect(page.get_by_role("heading", name=card["name"], level=1)).to_be_visible()
    expect(page.get_by_role("heading", name="持有产品")).to_be_visible()
    if card["phone"]:
        call = page.get_by_role("link", name="致电")
        expect(call).to_have_attribute("href", f"tel:{card['phone']}")

    page.get_by_test_id("related-link").filter(has_text=party["name"]).first.click()
    expect(page.get_by_role("heading", name=party["name"], level=1)).to_be_visible()
    assert page.url.endswith(f"/customers/{party['customer']['id']}")

    page.go_back()
    expect(page.get_by_role("heading", name=card["name"], level=1)).to_be_visible()


def test_language_switch_and_back(page):
    login(page)
    open_settings(page)
    page.get_by_text("English").click()
    expect(page.get_by_role("link", name="Today")).to_be_visible()
    assert page.evaluate("document.documentElement.lang") == "en"
    page.get_by_role("link", name="Today").click()
    expect(page.get_by_role("heading", name="Today")).to_be_visible()
    page.reload()  # the choice is remembered
    expect(page.get_by_role("heading", name="Today")).to_be_visible()
    open_settings(page)
    page.get_by_text("简体中文").click()
    expect(page.get_by_role("link", name="今日")).to_be_visible()


def wait_for_service_worker(page):
    until(page, "navigator.serviceWorker.controller !== null")


def test_offline_reload_shows_today_and_a_cached_card(page, context, api_as):
    login(page)
    wait_for_service_worker(page)
    first = page.get_by_test_id("today-list").locator("a").first
    name = first.locator(".row-title").inner_text()
    first.click()
    expect(page.get_by_role("heading", name=name, level=1)).to_be_visible()
    card_url = page.url

    context.set_offline(True)
    page.goto("/")
    expect(page.get_by_text("离线中 — 显示已保存的数据")).to_be_visible()
    expect(page.get_by_test_id("today-list")).to_be_visible()
    expect(page.get_by_test_id("as-of").first).to_contain_text("数据时间")

    page.goto(card_url)
    expect(page.get_by_role("heading", name=name, level=1)).to_be_visible()
    expect(page.locator(".card360").get_by_test_id("as-of")).to_contain_text("数据时间")
    context.set_offline(False)


STORED_CUSTOMER_DATA = """async () => {
  const db = await new Promise((resolve, reject) => {
    const r = indexedDB.open('rm-companion');
    r.onsuccess = () => resolve(r.result); r.onerror = () => reject(r.error);
  });
  const count = (store) => new Promise((resolve) => {
    if (!db.objectStoreNames.contains(store)) return resolve(0);
    const r = db.transaction(store).objectStore(store).count();
    r.onsuccess = () => resolve(r.result);
  });
  const rows = { lists: await count('lists'), cards: await count('cards') };
  db.close();
  const cached = [];
  for (const name of await caches.keys()) {
    for (const request of await (await caches.open(name)).keys()) cached.push(request.url);
  }
  return { rows, apiInCaches: cached.filter((u) => u.includes('/api/')),
           profile: localStorage.getItem('rm.user') };
}"""


def test_logout_leaves_no_customer_data(page):
    login(page)
    wait_for_service_worker(page)
    page.get_by_test_id("today-list").locator("a").first.click()
    page.locator(".card360").wait_for()
    before = page.evaluate(STORED_CUSTOMER_DATA)
    assert before["rows"]["cards"] >= 1 and before["rows"]["lists"] >= 1

    open_settings(page)
    page.get_by_role("button", name="退出登录").click()
    expect(page.get_by_role("button", name="登录")).to_be_visible()
    empty = {"rows": {"lists": 0, "cards": 0}, "apiInCaches": [], "profile": None}
    until(page, f"({STORED_CUSTOMER_DATA})().then(d => d.rows.lists + d.rows.cards === 0)",
          timeout_ms=10_000)
    page.wait_for_timeout(1_000)  # nothing in flight may refill it afterwards
    assert page.evaluate(STORED_CUSTOMER_DATA) == empty


def test_wrong_password_shows_an_error(page):
    page.goto("/")
    page.locator("input[name=username]").fill("rm1")
    page.locator("input[name=password]").fill("wrong-password")
    page.locator("button[type=submit]").click()
    expect(page.get_by_role("alert")).to_have_text(re.compile("用户名或密码错误"))


def test_manifest_and_service_worker_make_it_installable(page, live_server):
    page.goto("/")
    manifest = page.evaluate("fetch('/manifest.webmanifest').then(r => r.json())")
    assert manifest["display"] == "standalone" and manifest["start_url"] == "/"
    sizes = {(i["sizes"], i.get("purpose", "any")) for i in manifest["icons"]}
    assert {("192x192", "any"), ("512x512", "any"), ("512x512", "maskable")} <= sizes
    assert {s["url"] for s in manifest["shortcuts"]} >= {"/"}
    wait_for_service_worker(page)
    scope = page.evaluate("navigator.serviceWorker.getRegistration().then(r => r.scope)")
    assert scope == live_server + "/"
