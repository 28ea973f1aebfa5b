"""The outbox never loses or doubles an RM's work (docs/sync.md): a dead session, another user
on the device, chained edits on two tabs, a double tap on Save, and a server that comes back."""

import time
import uuid

from playwright.sync_api import expect

from tests.e2e.conftest import OtherDevice, login, open_settings, outbox_size
from tests.e2e.test_visits import log_visit, open_first_card_of_today


def server_notes(live_server: str, username: str, customer_id: int) -> list[str]:
    card = OtherDevice(live_server, username).call("GET", f"/customers/{customer_id}")
    return [i["notes"] for i in card["interactions"]]


def test_unsent_visits_wait_for_their_owner_through_a_dead_session_and_another_user(
        page, context, live_server):
    login(page, "rm3")
    customer_id = open_first_card_of_today(page)
    context.set_offline(True)
    notes = [f"kept {uuid.uuid4().hex[:6]}" for _ in range(3)]
    for text in notes:
        log_visit(page, customer_id, text)

    # the browser was closed: its cookies are gone; the app opens online on a dead session
    context.clear_cookies()
    context.set_offline(False)
    page.reload()
    expect(page.get_by_role("button", name="登录")).to_be_visible()
    waiting = page.get_by_test_id("waiting-writes")
    expect(waiting).to_have_attribute("data-count", "3")
    expect(waiting).to_contain_text("3 条未发送")
    assert outbox_size(page) == 3
    assert not set(notes) & set(server_notes(live_server, "rm3", customer_id))

    # a colleague signs in on this phone: they neither see nor send them
    login(page, "rm2")
    expect(page.get_by_test_id("sync-chip")).to_have_attribute("data-count", "0")
    page.goto("/outbox")
    expect(page.get_by_text("没有等待发送的内容。")).to_be_visible()
    page.wait_for_timeout(2_500)  # the outbox's first sends after sign-in
    assert outbox_size(page) == 3
    open_settings(page)
    page.get_by_role("button", name="退出登录").click()  # nothing of theirs to lose: no question
    expect(page.get_by_test_id("waiting-writes")).to_have_attribute("data-count", "3")

    login(page, "rm3")  # the owner is back: everything goes, once
    expect(page.get_by_test_id("sync-chip")).to_have_attribute("data-count", "0", timeout=20_000)
    stored = server_notes(live_server, "rm3", customer_id)
    assert sorted(n for n in stored if n in notes) == sorted(notes)
    assert outbox_size(page) == 0


def test_an_edit_of_an_unsent_edit_never_overwrites_another_tabs_edit(page, context, live_server):
    login(page, "rm3")
    customer_id = open_first_card_of_today(page)
    log_visit(page, customer_id, "original")
    expect(page.get_by_test_id("sync-chip")).to_have_attribute("data-count", "0", timeout=15_000)
    office = OtherDevice(live_server, "rm3")
    visit = next(i for i in office.call("GET", f"/customers/{customer_id}")["interactions"]
                 if i["notes"] == "original")
    edit_url = (f"/customers/{customer_id}/visit?edit={visit['client_id']}"
                f"&version={visit['version']}&from=server")

    tab_b = context.new_page()
    for tab in (page, tab_b):  # both opened the visit on version 1
        tab.goto(edit_url)
        expect(tab.locator("textarea[name=notes]")).to_have_value("original")
    context.set_offline(True)
    for tab, text in ((tab_b, "edit on tab B"), (page, "edit on tab A")):
        tab.locator("textarea[name=notes]").fill(text)
        tab.get_by_role("button", name="保存").click()
        tab.locator(".card360").wait_for()
    # tab A edits its own unsent edit again
    page.reload()
    unsent = page.get_by_test_id("unsent-contacts").locator("li", has_text="edit on tab A")
    unsent.get_by_role("link", name="修改").click()
    expect(page.locator("textarea[name=notes]")).to_have_value("edit on tab A")
    page.locator("textarea[name=notes]").fill("edit on tab A, again")
    page.get_by_role("button", name="保存").click()
    page.locator(".card360").wait_for()

    context.set_offline(False)
    page.goto("/outbox")
    page.get_by_role("button", name="立即同步").click()
    expect(page.get_by_role("link", name="处理")).to_have_count(1, timeout=15_000)
    # B's edit was made on version 1 and went first; A's edit was made on version 1 too
    assert "edit on tab B" in server_notes(live_server, "rm3", customer_id)

    # meanwhile the RM changes the visit again from the office
    office.call("POST", "/sync", {"writes": [{
        "client_id": str(uuid.uuid4()), "kind": "interaction", "base_version": 2,
        "body": {"customer_id": customer_id, "channel": "call", "outcome": "interested",
                 "started_at": visit["started_at"], "notes": "edit from the office",
                 "replaces": visit["client_id"]}}]})
    page.get_by_role("link", name="处理").click()
    table = page.get_by_test_id("conflict-table")
    expect(table.get_by_text("edit from the office")).to_be_visible()  # the server's, as it is now
    expect(table.get_by_text("edit on tab A, again")).to_be_visible()
    page.get_by_role("button", name="保留我的版本").click()

    def stored():
        card = office.call("GET", f"/customers/{customer_id}")
        [edited] = [i for i in card["interactions"] if i["client_id"] == visit["client_id"]]
        return edited["notes"], edited["version"]

    deadline = time.monotonic() + 15
    while stored() != ("edit on tab A, again", 4) and time.monotonic() < deadline:
        time.sleep(0.25)
    assert stored() == ("edit on tab A, again", 4)
    assert outbox_size(page) == 0


