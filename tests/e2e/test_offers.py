"""Offers on the 360 card (reasons, price band, feedback through the outbox), quotes a lead
approves, and a referral from another line that reaches the owning RM."""

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import context_args, login
from tests.e2e.server import serve
from tests.e2e.test_app import wait_for_service_worker
from tests.e2e.test_plan import Api


@pytest.fixture(scope="module")
def offers_server(tmp_path_factory, pwa_dist):
    """A bank after a whole nightly run: offers need propensity scores, so trained models."""
    with serve(tmp_path_factory.mktemp("offers"), customers=300, months=12, dist=pwa_dist,
               nightly=True) as url:
        yield url


@pytest.fixture
def browser_context_args(offers_server):
    return context_args(offers_server)


def rate(value: float) -> str:
    return f"{value * 100:.2f}%"


def server_states(api, customer_id: int) -> dict:
    return {o["id"]: o["state"]
            for o in api.call("GET", f"/customers/{customer_id}/offers")["items"]}


@pytest.fixture(scope="module")
def offered(offers_server):
    """An rm1 customer with at least two live offers, one of them a priced credit product."""
    api = Api(offers_server, "rm1")
    for customer in api.call("GET", "/customers?per_page=50")["items"]:
        offers = api.call("GET", f"/customers/{customer['id']}/offers")["items"]
        priced = [o for o in offers if o["state"] == "suggested" and o["price"]
                  and o["price"]["unit"] == "rate" and o["reasons"]]
        others = [o for o in offers if o["state"] == "suggested" and o not in priced[:1]]
        if priced and others:
            return api, api.call("GET", f"/customers/{customer['id']}"), priced[0], others[0]
    pytest.fail("the nightly run gave rm1 no customer with a priced offer and another one")


def offer_row(page, offer_id: int):
    return page.locator(f'[data-testid="offer"][data-offer-id="{offer_id}"]')


def sign_in(page, username: str, landmark: str):
    page.goto("/")
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill("demo1234")
    page.locator("button[type=submit]").click()
    page.get_by_test_id(landmark).wait_for()


def test_card_shows_offers_with_reasons_and_band_and_accepted_syncs(page, context, offered):
    api, card, priced, other = offered
    login(page)
    wait_for_service_worker(page)
    page.goto(f"/customers/{card['id']}")
    section = page.get_by_test_id("offers")
    expect(section.get_by_role("heading", name="推荐产品")).to_be_visible()

    row = offer_row(page, priced["id"])
    expect(row).to_contain_text(priced["product"]["name"])
    expect(row).to_have_attribute("data-state", "suggested")
    reasons = row.get_by_role("list", name="原因")
    for reason in priced["reasons"]:
        expect(reasons.get_by_text(reason["zh"], exact=True)).to_be_visible()
    band = priced["price"]["band"]
    expect(row.get_by_test_id("offer-band")).to_have_text(
        f"{rate(band['min'])} – {rate(band['max'])}")
    expect(row.get_by_test_id("offer-price")).to_contain_text(rate(priced["price"]["list"]))
    expect(row.get_by_test_id("offer-price")).to_contain_text(rate(priced["price"]["floor"]))

    # accepted on the road without a signal: on the device at once, on the server once online
    context.set_offline(True)
    row.get_by_role("button", name=f"已接受: {priced['product']['name']}").click()
    expect(row).to_have_attribute("data-state", "accepted")
    expect(row.get_by_test_id("offer-unsent")).to_be_visible()
    expect(row.get_by_role("button", name=f"已成交: {priced['product']['name']}")).to_be_visible()
    expect(page.get_by_test_id("sync-chip")).to_have_attribute("data-count", "1")
    assert server_states(api, card["id"])[priced["id"]] == "suggested"

    context.set_offline(False)
    expect(page.get_by_test_id("sync-chip")).to_have_attribute("data-count", "0", timeout=20_000)
    expect(row.get_by_test_id("offer-unsent")).to_have_count(0)
    expect(row).to_have_attribute("data-state", "accepted")
    assert server_states(api, card["id"])[priced["id"]] == "accepted"

    # a decline needs its reason
    other_row = offer_row(page, other["id"])
    other_row.get_by_role("button", name=f"已拒绝: {other['product']['name']}").click()
    other_row.get_by_role("button", name="确定").click()
    expect(other_row.get_by_role("alert")).to_have_text("请填写客户拒绝的原因。")
    other_row.locator("input[name=reason]").fill("已在他行办理")
    other_row.get_by_role("button", name="确定").click()
    expect(other_row).to_have_attribute("data-state", "declined")
    expect(page.get_by_test_id("sync-chip")).to_have_attribute("data-count", "0", timeout=20_000)
    # gone from the server's list of live offers, not from the RM's view
    expect(other_row).to_have_attribute("data-state", "declined")

    # the package advice and, when the API gives any, the related parties' needs
    expect(page.get_by_test_id("package")).to_be_visible()
    expect(page.get_by_test_id("package").get_by_role("heading", name="服务套餐")).to_be_visible()
    if card.get("related_needs"):
        expect(page.get_by_test_id("related-needs")).to_be_visible()
        expect(page.get_by_test_id("related-need")).to_have_count(len(card["related_needs"]))


