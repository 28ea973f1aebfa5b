"""Screenshot every screen at phone and tablet size, in both languages (make screenshots).

Writes docs/screenshots/<screen>-<device>-<lang>.png against a fresh demo bank.
"""

import sys
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, PHONE, TABLET  # noqa: E402
from tests.e2e.server import serve  # noqa: E402

OUT = ROOT / "docs" / "screenshots"


def shoot(browser, url: str, device: str, viewport: dict, lang: str) -> None:
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
    page.wait_for_timeout(200)
    page.screenshot(path=OUT / f"customer-{device}-{lang}.png")
    page.screenshot(path=OUT / f"customer-full-{device}-{lang}.png", full_page=True)
    page.goto("/settings")
    page.locator(".segmented").wait_for()
    page.screenshot(path=OUT / f"settings-{device}-{lang}.png")
    context.close()


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as folder, serve(Path(folder)) as url, \
            sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for lang in ("zh-CN", "en"):
            for device, viewport in (("phone", PHONE), ("tablet", TABLET)):
                shoot(browser, url, device, viewport, lang)
        browser.close()
    print(f"screenshots in {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
