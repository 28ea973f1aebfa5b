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
