"""Alerts on the phone: turn push on in Settings, receive a push, tap it, read the inbox.

Headless Chromium has no push service: an init script stands in for
PushManager.subscribe with keys the test made, and pushes arrive through the DevTools
protocol (docs: /work/shared/TESTING.md, "Web Push").
"""

import json
import secrets

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from playwright.sync_api import expect

from tests.e2e.conftest import context_args, login, open_settings
from tests.e2e.test_app import wait_for_service_worker
from tests.e2e.test_plan import Api
from tests.push.pushservice import PushService, b64url


def p256_public() -> str:
    key = ec.generate_private_key(ec.SECP256R1())
    return b64url(key.public_key().public_bytes(serialization.Encoding.X962,
                                                serialization.PublicFormat.UncompressedPoint))


@pytest.fixture(scope="module")
def push_server(live_server):
    """The app under test (it has VAPID keys: tests/e2e/server.py makes them)."""
    return live_server


@pytest.fixture
def browser_context_args(push_server):
    return context_args(push_server)


@pytest.fixture(scope="module")
def push_service():
    with PushService() as service:
        yield service.origin


FAKE_PUSH = """
(() => {
  const cfg = %s;
  if (typeof PushManager === 'undefined') return;
  const bytes = (s) => Uint8Array.from(atob(s.replace(/-/g, '+').replace(/_/g, '/')
    + '='.repeat((4 - s.length %% 4) %% 4)), (c) => c.charCodeAt(0)).buffer;
  const KEY = 'fakePush.serverKey';  // survives reloads, like a real subscription
  const make = (serverKey) => ({
    endpoint: cfg.endpoint,
    expirationTime: null,
    options: { userVisibleOnly: true, applicationServerKey: bytes(serverKey) },
    getKey: (name) => bytes(name === 'p256dh' ? cfg.p256dh : cfg.auth),
    toJSON: () => ({ endpoint: cfg.endpoint, expirationTime: null,
                     keys: { p256dh: cfg.p256dh, auth: cfg.auth } }),
    unsubscribe: () => { sessionStorage.removeItem(KEY); return Promise.resolve(true); },
  });
  PushManager.prototype.subscribe = function (options) {
    const key = options.applicationServerKey;
    const view = key instanceof ArrayBuffer ? new Uint8Array(key)
      : new Uint8Array(key.buffer, key.byteOffset, key.byteLength);
    const text = btoa(String.fromCharCode(...view))
      .replace(/\\+/g, '-').replace(/\\//g, '_').replace(/=+$/, '');
    sessionStorage.setItem(KEY, text);
    return Promise.resolve(make(text));
  };
  PushManager.prototype.getSubscription = function () {
    const key = sessionStorage.getItem(KEY);
    return Promise.resolve(key ? make(key) : null);
  };
})();
"""


@pytest.fixture
def device(context, push_server, push_service):
    """Notifications allowed for the app; subscribe() answers with keys made here."""
    context.grant_permissions(["notifications"], origin=push_server)
    fake = {"endpoint": f"{push_service}/push/{secrets.token_urlsafe(16)}",
            "p256dh": p256_public(), "auth": b64url(secrets.token_bytes(16))}
    context.add_init_script(FAKE_PUSH % json.dumps(fake))
    return fake


def registration_id(page, cdp, origin: str) -> str:
    found = {}

    def updated(event):
        for reg in event["registrations"]:
            if reg["scopeURL"].rstrip("/") == origin and not reg.get("isDeleted"):
                found["id"] = reg["registrationId"]

    cdp.on("ServiceWorker.workerRegistrationUpdated", updated)
    cdp.send("ServiceWorker.enable")
    for _ in range(100):
        if "id" in found:
            return found["id"]
        page.wait_for_timeout(100)
    pytest.fail("no service worker registration reported through CDP")


TAP = """([tag, action]) => self.registration.getNotifications({tag}).then((ns) => {
  if (!ns.length) return false;
  self.dispatchEvent(new NotificationEvent('notificationclick', {notification: ns[0], action}));
  return true;
})"""


def tap(context, page, tag: str, action: str = "") -> None:
    """Tap a notification: headless Chromium shows none to click, so the click event is
    dispatched inside the service worker (the one running now: an idle one is stopped)."""
    for _ in range(100):
        workers = context.service_workers
        try:
            if workers and workers[-1].evaluate(TAP, [tag, action]):
                return
        except Exception:  # noqa: BLE001 - the worker stopped meanwhile; ask the next one
            pass
        page.wait_for_timeout(100)
    pytest.fail(f"no notification tagged {tag} in the service worker")


NOTIFICATIONS = ("navigator.serviceWorker.ready.then(r => r.getNotifications())"
                 ".then(ns => ns.map(n => ({title: n.title, body: n.body, data: n.data,"
                 " tag: n.tag, actions: n.actions.map(a => a.title)})))")


