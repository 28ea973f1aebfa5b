"""A new version shows an update prompt; the app never reloads itself under a form with input."""

from playwright.sync_api import expect

from tests.e2e.conftest import login
from tests.e2e.test_app import wait_for_service_worker


def test_new_version_prompts_and_waits_for_the_user(page, pwa_dist):
    login(page)
    wait_for_service_worker(page)
    page.get_by_role("link", name="客户").click()
    search = page.get_by_role("searchbox")
    search.fill("半填的搜索")  # the RM is in the middle of typing
    page.evaluate("window.__marker = 'still here'")

    worker = pwa_dist / "sw.js"
    original = worker.read_text()
    try:
        worker.write_text(original + "\n// release 2\n")
        page.evaluate("navigator.serviceWorker.getRegistration().then(r => r.update())")
        expect(page.get_by_text("有新版本可用。")).to_be_visible(timeout=15_000)
        page.wait_for_timeout(1_000)
        # no reload happened: the typed text and the page's state are still there
        assert page.evaluate("window.__marker") == "still here"
        expect(search).to_have_value("半填的搜索")

        with page.expect_navigation():
            page.get_by_role("button", name="更新").click()
        page.get_by_role("searchbox").wait_for()
        assert page.evaluate("window.__marker") is None
        assert page.evaluate("navigator.serviceWorker.controller.state") == "activated"
    finally:
        worker.write_text(original)
