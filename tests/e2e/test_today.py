"""Today after a nightly run, on a 390×844 phone: what cannot wait first, compact entries, and
the contact loop (a call logged in two taps, a visit form that closes its entry, Undo)."""

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import context_args, login, outbox_size, until
from tests.e2e.server import serve
from tests.e2e.test_plan import Api

PHONE_390 = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def morning(tmp_path_factory, pwa_dist):
    """A demo bank after its nightly run: risk cases, renewals, offers and hours in the plan."""
    with serve(tmp_path_factory.mktemp("morning"), dist=pwa_dist, nightly=True) as url:
        yield url


@pytest.fixture
def browser_context_args(morning):
    return context_args(morning, viewport=PHONE_390)


@pytest.fixture(autouse=True)
def no_dialer(context):
    """Headless Chromium has no dialer: a tel: link it follows opens an external-protocol
    prompt that swallows every later input. The app's own click handler runs first; the
    link's default action (leaving for the dialer) is what this stops."""
    context.add_init_script("""document.addEventListener('click', (event) => {
      const link = event.target instanceof Element && event.target.closest('a[href^="tel:"]');
      if (link) event.preventDefault();
    });""")


def open_entries(api: Api, username: str = "rm1") -> list[dict]:
    return [e for e in api.call("GET", "/plan")["entries"] if e["state"] == "planned"]


def entry_card(page, entry_id: int):
    return page.locator(f'[data-testid="plan-entry"][data-entry-id="{entry_id}"]')


def came_back_from_the_dialer(page) -> None:
    """What a phone does around a tel: link: the dialer hides the app, then the RM returns.
    Headless Chromium has no dialer, so the page is told its visibility changed."""
    page.evaluate("""() => {
      for (const state of ['hidden', 'visible']) {
        Object.defineProperty(document, 'visibilityState',
                              { configurable: true, get: () => state });
        document.dispatchEvent(new Event('visibilitychange'));
      }
    }""")


def test_must_do_comes_first_then_the_day_by_time(page, morning):
    api = Api(morning, "rm1")
    entries = open_entries(api)
    must = sorted((e for e in entries if e["must_do"]),
                  key=lambda e: (-e["priority"], e["customer"]["id"]))
    rest = sorted((e for e in entries if not e["must_do"]),
                  key=lambda e: (e["suggested_hour"] or 99, -e["priority"], e["customer"]["id"]))
    assert must and rest, "the nightly run gave rm1 nothing that must be done today"
    login(page)
    must_group, time_group = page.get_by_test_id("group-must"), page.get_by_test_id("group-time")
    expect(must_group.get_by_role("heading", name="必办")).to_be_visible()
    expect(time_group.get_by_role("heading", name="其余，按时间")).to_be_visible()
    expect(must_group.get_by_test_id("plan-entry")).to_have_count(len(must))
    expect(time_group.get_by_test_id("plan-entry")).to_have_count(len(rest))
    shown = [int(x) for x in must_group.get_by_test_id("plan-entry").evaluate_all(
        "cards => cards.map(c => c.dataset.entryId)")]
    assert shown == [e["id"] for e in must]
    shown = [int(x) for x in time_group.get_by_test_id("plan-entry").evaluate_all(
        "cards => cards.map(c => c.dataset.entryId)")]
    assert shown == [e["id"] for e in rest]
    why = {"risk": "风险升级", "referral": "转介绍", "renewal": "本周到期"}
    for e in must:
        expect(entry_card(page, e["id"]).get_by_test_id("must-do")).to_have_text(why[e["must_do"]])
    offered = next((e for e in entries if e["offer"]), None)
    if offered:
        expect(entry_card(page, offered["id"]).get_by_test_id("entry-offer")) \
            .to_contain_text(f"推荐 {offered['offer']['name']}")


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
def test_four_entries_fit_a_390_by_844_phone(page, morning, lang):
    login(page)
    if lang == "en":
        page.evaluate("localStorage.setItem('rm.locale', 'en')")
        page.reload()
    page.get_by_test_id("plan-entry").nth(4).wait_for()
    fully_visible = page.evaluate("""() => {
      const bar = document.querySelector('.tabbar').getBoundingClientRect().top;
      return [...document.querySelectorAll('[data-testid=plan-entry]')]
        .filter((e) => e.getBoundingClientRect().top >= 0)
        .filter((e) => e.getBoundingClientRect().bottom <= bar).length;
    }""")
    assert fully_visible >= 4
    first = page.get_by_test_id("plan-entry").first
    # call and log one tap away; done, snooze and dismiss behind "more"
    more = "更多" if lang == "zh-CN" else "More"
    expect(first.locator(".plan-actions > *")).to_have_count(3)
    expect(first.get_by_role("button", name=more)).to_be_visible()