def test_turn_on_receive_a_push_and_tap_it_to_the_customer(page, context, push_server, device):
    api = Api(push_server, "rm1")
    customer = api.call("GET", "/customers?per_page=1")["items"][0]
    alert = api.call("POST", "/push/test")  # a real inbox row of rm1's, to be read by the tap

    # (a) Settings → Turn on: the server stores this device's endpoint and keys
    login(page)
    expect(page.get_by_test_id("push-prompt")).to_have_count(0)  # permission already granted
    wait_for_service_worker(page)
    open_settings(page)
    panel = page.get_by_test_id("push-panel")
    expect(panel.get_by_test_id("push-state")).to_have_attribute("data-state", "off")
    panel.get_by_role("button", name="开启", exact=True).click()
    expect(panel.get_by_test_id("push-state")).to_have_attribute("data-state", "on")
    expect(panel.get_by_test_id("push-state")).to_have_text("状态：此设备已开启")
    stored = api.call("GET", "/push/subscriptions")["items"]
    assert device["endpoint"] in [s["endpoint"] for s in stored]

    # (b) a push delivered to the service worker shows a notification
    cdp = context.new_cdp_session(page)
    reg_id = registration_id(page, cdp, push_server)
    payload = {"kind": "risk_high", "title": "风险预警", "body": f"{customer['name']}：逾期 35 天",
               "url": f"/customers/{customer['id']}", "id": alert["id"], "lang": "zh-CN"}
    cdp.send("ServiceWorker.deliverPushMessage",
             {"origin": push_server, "registrationId": reg_id, "data": json.dumps(payload)})
    shown = []
    for _ in range(100):
        shown = [n for n in page.evaluate(NOTIFICATIONS) if n["title"] == "风险预警"]
        if shown:
            break
        page.wait_for_timeout(100)
    assert shown, "the push showed no notification"
    assert shown[0]["body"] == payload["body"]
    assert shown[0]["data"]["url"] == f"/customers/{customer['id']}"
    assert shown[0]["tag"] == f"alert-{alert['id']}"
    assert shown[0]["actions"] == ["打开", "记录拜访"]

    # (c) tapping it opens the customer's 360 card (the click dispatched in the worker:
    # headless Chromium has no notification to tap) and marks the alert read
    tap(context, page, f"alert-{alert['id']}")
    expect(page).to_have_url(f"{push_server}/customers/{customer['id']}")
    expect(page.locator(".card360")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text(customer["name"])
    assert page.evaluate(NOTIFICATIONS) == []  # the tapped notification is closed
    for _ in range(50):
        item = next(i for i in api.call("GET", "/notifications")["items"] if i["id"] == alert["id"])
        if item["read_at"]:
            break
        page.wait_for_timeout(100)
    assert item["read_at"], "the tapped alert is still unread"

    # Log a visit, from a second push's button
    payload = {**payload, "id": alert["id"] + 100000}
    cdp.send("ServiceWorker.deliverPushMessage",
             {"origin": push_server, "registrationId": reg_id, "data": json.dumps(payload)})
    tap(context, page, f"alert-{payload['id']}", "visit")
    expect(page).to_have_url(f"{push_server}/customers/{customer['id']}/visit")
    expect(page.locator(".visit-form")).to_be_visible()

    # Turn off: the server forgets the device
    open_settings(page)
    panel.get_by_role("button", name="关闭", exact=True).click()
    expect(panel.get_by_test_id("push-state")).to_have_attribute("data-state", "off")
    stored = api.call("GET", "/push/subscriptions")["items"]
    assert device["endpoint"] not in [s["endpoint"] for s in stored]


def test_today_offers_alerts_once_and_never_asks_by_itself(page, push_server):
    page.goto("/")
    page.locator("input[name=username]").wait_for()
    expect(page.get_by_test_id("push-prompt")).to_have_count(0)  # not on the login screen
    login(page)
    prompt = page.get_by_test_id("push-prompt")
    expect(prompt.get_by_role("heading", name="在这部手机上接收提醒？")).to_be_visible()
    assert page.evaluate("Notification.permission") == "default"  # nothing asked yet
    prompt.get_by_role("button", name="以后再说").click()
    expect(prompt).to_have_count(0)
    page.reload()
    page.get_by_test_id("today-list").wait_for()
    expect(page.get_by_test_id("push-prompt")).to_have_count(0)


def test_inbox_lists_alerts_marks_them_read_and_keeps_the_badge(page, context, push_server):
    api = Api(push_server, "rm2")
    api.call("POST", "/notifications/read", {"all": True})
    # Other tests on this shared server may have alerted rm2 before: those stay listed, read.
    earlier = len(api.call("GET", "/notifications")["items"])
    api.call("POST", "/push/test")
    api.call("POST", "/push/test")
    login(page, "rm2")
    wait_for_service_worker(page)
    badge = page.get_by_test_id("unread-badge")
    expect(badge).to_have_text("2")
    nav = page.get_by_role("navigation", name="主导航")
    nav.get_by_role("link", name="提醒").click()
    items = page.get_by_test_id("alert")
    expect(items).to_have_count(earlier + 2)
    expect(items.first).to_have_attribute("data-unread", "true")
    expect(items.first).to_contain_text("测试提醒")

    items.first.locator("a").click()  # a test alert leads to Settings
    expect(page).to_have_url(f"{push_server}/settings")
    expect(badge).to_have_text("1")
    nav.get_by_role("link", name="提醒").click()
    expect(page.locator('[data-testid="alert"][data-unread="true"]')).to_have_count(1)
    page.get_by_role("button", name="全部标为已读").click()
    expect(page.locator('[data-testid="alert"][data-unread="true"]')).to_have_count(0)
    expect(badge).to_have_count(0)
    assert api.call("GET", "/notifications")["unread"] == 0

    context.set_offline(True)
    page.reload()  # offline, the last inbox read is still there, marked as of its time
    expect(page.get_by_test_id("alert")).to_have_count(earlier + 2)
    expect(page.get_by_test_id("as-of")).to_have_class("as-of stale")
    context.set_offline(False)
