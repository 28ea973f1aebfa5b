"""Screenshot every screen at phone and tablet size, in both languages (make screenshots).

Writes docs/screenshots/<screen>-<device>-<lang>.png against a fresh demo bank.
"""

import re
import subprocess
import sys
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, PHONE, TABLET  # noqa: E402
from tests.e2e.server import serve  # noqa: E402
from tests.e2e.test_plan import Api  # noqa: E402

OUT = ROOT / "docs" / "screenshots"


def shoot_report(page, name: str, device: str, lang: str) -> None:
    """A report screen as the phone shows it, and the whole page (the tab bar at its foot)."""
    page.get_by_test_id("tile").or_(page.get_by_test_id("portfolio-row")).first.wait_for()
    page.locator(".chart-canvas canvas").first.wait_for()
    page.wait_for_timeout(300)
    page.screenshot(path=OUT / f"{name}-{device}-{lang}.png")
    viewport = page.viewport_size
    page.set_viewport_size({"width": viewport["width"],
                            "height": page.evaluate("document.documentElement.scrollHeight")})
    page.wait_for_timeout(300)
    page.screenshot(path=OUT / f"{name}-full-{device}-{lang}.png")
    page.set_viewport_size(viewport)


def sign_in(browser, url: str, viewport: dict, lang: str, username: str, landmark: str):
    context = browser.new_context(viewport=viewport, locale=lang, base_url=url,
                                  device_scale_factor=1)
    page = context.new_page()
    page.goto("/")
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill("demo1234")
    page.locator("button[type=submit]").click()
    page.get_by_test_id(landmark).wait_for()
    return context, page


def shoot(browser, url: str, device: str, viewport: dict, lang: str,
          risky_customer: int) -> None:
    context = browser.new_context(viewport=viewport, locale=lang, base_url=url,
                                  device_scale_factor=1)
    page = context.new_page()
    page.goto("/")
    page.locator("input[name=username]").wait_for()
    page.screenshot(path=OUT / f"login-{device}-{lang}.png")
    page.locator("input[name=username]").fill("rm1")
    page.locator("input[name=password]").fill("demo1234")
    page.locator("button[type=submit]").click()
    page.get_by_test_id("today-list").wait_for()
    page.screenshot(path=OUT / f"today-{device}-{lang}.png")
    page.goto("/customers")
    page.get_by_test_id("customer-list").wait_for()
    page.screenshot(path=OUT / f"customers-{device}-{lang}.png")
    page.get_by_test_id("customer-list").locator("a").first.click()
    page.locator(".card360").wait_for()
    card_url = page.url
    page.wait_for_timeout(200)
    page.screenshot(path=OUT / f"customer-{device}-{lang}.png")
    page.screenshot(path=OUT / f"customer-full-{device}-{lang}.png", full_page=True)
    page.get_by_role("link", name=re.compile("记录拜访|Log a visit")).first.click()
    page.locator(".visit-form").wait_for()
    page.locator("input[name=outcome][value=interested]").check()
    page.get_by_role("button", name=re.compile("添加产品|Add a product")).click()
    page.locator(".discussed select").nth(1).select_option("declined")
    page.wait_for_timeout(200)
    page.screenshot(path=OUT / f"visit-{device}-{lang}.png", full_page=True)
    context.set_offline(True)
    page.locator("input").last.press("Escape")
    page.locator(".discussed input").fill("利率偏高" if lang == "zh-CN" else "Rate too high")
    notes = {"zh-CN": "到店拜访，老板在考虑扩店。", "en": "Visited; the owner plans a second shop."}
    page.locator("textarea[name=notes]").fill(notes[lang])
    page.locator("button[type=submit]").click()
    # a customer on today's plan goes back to Today (the entry is met), another to the card
    page.locator(".card360").or_(page.get_by_test_id("today-list")).first.wait_for()
    page.goto(card_url)
    page.locator(".card360").wait_for()
    page.wait_for_timeout(300)
    page.screenshot(path=OUT / f"customer-unsent-{device}-{lang}.png")
    page.goto("/outbox")
    page.get_by_test_id("outbox-list").wait_for()
    page.screenshot(path=OUT / f"outbox-{device}-{lang}.png")
    context.set_offline(False)
    page.goto("/settings")
    page.locator(".segmented").wait_for()
    page.screenshot(path=OUT / f"settings-{device}-{lang}.png")
    page.goto("/alerts")
    page.locator(".alert-list, .state.empty").first.wait_for()
    page.screenshot(path=OUT / f"alerts-{device}-{lang}.png")
    page.goto("/me")
    shoot_report(page, "me", device, lang)
    page.goto(f"/customers/{risky_customer}")
    page.get_by_test_id("risk-cases").wait_for()
    page.get_by_test_id("moments").scroll_into_view_if_needed()
    page.wait_for_timeout(200)
    page.screenshot(path=OUT / f"customer-moments-{device}-{lang}.png")
    context.close()
    lead = browser.new_context(viewport=viewport, locale=lang, base_url=url,
                               device_scale_factor=1)
    page = lead.new_page()
    page.goto("/")
    page.locator("input[name=username]").fill("lead1")
    page.locator("input[name=password]").fill("demo1234")
    page.locator("button[type=submit]").click()
    page.get_by_test_id("today-list").wait_for()
    page.goto("/approvals")
    page.get_by_role("button", name=re.compile("批准|Approve")).first.wait_for()
    page.screenshot(path=OUT / f"approvals-{device}-{lang}.png")
    page.goto("/team")
    shoot_report(page, "team", device, lang)
    page.get_by_test_id("rm-link").first.click()
    shoot_report(page, "team-rm", device, lang)
    lead.close()
    analyst, page = sign_in(browser, url, viewport, lang, "analyst1", "products-report")
    shoot_report(page, "products", device, lang)
    analyst.close()


def request_waiver(url: str) -> int:
    """rm1 asks for a waiver on their first open risk case (for the lead's inbox)."""
    rm = Api(url, "rm1")
    case = next(c for c in rm.call("GET", "/risk-cases")["items"] if c["state"] == "open")
    rm.call("POST", f"/risk-cases/{case['id']}/request",
            {"action": "waiver", "cooperative": True, "waiver_share": 0.5,
             "note": "临时资金周转困难，已还部分本金"})
    return case["customer"]["id"]


def has_chinese_font() -> bool:
    """Without a CJK font Chromium draws Chinese as empty boxes: no screenshot is better."""
    try:
        fonts = subprocess.run(["fc-list", ":lang=zh"], capture_output=True, text=True).stdout
    except OSError:
        return False
    return bool(fonts.strip())


def main() -> None:
    if not has_chinese_font():
        sys.exit("No Chinese font: install one first (Debian: apt-get install fonts-noto-cjk).")
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as folder, \
            serve(Path(folder), customers=600, months=24, nightly=True) as url, \
            sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        risky_customer = request_waiver(url)
        for lang in ("zh-CN", "en"):
            for device, viewport in (("phone", PHONE), ("tablet", TABLET)):
                shoot(browser, url, device, viewport, lang, risky_customer)
        browser.close()
    print(f"screenshots in {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