def test_a_call_from_today_is_logged_in_two_taps_and_closes_its_entry(page, morning):
    api = Api(morning, "rm1")
    target = next(e for e in open_entries(api) if e["customer"]["phone"])
    login(page)
    card = entry_card(page, target["id"])
    taps = 0

    card.get_by_role("link", name="致电").click()
    taps += 1
    came_back_from_the_dialer(page)
    sheet = page.get_by_test_id("call-result")
    expect(sheet.get_by_role("heading", name="刚才的通话结果？")).to_be_visible()
    sheet.get_by_role("button", name="已联系上").click()
    taps += 1

    assert taps <= 3
    expect(sheet).to_have_count(0)
    expect(page.get_by_test_id("notice")).to_contain_text("已联系上")
    expect(card).to_have_attribute("data-state", "done")  # at once, before it is sent
    expect(page.get_by_test_id("sync-chip")).to_have_attribute("data-count", "0", timeout=20_000)
    server = {e["id"]: e for e in api.call("GET", "/plan")["entries"]}
    assert server[target["id"]]["state"] == "done"
    contacts = api.call("GET", f"/customers/{target['customer']['id']}")["interactions"]
    assert contacts[0]["channel"] == "call" and contacts[0]["outcome"] == "reached"


def test_undo_takes_a_logged_call_back_before_it_leaves(page, morning):
    api = Api(morning, "rm1")
    target = next(e for e in open_entries(api) if e["customer"]["phone"])
    before = len(api.call("GET", f"/customers/{target['customer']['id']}")["interactions"])
    login(page)
    entry_card(page, target["id"]).get_by_role("link", name="致电").click()
    came_back_from_the_dialer(page)
    page.get_by_test_id("call-result").get_by_role("button", name="未联系上").click()
    expect(entry_card(page, target["id"])).to_have_attribute("data-state", "done")
    page.get_by_test_id("notice").get_by_role("button", name="撤销").click()
    expect(page.get_by_test_id("notice")).to_contain_text("已撤销")
    expect(entry_card(page, target["id"])).to_have_attribute("data-state", "planned")
    assert outbox_size(page) == 0
    page.wait_for_timeout(7_000)  # past the Undo window: nothing went
    after = api.call("GET", f"/customers/{target['customer']['id']}")["interactions"]
    assert len(after) == before
    assert {e["id"]: e for e in open_entries(api)}[target["id"]]["state"] == "planned"


def test_waving_the_sheet_away_logs_nothing(page, morning):
    api = Api(morning, "rm1")
    target = next(e for e in open_entries(api) if e["customer"]["phone"])
    login(page)
    entry_card(page, target["id"]).get_by_role("link", name="致电").click()
    came_back_from_the_dialer(page)
    page.get_by_test_id("call-result").get_by_role("button", name="暂不记录").click()
    expect(page.get_by_test_id("call-result")).to_have_count(0)
    came_back_from_the_dialer(page)  # asked once only
    expect(page.get_by_test_id("call-result")).to_have_count(0)
    assert outbox_size(page) == 0