def test_a_quote_outside_the_band_goes_to_the_lead_who_approves_it(page, browser,
                                                                    browser_context_args, offered):
    from tests.e2e.test_accessibility import serious_violations

    _, card, priced, _ = offered
    band = priced["price"]["band"]
    login(page)
    page.goto(f"/customers/{card['id']}")
    row = offer_row(page, priced["id"])
    row.get_by_role("button", name=f"报价: {priced['product']['name']}").click()
    form = row.get_by_test_id("quote-form")
    price = form.get_by_label("年利率（%）")
    expect(price).to_have_value(f"{priced['price']['suggested'] * 100:.2f}")
    assert serious_violations(page) == []

    price.fill("")
    form.get_by_role("button", name="提交报价").click()
    expect(form.locator(".field-error")).to_have_text("请输入大于零的价格。")
    price.fill(f"{band['min'] * 100:.2f}")  # the edge of the band is inside it
    form.get_by_role("button", name="提交报价").click()
    result = row.get_by_test_id("quote-result")
    expect(result).to_have_attribute("data-state", "approved")
    expect(result).to_contain_text(f"已批准：{rate(band['min'])}")

    low = band["min"] - 0.0010
    row.get_by_role("button", name=f"报价: {priced['product']['name']}").click()
    price = row.get_by_test_id("quote-form").get_by_label("年利率（%）")
    price.fill(f"{low * 100:.2f}")
    row.get_by_test_id("quote-form").get_by_label("备注（可选）").fill("他行报价更低")
    row.get_by_test_id("quote-form").get_by_role("button", name="提交报价").click()
    expect(result).to_have_attribute("data-state", "pending_approval")
    expect(result).to_contain_text("已提交主管审批")

    lead_context = browser.new_context(**browser_context_args)
    lead = lead_context.new_page()
    login(lead, "lead1")
    lead.goto("/approvals")
    quote = lead.locator('[data-testid="approval"][data-kind="quote"]', has_text=card["name"]).first
    expect(quote).to_contain_text(priced["product"]["name"])
    expect(quote.get_by_test_id("quote-price")).to_have_text(rate(low))
    expect(quote).to_contain_text(f"{rate(band['min'])} – {rate(band['max'])}")
    expect(quote).to_contain_text("低于权限区间 10 个基点")
    expect(quote).to_contain_text("他行报价更低")
    assert serious_violations(lead) == []
    quote_id = quote.get_attribute("data-quote-id")
    quote.get_by_role("button", name="批准").click()
    expect(lead.get_by_role("status").filter(has_text="已记录审批结果：已批准")).to_be_visible()
    expect(lead.locator(f'[data-kind="quote"][data-quote-id="{quote_id}"]')).to_have_count(0)
    lead_context.close()


def test_a_referral_reaches_the_owning_rm_in_referrals_and_alerts(page, browser,
                                                                  browser_context_args, offered):
    from tests.e2e.test_accessibility import serious_violations

    api, card, _, _ = offered
    need = "老板想开通代发工资，员工约 40 人"
    sign_in(page, "referrer1", "refer-form")
    nav = page.get_by_role("navigation", name="主导航")
    expect(nav.get_by_role("link")).to_have_count(4)  # no Today, no Customers: no portfolio
    for name in ("推荐客户", "我的推荐", "提醒", "设置"):
        expect(nav.get_by_role("link", name=name)).to_be_visible()
    form = page.get_by_test_id("refer-form")
    form.get_by_role("button", name="提交推荐").click()
    expect(form.get_by_text("请输入客户号。")).to_be_visible()
    expect(form.get_by_text("请描述需求。")).to_be_visible()
    assert serious_violations(page) == []
    form.get_by_label("客户号").fill(card["external_id"])
    form.get_by_label("企业有什么需求？").fill(need)
    form.get_by_role("button", name="提交推荐").click()

    sent = page.get_by_test_id("referral-sent")
    expect(sent.get_by_role("status")).to_have_text(f"已转给 {card['rm']['name']}。")
    expect(sent.get_by_test_id("referral-state")).to_have_text("新转介")
    expect(sent.get_by_test_id("sla").locator("li")).to_have_count(2)
    expect(sent.get_by_test_id("sla")).to_contain_text("前确认")
    referral_id = sent.get_attribute("data-referral-id")
    nav.get_by_role("link", name="我的推荐").click()
    mine = page.locator(f'[data-testid="referral"][data-referral-id="{referral_id}"]')
    expect(mine).to_contain_text(need)
    expect(mine.get_by_test_id("referral-rm")).to_have_text(card["rm"]["name"])
    expect(mine).not_to_contain_text(card["name"])  # a referrer never sees the customer's data
    expect(mine.get_by_role("button")).to_have_count(0)

    rm_context = browser.new_context(**browser_context_args)
    rm = rm_context.new_page()
    login(rm, "rm1")
    rm_nav = rm.get_by_role("navigation", name="主导航")
    expect(rm_nav.get_by_role("link")).to_have_count(5)  # with Me and Referrals
    rm_nav.get_by_role("link", name="转介").click()
    item = rm.locator(f'[data-testid="referral"][data-referral-id="{referral_id}"]')
    expect(item).to_contain_text(need)
    expect(item).to_contain_text(card["name"])
    expect(item.get_by_test_id("referral-state")).to_have_text("新转介")
    assert serious_violations(rm) == []
    item.get_by_role("button", name=f"确认接收: {card['name']}").click()
    expect(item.get_by_test_id("referral-state")).to_have_text("已确认")
    expect(item.get_by_role("button", name=f"确认接收: {card['name']}")).to_have_count(0)
    assert {r["id"]: r["state"] for r in api.call("GET", "/referrals")["items"]}[int(referral_id)] \
        == "acknowledged"

    rm_nav.get_by_role("link", name="提醒").click()
    alert = rm.get_by_test_id("alert").filter(has_text=need[:20]).first
    expect(alert).to_contain_text("新转介")
    expect(alert).to_have_attribute("data-unread", "true")
    rm_context.close()
