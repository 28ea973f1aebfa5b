"""PWA figures for bench_pwa.sh: first-load JS+CSS size, and a warm offline start to Today.

    python bench/pwa_figures.py BASE_URL
"""

import gzip
import re
import statistics
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, PHONE, until  # noqa: E402

BUDGET_KB = 100
OFFLINE_START_TARGET_MS = 1000


def first_load_bytes(dist: Path) -> tuple[int, list[str]]:
    """Gzipped size of the scripts and stylesheets index.html loads."""
    html = (dist / "index.html").read_text()
    files = re.findall(r'(?:src|href)="/(assets/[^"]+\.(?:js|css))"', html)
    total = sum(len(gzip.compress((dist / f).read_bytes(), 9)) for f in files)
    return total, files


def offline_start_ms(base_url: str, runs: int = 5) -> list[float]:
    """Log in once, go offline, then time fresh page loads until Today's list is drawn."""
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport=PHONE, locale="zh-CN", base_url=base_url)
        page = context.new_page()
        page.goto("/")
        page.locator("input[name=username]").fill("rm1")
        page.locator("input[name=password]").fill("demo1234")
        page.locator("button[type=submit]").click()
        page.get_by_test_id("today-list").wait_for()
        until(page, "navigator.serviceWorker.controller !== null")
        context.set_offline(True)
        timings = []
        for _ in range(runs):
            page.goto("/")
            page.get_by_test_id("today-list").wait_for()
            timings.append(page.evaluate("performance.now()"))  # ms since navigation start
        browser.close()
    return timings


def main() -> None:
    base_url = sys.argv[1]
    size, files = first_load_bytes(ROOT / "pwa" / "dist")
    print(f"first load JS+CSS (gzip): {size / 1024:.1f} KB  budget {BUDGET_KB} KB  "
          f"{'OK' if size <= BUDGET_KB * 1024 else 'OVER'}  ({', '.join(files)})")
    timings = offline_start_ms(base_url)
    median = statistics.median(timings)
    print(f"warm offline start to Today list: median {median:.0f} ms, runs "
          f"{[round(t) for t in timings]}  target < {OFFLINE_START_TARGET_MS} ms  "
          f"{'OK' if median < OFFLINE_START_TARGET_MS else 'OVER'}")


if __name__ == "__main__":
    main()