def test_a_double_tap_on_save_stores_one_visit(page, live_server):
    login(page, "rm2")
    customer_id = open_first_card_of_today(page)
    page.goto(f"/customers/{customer_id}/visit?name=x")
    page.get_by_role("radio", name="已联系上").check()
    page.locator("textarea[name=notes]").fill("tapped twice")
    page.get_by_role("button", name="保存").dblclick()
    page.locator(".card360").wait_for()
    expect(page.get_by_test_id("sync-chip")).to_have_attribute("data-count", "0", timeout=15_000)
    page.wait_for_timeout(1_000)
    assert server_notes(live_server, "rm2", customer_id).count("tapped twice") == 1


SERVER_AWAY_SECONDS = 40
BACK_WITHIN_SECONDS = 15


def test_the_outbox_sends_nothing_offline_and_notices_a_server_that_comes_back(browser, own_server):
    context = browser.new_context(base_url=own_server.url, viewport={"width": 360, "height": 740},
                                  locale="zh-CN")
    page = context.new_page()
    login(page)
    customer_id = open_first_card_of_today(page)
    other_tab = context.new_page()
    other_tab.goto("/outbox")
    other_count = other_tab.get_by_test_id("unsent-count")
    expect(other_count).to_have_attribute("data-count", "0")
    sync_posts = []
    context.on("request", lambda r: sync_posts.append(r.url) if r.url.endswith("/api/v1/sync")
               else None)

    context.set_offline(True)
    for i in range(3):
        log_visit(page, customer_id, f"offline {i}")
    expect(other_count).to_have_attribute("data-count", "3", timeout=3_000)  # every tab knows
    page.wait_for_timeout(12_000)
    assert sync_posts == [], "the outbox sent while the device was offline"
    context.set_offline(False)
    expect(page.get_by_test_id("sync-chip")).to_have_attribute("data-count", "0", timeout=10_000)
    expect(other_count).to_have_attribute("data-count", "0", timeout=3_000)

    own_server.kill()
    for i in range(2):
        log_visit(page, customer_id, f"while the server was away {i}")
    page.wait_for_timeout(SERVER_AWAY_SECONDS * 1000)
    own_server.start()
    back = time.monotonic()
    expect(page.get_by_test_id("sync-chip")).to_have_attribute(
        "data-count", "0", timeout=BACK_WITHIN_SECONDS * 1000)
    assert time.monotonic() - back <= BACK_WITHIN_SECONDS
    expect(other_count).to_have_attribute("data-count", "0", timeout=3_000)
    context.close()


POISONED_OUTBOX = """async ({customerId}) => {
  const db = await new Promise((resolve) => {
    const r = indexedDB.open('rm-companion'); r.onsuccess = () => resolve(r.result);
  });
  let deep = 'x';
  for (let i = 0; i < 40; i++) deep = [deep];  // the whole batch is refused: 422
  const tx = db.transaction('outbox', 'readwrite');
  for (let i = 0; i < 10; i++) {
    const body = {customer_id: customerId, channel: 'call', outcome: 'reached',
      notes: `poison test ${i}`, started_at: new Date().toISOString(), products_discussed: [],
      replaces: null};
    if (i === 3) body.started_at = '9999-12-31T23:59:59-08:00';  // refused alone
    if (i === 6) body.notes = deep;
    tx.objectStore('outbox').put({client_id: crypto.randomUUID(), kind: 'interaction',
      state: 'pending', createdAt: Date.now() + i, attempts: 0, customerId, label: 'C', body});
  }
  await new Promise((resolve) => { tx.oncomplete = resolve; });
  db.close();
}"""


def test_one_poisoned_write_is_isolated_and_shown_and_the_rest_drains(page, live_server):
    login(page, "rm2")
    customer_id = open_first_card_of_today(page)
    page.evaluate(POISONED_OUTBOX, {"customerId": customer_id})
    page.goto("/outbox")
    page.get_by_role("button", name="立即同步").click()
    rows = page.get_by_test_id("outbox-list").locator("li")
    expect(rows).to_have_count(2, timeout=15_000)
    expect(page.get_by_test_id("unsent-count")).to_have_attribute("data-count", "0")
    reasons = page.get_by_test_id("outbox-reason")
    expect(reasons.filter(has_text="请检查时间")).to_have_count(1)  # names the field, in Chinese
    expect(reasons.filter(has_text="服务器拒收")).to_have_count(2)
    stored = [n for n in server_notes(live_server, "rm2", customer_id)
              if (n or "").startswith("poison test")]
    assert len(stored) == 8 and len(set(stored)) == 8
