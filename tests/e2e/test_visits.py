"""Visits logged offline reach the server exactly once, whatever the network and server do."""

import random
import sqlite3
import time
import uuid

from playwright.sync_api import expect

from tests.e2e.conftest import login, open_settings
from tests.e2e.test_app import wait_for_service_worker


def log_visit(page, customer_id: int, notes: str) -> None:
    page.goto(f"/customers/{customer_id}/visit?name=x")
    page.get_by_text("电话", exact=True).click()
    page.get_by_role("radio", name="有意向").check()
    page.locator("textarea[name=notes]").fill(notes)
    page.get_by_role("button", name="保存").click()
    page.locator(".card360").wait_for()


def test_three_visits_logged_offline_arrive_exactly_once(page, context, api_as):
    login(page)
    wait_for_service_worker(page)
    first = page.get_by_test_id("today-list").locator("a.row").first
    customer_id = int(first.get_attribute("href").rsplit("/", 1)[1])
    first.click()
    page.locator(".card360").wait_for()
    page.goto("/customers")  # the product list and the card are now saved on the device
    page.get_by_test_id("customer-list").wait_for()

    context.set_offline(True)
    notes = [f"离线拜访 {uuid.uuid4().hex[:6]}" for _ in range(3)]
    for text in notes:
        log_visit(page, customer_id, text)
    expect(page.get_by_test_id("unsent-contacts").locator("li")).to_have_count(3)
    expect(page.get_by_test_id("sync-chip")).to_have_attribute("data-count", "3")

    page.reload()  # still offline
    page.get_by_test_id("sync-chip").wait_for()
    expect(page.get_by_test_id("sync-chip")).to_have_attribute("data-count", "3")

    page.close()  # a new page on the same storage
    page = context.new_page()
    page.goto("/outbox")
    expect(page.get_by_test_id("outbox-list").locator("li")).to_have_count(3)

    context.set_offline(False)
    expect(page.get_by_test_id("sync-chip")).to_have_attribute("data-count", "0",
                                                                   timeout=20_000)
    card = api_as("rm1").get(f"/customers/{customer_id}")
    server_notes = [i["notes"] for i in card["interactions"]]
    assert sorted(n for n in server_notes if n in notes) == sorted(notes)

    page.goto(f"/customers/{customer_id}")
    contacts = page.get_by_test_id("server-contacts")
    for text in notes:
        expect(contacts.get_by_text(text, exact=True)).to_have_count(1)
    expect(page.get_by_test_id("unsent-contacts")).to_have_count(0)


QUEUE_WRITES = """async ({customerId, count}) => {
  const db = await new Promise((resolve, reject) => {
    const r = indexedDB.open('rm-companion');
    r.onsuccess = () => resolve(r.result); r.onerror = () => reject(r.error);
  });
  const tx = db.transaction('outbox', 'readwrite');
  const ids = [];
  for (let i = 0; i < count; i++) {
    const id = crypto.randomUUID();
    ids.push(id);
    tx.objectStore('outbox').put({client_id: id, kind: 'interaction', state: 'pending',
      createdAt: Date.now() + i, attempts: 0, customerId,
      body: {customer_id: customerId, channel: 'call', outcome: 'reached', notes: `chaos ${i}`,
             started_at: new Date().toISOString(), products_discussed: [], replaces: null}});
  }
  await new Promise((resolve) => { tx.oncomplete = resolve; });
  db.close();
  return ids;
}"""


def test_chaos_200_writes_flapping_network_and_a_killed_server(browser, own_server):
    context = browser.new_context(base_url=own_server.url, viewport={"width": 360, "height": 740},
                                  locale="zh-CN")
    page = context.new_page()
    login(page)
    wait_for_service_worker(page)
    customer_id = int(page.get_by_test_id("today-list").locator("a.row").first
                      .get_attribute("href").rsplit("/", 1)[1])
    context.set_offline(True)
    client_ids = page.evaluate(QUEUE_WRITES, {"customerId": customer_id, "count": 200})

    acknowledged = []
    page.on("requestfinished",
            lambda r: acknowledged.append(1) if r.url.endswith("/api/v1/sync") else None)
    rng = random.Random(7)
    killed = restarted = False
    deadline = time.monotonic() + 60
    online = False
    while time.monotonic() < deadline:
        online = not online
        context.set_offline(not online)
        page.wait_for_timeout(rng.randint(100, 300))
        if acknowledged and not killed:
            own_server.kill()  # mid-drain: at least one batch answered, more to come
            killed = True
            killed_at = time.monotonic()
        if killed and not restarted and time.monotonic() - killed_at > 1:
            own_server.start()
            restarted = True
        if restarted and time.monotonic() - killed_at > 4:
            break
    assert killed and restarted
    context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    expect(page.get_by_test_id("sync-chip")).to_have_attribute("data-count", "0",
                                                                   timeout=60_000)
    with sqlite3.connect(own_server.database) as db:
        marks = ",".join("?" * len(client_ids))
        rows = db.execute(f"SELECT client_id FROM interactions WHERE client_id IN ({marks})",
                          client_ids).fetchall()
        ledger = db.execute(f"SELECT count(*) FROM sync_writes WHERE client_id IN ({marks})",
                            client_ids).fetchone()[0]
    assert len(rows) == 200 and len({r[0] for r in rows}) == 200
    assert ledger == 200
    context.close()


