"""The report screens on a phone: an RM's month (Me), the lead's team dashboard with a
drill-down, the products report, CSV downloads that match the API, and the refusals."""

import csv
import io
import json
import re
import urllib.error
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import context_args, login, open_settings
from tests.e2e.test_app import wait_for_service_worker

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def browser_context_args(live_server):
    return context_args(live_server, viewport=PHONE, accept_downloads=True)


def count(value) -> str:
    """A count (or a team median, maybe x.5) as the screen writes it in either language."""
    return f"{value:,.1f}".removesuffix(".0")


def sign_in(page, username: str, landmark: str):
    page.goto("/")
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill("demo1234")
    page.locator("button[type=submit]").click()
    page.get_by_test_id(landmark).wait_for()


def nav(page, name: str):
    return page.locator("nav.tabbar").get_by_role("link", name=name, exact=True)


def csv_rows(download) -> list[dict]:
    text = Path(download.path()).read_text(encoding="utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


def as_csv(rows: list[dict]) -> list[dict]:
    """JSON rows as Python's csv module writes them: str() of each value, '' for null."""
    return [{k: "" if v is None else str(v) for k, v in row.items()} for row in rows]


def test_rm_sees_their_month_against_the_team_median_in_both_languages(page, api_as):
    report = api_as("rm1").get("/reports/rm")
    figures, median = report["figures"], report["team_median"]
    login(page)
    nav(page, "我的").click()
    screen = page.get_by_test_id("rm-report")
    expect(screen.get_by_role("heading", name="我的业绩", level=1)).to_be_visible()

    tile = screen.locator('[data-testid="tile"][data-figure="contacts_logged"]')
    expect(tile.locator("dt")).to_have_text("联系次数")
    expect(tile.locator(".tile-value")).to_have_text(count(figures["contacts_logged"]))
    expect(tile.locator(".tile-median")).to_contain_text(
        f"团队中位数 {count(median['contacts_logged'])}")
    expect(screen.get_by_test_id("tile")).to_have_count(10)
    # no figure is ever null-blank or a raw key; a missing rate reads "—"
    if figures["plan_done_rate"] is None:
        expect(screen.locator('[data-figure="plan_done_rate"] .tile-value')).to_have_text("—")

    # the weekly chart: a canvas, a sentence, and the numbers behind it
    weekly = screen.get_by_test_id("me-weekly-contacts")
    expect(weekly.locator("canvas").first).to_be_visible()
    expect(weekly.get_by_role("img")).to_have_attribute("aria-label", re.compile("^联系次数.*当周"))
    cells = weekly.locator("table tbody tr td:first-of-type")
    expect(cells).to_have_text([count(w["contacts"]) for w in report["tables"]["weekly"]])
    expect(screen.get_by_test_id("funnel").locator("li")).to_have_count(3)
    text = screen.inner_text()
    assert not re.search(r"\b(figure|reports|me|stage)\.[a-z_]+", text)
    assert "contacts_logged" not in text and "undefined" not in text and "NaN" not in text

    # the page never scrolls sideways on a phone: wide tables scroll inside their card
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    open_settings(page)
    page.get_by_role("radio", name="English").check()
    nav(page, "Me").click()
    expect(screen.get_by_role("heading", name="My month", level=1)).to_be_visible()
    expect(tile.locator("dt")).to_have_text("Contacts")
    expect(tile.locator(".tile-median")).to_contain_text(
        f"team median {count(median['contacts_logged'])}")
    expect(screen.get_by_test_id("csv-channels")).to_have_text("Download CSV: Contacts by channel")


@pytest.mark.parametrize("table", ["figures", "channels", "weekly"])
def test_a_csv_link_downloads_the_rows_of_the_json_table(page, api_as, table):
    login(page)
    page.goto("/me")
    link = page.get_by_test_id(f"csv-{table}")
    month = api_as("rm1").get("/reports/rm")["month"]
    expect(link).to_have_attribute("href", f"/api/v1/reports/rm?format=csv&table={table}"
                                           f"&month={month}")
    with page.expect_download() as info:
        link.click()
    download = info.value
    assert download.suggested_filename.endswith(f"-{month}-{table}.csv")
    report = api_as("rm1").get(f"/reports/rm?month={month}")
    assert csv_rows(download) == as_csv(report["tables"][table])


def test_a_past_month_is_picked_from_the_last_twelve_and_says_when_its_snapshot_was_taken(page):
    login(page)
    page.goto("/me")
    picker = page.get_by_test_id("month-picker")
    expect(picker.locator("option")).to_have_count(12)
    current = picker.input_value()
    past = picker.locator("option").nth(1).get_attribute("value")
    taken = "2026-01-01T01:00:00Z"

    def with_snapshot(route):
        body = json.loads(route.fetch().text())
        route.fulfill(json={**body, "snapshot": {"taken_at": taken}})

    page.route(re.compile(rf"/api/v1/reports/rm\?month={past}$"), with_snapshot)
    picker.select_option(past)
    expect(page).to_have_url(re.compile(rf"/me\?month={past}$"))
    expect(page.get_by_test_id("snapshot-note")).to_contain_text("月末快照")
    expect(page.get_by_test_id("csv-weekly")).to_have_attribute(
        "href", re.compile(rf"month={past}$"))
    assert current != past


def test_lead_sees_a_row_per_rm_of_the_team_and_drills_down(page, api_as):
    report = api_as("lead1").get("/reports/team")
    rms = report["tables"]["rms"]
    others = {r["rm_name"] for r in api_as("lead2").get("/reports/team")["tables"]["rms"]}
    login(page, "lead1")
    nav(page, "团队").click()
    table = page.get_by_test_id("rm-table")
    expect(table.get_by_test_id("rm-row")).to_have_count(len(rms))
    expect(table.locator("tbody th")).to_have_text([r["rm_name"] for r in rms])
    expect(table.locator("tfoot tr.median-row th")).to_have_text("团队中位数")
    assert not others & set(table.locator("tbody th").all_inner_texts())
    approvals = page.get_by_test_id("team-approvals")
    expect(approvals).to_contain_text(f"{report['approvals']['total']} 项待审批")
    expect(approvals.get_by_role("link")).to_have_attribute("href", "/approvals")
    expect(page.get_by_test_id("risk-by-severity").locator("li")).to_have_count(3)
    expect(page.get_by_test_id("team-weekly-contacts").locator("canvas").first).to_be_visible()

    # sorting by contacts puts the busiest RM first
    table.get_by_role("button", name="联系次数").click()
    busiest = max(rms, key=lambda r: r["contacts_logged"])
    expect(table.locator("tbody th").first).to_have_text(busiest["rm_name"])

    # a tap anywhere on the row opens that RM's month
    target = rms[-1]
    table.get_by_test_id("rm-row").filter(has_text=target["rm_name"]).locator("td").first.click()
    expect(page).to_have_url(re.compile(rf"/team/rm/{target['rm_id']}\?month="))
    screen = page.get_by_test_id("rm-report")
    expect(screen.get_by_role("heading", level=1)).to_have_text(f"{target['rm_name']}的业绩")
    expect(screen.locator('[data-figure="contacts_logged"] .tile-value')).to_have_text(
        count(target["contacts_logged"]))
    expect(screen.get_by_test_id("csv-channels")).to_have_attribute(
        "href", re.compile(rf"&rm={target['rm_id']}$"))
    screen.get_by_role("link", name="‹ 团队").click()
    expect(page.get_by_test_id("rm-table")).to_be_visible()

    # an RM of another team is not a drill-down away
    other = api_as("lead2").get("/reports/team")["tables"]["rms"][0]
    page.goto(f"/team/rm/{other['rm_id']}")
    expect(page.get_by_role("alert")).to_have_text("该客户经理不在您的团队中。")
    expect(page.get_by_test_id("tile")).to_have_count(0)


@pytest.mark.parametrize("locale", ["en-US", "zh-CN"])
def test_a_leads_five_tabs_fit_a_360_px_phone_and_the_rest_is_under_team(browser, live_server,
                                                                          locale):
    context = browser.new_context(**context_args(
        live_server, viewport={"width": 360, "height": 740}, locale=locale))
    page = context.new_page()
    login(page, "lead1")
    bar = page.locator("nav.tabbar")
    expect(bar.locator("a")).to_have_count(5)
    assert bar.evaluate("n => n.scrollWidth - n.clientWidth") <= 0
    # still a finger's width each, and no label cut off
    for tab in bar.locator("a").all():
        assert tab.bounding_box()["width"] >= 44
        assert tab.evaluate("n => n.scrollWidth <= n.clientWidth")
    # the product report and settings are one tap under the team tab, which stays lit
    bar.get_by_role("link", name="团队" if locale == "zh-CN" else "Team").click()
    page.locator(".me-links").get_by_role(
        "link", name="产品" if locale == "zh-CN" else "Products", exact=True).click()
    page.get_by_test_id("products-report").wait_for()
    team = "团队" if locale == "zh-CN" else "Team"
    expect(bar.locator("a[aria-current=page]")).to_have_text(team)
    context.close()


def test_analyst_lands_on_products_and_sees_the_portfolio(page, api_as):
    report = api_as("analyst1").get("/reports/products")
    portfolio = report["tables"]["portfolio"]
    sign_in(page, "analyst1", "products-report")
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.locator("nav.tabbar a")).to_have_text(["产品", "提醒", "设置"])
    table = page.get_by_test_id("portfolio-table")
    expect(table.get_by_test_id("portfolio-row")).to_have_count(len(portfolio))
    expect(table.locator("tbody th").first).to_contain_text(portfolio[0]["name"])
    expect(table.get_by_test_id("simplify")).to_have_count(
        sum(1 for p in portfolio if p["simplify"]))
    expect(page.get_by_test_id("margin-bars").locator("li")).to_have_count(len(portfolio))
    expect(page.get_by_test_id("simplify-share")).to_contain_text(
        f"{len(portfolio)} 个产品中有 {report['simplify_candidates']} 个")
    expect(page.get_by_test_id("products-monthly").locator("canvas").first).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