def test_the_visit_form_from_an_entry_needs_an_outcome_and_closes_the_entry(page, morning):
    api = Api(morning, "rm1")
    target = next(e for e in open_entries(api) if e["offer"])
    login(page)
    entry_card(page, target["id"]).get_by_role("link", name="记录").click()
    form = page.locator(".visit-form")
    expect(form.get_by_role("radio", name={"visit": "上门拜访", "call": "电话"}.get(
        target["channel"], target["channel"]))).to_be_checked()
    offer_row = form.locator(".discussed").first
    expect(offer_row.locator("select").first).to_have_value(target["offer"]["product_code"])
    expect(offer_row.locator("select").nth(1)).to_have_value("")  # not discussed until answered

    form.get_by_role("button", name="保存").click()
    expect(form.get_by_role("alert")).to_have_text("请选择联系结果。")
    assert outbox_size(page) == 0

    form.get_by_role("radio", name="有意向").check()
    offer_row.locator("select").nth(1).select_option("interested")
    form.get_by_role("button", name="保存").click()
    page.get_by_test_id("today-list").wait_for()  # back on Today
    expect(page.get_by_test_id("notice")).to_contain_text("已保存")
    expect(entry_card(page, target["id"])).to_have_attribute("data-state", "done")
    expect(page.get_by_test_id("sync-chip")).to_have_attribute("data-count", "0", timeout=20_000)
    states = {e["id"]: e["state"] for e in api.call("GET", "/plan")["entries"]}
    assert states[target["id"]] == "done"
    [latest, *_] = api.call("GET", f"/customers/{target['customer']['id']}")["interactions"]
    assert latest["outcome"] == "interested"
    assert latest["products_discussed"] == [
        {"product_code": target["offer"]["product_code"], "answer": "interested"}]


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
def test_the_call_sheet_passes_axe(page, morning, lang):
    from tests.e2e.test_accessibility import serious_violations

    api = Api(morning, "rm1")
    target = next(e for e in open_entries(api) if e["customer"]["phone"])
    page.goto("/")
    page.evaluate(f"localStorage.setItem('rm.locale', '{lang}')")
    login(page)
    entry_card(page, target["id"]).locator("a[href^='tel:']").click()
    came_back_from_the_dialer(page)
    page.get_by_test_id("call-result").wait_for()
    assert serious_violations(page) == []


def test_two_calls_in_a_row_are_each_asked_about(page, morning):
    api = Api(morning, "rm2")
    first, second = [e for e in open_entries(api) if e["customer"]["phone"]][:2]
    login(page, "rm2")
    for target, outcome in ((first, "待跟进"), (second, "有意向")):
        entry_card(page, target["id"]).locator("a[href^='tel:']").click()
        came_back_from_the_dialer(page)
        page.get_by_test_id("call-result").get_by_role("button", name=outcome).click()
        expect(entry_card(page, target["id"])).to_have_attribute("data-state", "done")
    expect(page.get_by_test_id("sync-chip")).to_have_attribute("data-count", "0", timeout=20_000)
    states = {e["id"]: e["state"] for e in api.call("GET", "/plan")["entries"]}
    assert states[first["id"]] == states[second["id"]] == "done"


def test_the_card_leads_with_todays_focus_and_keeps_the_models_in_a_drawer(page, morning):
    api = Api(morning, "rm1")
    entries = open_entries(api)
    target = next(e for e in entries if e["must_do"] == "risk")
    card = api.call("GET", f"/customers/{target['customer']['id']}")
    login(page)
    entry_card(page, target["id"]).locator("a.row").click()
    focus = page.get_by_test_id("focus")
    expect(focus.get_by_role("heading", name="今日要点")).to_be_visible()
    expect(focus.get_by_test_id("focus-why")).to_contain_text(target["objective"])
    expect(focus.get_by_test_id("focus-risk")).to_contain_text("风险")
    if card["offers"]:
        expect(focus.get_by_test_id("focus-offer")).to_contain_text(card["offers"][0]["product"]["name"])
    # the focus comes before the figures; the models wait behind their drawer
    order = page.evaluate("""() => [...document.querySelectorAll('.card360 > section')]
        .map((e) => e.dataset.testid || e.getAttribute('aria-labelledby'))""")
    assert order.index("focus") < order.index("facts-title")
    drawer = page.get_by_test_id("model-details")
    expect(drawer.get_by_test_id("scores")).to_be_hidden()
    drawer.locator("summary").click()
    expect(drawer.get_by_test_id("scores").locator("li")).to_have_count(len(card["scores"]))