QUEUE_EDITS = """async ({customerId}) => {
  const db = await new Promise((resolve) => {
    const r = indexedDB.open('rm-companion'); r.onsuccess = () => resolve(r.result);
  });
  const original = crypto.randomUUID();
  const body = (notes, replaces) => ({customer_id: customerId, channel: 'visit',
    outcome: 'reached', notes, started_at: new Date().toISOString(), products_discussed: [],
    replaces});
  const tx = db.transaction('outbox', 'readwrite');
  const put = (id, b, base, at) => tx.objectStore('outbox').put({client_id: id,
    kind: 'interaction', state: 'pending', createdAt: at, attempts: 0, customerId, label: 'C',
    body: b, ...(base ? {base_version: base} : {})});
  put(original, body('first version', null), null, 1);
  put(crypto.randomUUID(), body('edit on the phone', original), 1, 2);
  put(crypto.randomUUID(), body('edit on the tablet', original), 1, 3);  // same base: stale
  await new Promise((resolve) => { tx.oncomplete = resolve; });
  db.close();
}"""


def test_a_stale_edit_opens_the_conflict_screen_and_nothing_merges_silently(page, api_as):
    login(page)
    customer_id = int(page.get_by_test_id("today-list").locator("a.row").first
                      .get_attribute("href").rsplit("/", 1)[1])
    page.evaluate(QUEUE_EDITS, {"customerId": customer_id})
    page.goto("/outbox")
    page.get_by_role("button", name="立即同步").click()
    resolve = page.get_by_role("link", name="处理")
    expect(resolve).to_have_count(1, timeout=15_000)
    resolve.click()
    table = page.get_by_test_id("conflict-table")
    expect(table.get_by_text("edit on the phone")).to_be_visible()     # the server's
    expect(table.get_by_text("edit on the tablet")).to_be_visible()    # mine
    notes = [i["notes"] for i in api_as("rm1").get(f"/customers/{customer_id}")["interactions"]]
    assert "edit on the phone" in notes and "edit on the tablet" not in notes

    page.get_by_role("button", name="保留我的版本").click()
    expect(page.get_by_test_id("sync-chip")).to_have_attribute("data-count", "0",
                                                                timeout=15_000)
    expect(page.get_by_role("link", name="处理")).to_have_count(0)
    notes = [i["notes"] for i in api_as("rm1").get(f"/customers/{customer_id}")["interactions"]]
    assert "edit on the tablet" in notes and "edit on the phone" not in notes


def test_editing_a_synced_visit_sends_a_new_version(page, api_as):
    login(page)
    wait_for_service_worker(page)
    first = page.get_by_test_id("today-list").locator("a.row").first
    customer_id = int(first.get_attribute("href").rsplit("/", 1)[1])
    log_visit(page, customer_id, "first words")
    expect(page.get_by_test_id("sync-chip")).to_have_attribute("data-count", "0", timeout=15_000)
    contacts = page.get_by_test_id("server-contacts")
    expect(contacts.get_by_text("first words", exact=True)).to_have_count(1)

    contacts.locator("li", has_text="first words").get_by_role("link", name="修改").click()
    expect(page.locator("textarea[name=notes]")).to_have_value("first words")
    page.locator("textarea[name=notes]").fill("better words")
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_test_id("sync-chip")).to_have_attribute("data-count", "0", timeout=15_000)
    visits = api_as("rm1").get(f"/customers/{customer_id}")["interactions"]
    edited = [v for v in visits if v["notes"] in ("first words", "better words")]
    assert [(v["notes"], v["version"]) for v in edited] == [("better words", 2)]


def open_first_card_of_today(page) -> int:
    """Open the card of Today's first customer, online (Today's prefetch of the day's cards
    may still be running); return the customer's id."""
    wait_for_service_worker(page)
    customer_id = int(page.get_by_test_id("today-list").locator("a.row").first
                      .get_attribute("href").rsplit("/", 1)[1])
    page.goto(f"/customers/{customer_id}")
    page.locator(".card360").wait_for()
    return customer_id


def test_signing_out_with_unsent_writes_asks_first(page, context):
    login(page)
    customer_id = open_first_card_of_today(page)
    context.set_offline(True)
    log_visit(page, customer_id, "not sent yet")
    open_settings(page)
    messages = []

    def dismiss(dialog):
        messages.append(dialog.message)
        dialog.dismiss()

    page.once("dialog", dismiss)
    page.get_by_role("button", name="退出登录").click()
    assert messages and "1" in messages[0]
    expect(page.get_by_role("button", name="退出登录")).to_be_visible()  # still signed in
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="退出登录").click()
    expect(page.get_by_role("button", name="登录")).to_be_visible()
    context.set_offline(False)