@pytest.mark.parametrize(("path", "message"), [
    ("/team", "团队看板仅供团队主管查看，您的角色无法查看。"),
    ("/products", "产品报表仅供分析师、管理员和团队主管查看，您的角色无法查看。"),
])
def test_an_rm_is_refused_the_team_and_products_reports(page, api_as, path, message):
    with pytest.raises(urllib.error.HTTPError) as refused:
        api_as("rm1").get(f"/reports{path}")
    assert refused.value.code == 403
    login(page)
    page.goto(path)
    expect(page.get_by_role("alert")).to_have_text(message)
    expect(page.locator("table")).to_have_count(0)
    expect(page.get_by_test_id("tile")).to_have_count(0)


def test_an_rm_cannot_open_a_colleagues_month(page, api_as):
    colleague = api_as("lead1").get("/reports/team")["tables"]["rms"][1]
    login(page)
    page.goto(f"/team/rm/{colleague['rm_id']}")
    expect(page.get_by_role("alert")).to_have_text("您的角色无法查看此报表。")
    expect(page.get_by_text(colleague["rm_name"])).to_have_count(0)


def test_offline_the_report_says_it_needs_a_connection(page, context):
    login(page)
    wait_for_service_worker(page)
    context.set_offline(True)
    page.goto("/me")
    expect(page.get_by_role("alert")).to_contain_text("报表需要网络连接")
    expect(page.get_by_role("button", name="重试")).to_be_visible()
    context.set_offline(False)
    page.get_by_role("button", name="重试").click()
    expect(page.get_by_test_id("tile").first).to_be_visible()
