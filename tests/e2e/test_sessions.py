"""Signed-in devices in Settings, and a session the server ended: the RM's unsent work stays
on the device and goes once they sign in again."""

from playwright.sync_api import expect

from tests.e2e.conftest import OtherDevice, login, open_settings, outbox_size
from tests.e2e.test_visits import log_visit, open_first_card_of_today


def test_settings_lists_my_devices_and_signs_one_out(page, live_server):
    other = OtherDevice(live_server, "rm5")
    login(page, "rm5")
    open_settings(page)
    devices = page.get_by_test_id("devices")
    expect(devices.locator("li")).to_have_count(2)
    expect(devices.locator("li", has_text="本机")).to_have_count(1)
    expect(devices).to_contain_text("Python-urllib")
    expect(devices).to_contain_text("127.0.0.1")
    devices.get_by_role("button", name="强制下线").click()
    expect(devices.get_by_role("status")).to_contain_text("已下线")
    expect(devices.locator("li")).to_have_count(1)
    assert other.status("/auth/me") == 401
    page.screenshot(path="/tmp/settings-devices.png", full_page=True)


def test_a_session_ended_elsewhere_keeps_the_unsent_visit_until_the_rm_signs_in(
        page, context, live_server, api_as):
    login(page, "rm4")
    customer_id = open_first_card_of_today(page)

    context.set_offline(True)
    log_visit(page, customer_id, "visit before the phone was signed out")
    assert outbox_size(page) == 1

    # from the office, the RM signs the phone out (lost, they think)
    office = OtherDevice(live_server, "rm4")
    phone = next(s for s in office.call("GET", "/auth/sessions")["items"] if not s["current"])
    office.call("DELETE", f"/auth/sessions/{phone['id']}")

    context.set_offline(False)  # the outbox tries, gets 401, keeps the visit
    page.reload()
    expect(page.get_by_role("button", name="登录")).to_be_visible()
    assert outbox_size(page) == 1

    login(page, "rm4")  # found the phone: signing in sends what it kept
    expect(page.get_by_test_id("sync-chip")).to_have_attribute("data-count", "0",
                                                               timeout=20_000)
    notes = [i["notes"] for i in api_as("rm4").get(f"/customers/{customer_id}")["interactions"]]
    assert notes.count("visit before the phone was signed out") == 1
