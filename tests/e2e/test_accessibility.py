"""axe-core finds no serious or critical violation on any screen, in either language."""

import pytest

from tests.e2e.conftest import ROOT, login

AXE = ROOT / "pwa" / "node_modules" / "axe-core" / "axe.min.js"


def serious_violations(page) -> list[str]:
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    return [f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:3]}"
            for v in result["violations"] if v["impact"] in ("serious", "critical")]


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
def test_every_screen_passes_axe(page, lang):
    page.goto("/")
    page.evaluate(f"localStorage.setItem('rm.locale', '{lang}')")
    page.reload()
    page.locator("input[name=username]").wait_for()
    problems = {"login": serious_violations(page)}
    login(page)
    problems["today"] = serious_violations(page)
    page.goto("/customers")
    page.get_by_test_id("customer-list").wait_for()
    problems["customers"] = serious_violations(page)
    page.get_by_test_id("customer-list").locator("a").first.click()
    page.locator(".card360").wait_for()
    problems["customer"] = serious_violations(page)
    page.locator(".card360 .actions a").first.click()
    page.locator(".visit-form").wait_for()
    problems["visit"] = serious_violations(page)
    page.goto("/outbox")
    page.locator("#outbox-title").wait_for()
    problems["outbox"] = serious_violations(page)
    page.goto("/alerts")
    page.locator('[data-testid="alert-list"], .state.empty').first.wait_for()
    problems["alerts"] = serious_violations(page)
    page.goto("/settings")
    page.locator(".segmented").wait_for()
    page.get_by_test_id("push-kinds").wait_for()  # the alerts panel, preferences loaded
    problems["settings"] = serious_violations(page)
    assert {screen: found for screen, found in problems.items() if found} == {}


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
def test_referral_screens_pass_axe(page, lang):
    """A referrer's Refer form (with its field errors) and My referrals; an RM's Referrals."""
    page.goto("/")
    page.evaluate(f"localStorage.setItem('rm.locale', '{lang}')")
    page.reload()
    page.locator("input[name=username]").fill("referrer1")
    page.locator("input[name=password]").fill("demo1234")
    page.locator("button[type=submit]").click()
    form = page.get_by_test_id("refer-form")
    form.wait_for()
    problems = {"refer": serious_violations(page)}
    form.locator("button[type=submit]").click()
    form.locator(".field-error").first.wait_for()
    problems["refer errors"] = serious_violations(page)
    form.locator("label.choice").nth(1).click()  # a new company
    form.locator("input[name=name]").wait_for()
    problems["refer prospect"] = serious_violations(page)
    page.goto("/referrals")
    page.locator('[data-testid="referral-list"], .state.empty').first.wait_for()
    problems["my referrals"] = serious_violations(page)
    page.goto("/settings")
    page.get_by_role("button", name="退出登录").or_(
        page.get_by_role("button", name="Sign out")).click()
    login(page)
    page.goto("/referrals")
    page.locator('[data-testid="referral-list"], .state.empty').first.wait_for()
    problems["referrals"] = serious_violations(page)
    assert {screen: found for screen, found in problems.items() if found} == {}


def sign_in(page, username: str, landmark: str):
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill("demo1234")
    page.locator("button[type=submit]").click()
    page.get_by_test_id(landmark).wait_for()


def sign_out(page):
    page.goto("/settings")
    page.get_by_role("button", name="退出登录").or_(
        page.get_by_role("button", name="Sign out")).click()
    page.locator("input[name=username]").wait_for()


def wait_for_charts(page):
    page.locator(".chart-canvas canvas").first.wait_for()


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
def test_report_screens_pass_axe(page, lang):
    """An RM's Me, a lead's Team and the drill-down into an RM, an analyst's Products."""
    page.goto("/")
    page.evaluate(f"localStorage.setItem('rm.locale', '{lang}')")
    page.reload()
    sign_in(page, "rm1", "today-list")
    page.goto("/me")
    page.get_by_test_id("tile").first.wait_for()
    wait_for_charts(page)
    problems = {"me": serious_violations(page)}
    page.goto("/team")
    page.get_by_role("alert").wait_for()
    problems["team refused"] = serious_violations(page)
    sign_out(page)
    sign_in(page, "lead1", "today-list")
    page.goto("/team")
    page.get_by_test_id("rm-row").first.wait_for()
    wait_for_charts(page)
    problems["team"] = serious_violations(page)
    page.get_by_test_id("rm-link").first.click()
    page.get_by_test_id("tile").first.wait_for()
    wait_for_charts(page)
    problems["team rm"] = serious_violations(page)
    sign_out(page)
    sign_in(page, "analyst1", "products-report")
    page.get_by_test_id("portfolio-row").first.wait_for()
    wait_for_charts(page)
    problems["products"] = serious_violations(page)
    assert {screen: found for screen, found in problems.items() if found} == {}