SAVED_FOR_OFFLINE = """(async () => {
  const db = await new Promise((ok) => {
    const open = indexedDB.open('rm-companion');
    open.onsuccess = () => ok(open.result);
  });
  const read = (store, how) => new Promise((ok) => {
    const request = how(db.transaction(store).objectStore(store));
    request.onsuccess = () => ok(request.result);
  });
  const cards = await read('cards', (s) => s.count());
  const products = await read('meta', (s) => s.get('products'));
  return cards >= 5 && Boolean(products && products.value.length);
})()"""


def test_offline_the_rm_searches_saved_customers_reads_alerts_and_records_products(
        page, context, morning):
    from tests.e2e.test_app import wait_for_service_worker

    api = Api(morning, "rm1")
    login(page)
    wait_for_service_worker(page)
    target = open_entries(api)[0]["customer"]
    page.goto("/alerts")  # read once online: kept for offline
    page.get_by_test_id("alert-list").wait_for()
    titles = page.get_by_test_id("alert").locator(".row-title").all_inner_texts()
    page.goto("/")
    page.get_by_test_id("today-list").wait_for()
    until(page, SAVED_FOR_OFFLINE)  # Today saved its customers' cards and the product list

    context.set_offline(True)
    page.goto("/customers")
    search = page.get_by_role("searchbox", name="按名称或客户号搜索")
    search.fill(target["name"][2:6])  # a part of the name no search ever ran for
    expect(page.get_by_test_id("customer-list").get_by_text(target["name"])).to_be_visible()

    page.goto("/alerts")
    expect(page.get_by_test_id("alert").locator(".row-title")).to_have_text(titles)
    expect(page.get_by_test_id("as-of")).to_have_class("as-of stale")

    page.goto(f"/customers/{target['id']}/visit?name=x")
    page.get_by_role("button", name="添加产品").click()
    assert page.locator(".discussed select").first.locator("option").count() >= 5
    context.set_offline(False)


def test_alerts_fold_repeats_put_the_urgent_first_and_offer_their_actions(page, morning):
    api = Api(morning, "rm1")
    items = api.call("GET", "/notifications")["items"]
    groups = {(n["customer"]["id"], n["kind"]) if n["customer"] else n["id"] for n in items}
    assert items, "the nightly run raised no alert for rm1"
    login(page)
    page.locator("nav.tabbar").get_by_role("link", name="提醒").click()
    rows = page.get_by_test_id("alert")
    expect(rows).to_have_count(len(groups))
    urgent = [n for n in items if n["urgency"] == "high" and not n["read_at"]]
    if urgent:
        expect(rows.first.get_by_test_id("alert-urgent")).to_have_text("紧急")
    about = next(n for n in items if n["customer"])
    card_link = f'a[href="/customers/{about["customer"]["id"]}"]'
    row = page.locator(f'[data-testid="alert"]:has({card_link})').first
    expect(row.get_by_role("link", name=f"查看客户: {about['customer']['name']}")).to_be_visible()
    expect(row.get_by_role("link", name=f"记录: {about['customer']['name']}")).to_be_visible()
    row.get_by_role("link", name=f"查看客户: {about['customer']['name']}").click()
    page.locator(".card360").wait_for()
    unread = {n["id"] for n in api.call("GET", "/notifications")["items"] if not n["read_at"]}
    folded = {n["id"] for n in items
              if n["customer"] and n["customer"]["id"] == about["customer"]["id"]}
    assert not (unread & folded) or len({n["kind"] for n in items if n["id"] in folded}) > 1
