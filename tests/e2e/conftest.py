"""Browser tests: the real app (built PWA + Flask) on a free port, driven in system Chromium."""

import json
import os
import re
import shutil
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.e2e.server import LiveServer, serve

ROOT = Path(__file__).resolve().parents[2]
DIST = ROOT / "pwa" / "dist"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
PHONE = {"width": 360, "height": 740}
TABLET = {"width": 820, "height": 1180}
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
]


def pytest_collection_modifyitems(items):
    for item in items:
        if "/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(autouse=True)
def _clean_database():
    """The live server owns its database; the unit-test cleanup does not apply here."""
    yield


@pytest.fixture(scope="session")
def pwa_dist(tmp_path_factory):
    """A copy of the built PWA that a test may change to publish a 'new version'."""
    if not (DIST / "index.html").exists():
        pytest.fail("pwa/dist is missing: build the PWA first (make test does)")
    copy = tmp_path_factory.mktemp("dist") / "dist"
    shutil.copytree(DIST, copy)
    return copy


@pytest.fixture(scope="session")
def live_server(tmp_path_factory, pwa_dist):
    """Serve the built PWA and the API on a fresh SQLite demo bank."""
    if not (DIST / "index.html").exists():
        pytest.fail("pwa/dist is missing: build the PWA first (make test does)")
    with serve(tmp_path_factory.mktemp("live"), dist=pwa_dist) as url:
        yield url


@pytest.fixture
def own_server(tmp_path, pwa_dist):
    """A server of the test's own, which it may SIGKILL and start again (LiveServer)."""
    server = LiveServer(tmp_path, pwa_dist)
    server.load(customers=60, months=2)
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def browser_type_launch_args():
    return {"executable_path": CHROMIUM, "args": CHROMIUM_ARGS, "headless": True}


@pytest.fixture
def browser_context_args(live_server):
    return context_args(live_server)


def context_args(base_url: str, **extra) -> dict:
    """A phone in Chinese with the service worker on, served from base_url."""
    return {"viewport": PHONE, "locale": "zh-CN", "base_url": base_url,
            # the tests inject axe and evaluate strings, which the app's CSP refuses;
            # test_content_security_policy.py runs the app under the policy
            "service_workers": "allow", "bypass_csp": True, **extra}


class ApiSession:
    """Read the API as a user, to pick the data a browser test will look for."""

    def __init__(self, base_url: str, username: str):
        self.base_url = base_url
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor())
        body = json.dumps({"username": username, "password": "demo1234"}).encode()
        request = urllib.request.Request(f"{base_url}/api/v1/auth/login", data=body,
                                         headers={"Content-Type": "application/json"})
        self.opener.open(request)

    def get(self, path: str):
        with self.opener.open(f"{self.base_url}/api/v1{path}") as response:
            return json.load(response)


@pytest.fixture(scope="session")
def api_as(live_server):
    return lambda username: ApiSession(live_server, username)


def login(page, username="rm1", password="demo1234"):
    page.goto("/")
    page.get_by_label("用户名").or_(page.get_by_label("Username")).fill(username)
    page.locator("input[name=password]").fill(password)
    page.locator("button[type=submit]").click()
    page.get_by_test_id("today-list").wait_for()


def open_settings(page) -> None:
    """Settings as a user reaches them: the "me" tab (a lead's team tab), then its link."""
    page.locator("nav.tabbar").get_by_role(
        "link", name=re.compile("^(我的|Me|团队|Team)$")).click()
    page.get_by_test_id("settings-link").click()
    page.locator(".segmented").wait_for()


class OtherDevice:
    """The same user signed in from somewhere else (a script's user agent)."""

    def __init__(self, base_url: str, username: str):
        self.base_url = base_url
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor())
        answer = self.call("POST", "/auth/login", {"username": username, "password": "demo1234"})
        self.csrf = answer["csrf_token"]

    def call(self, method: str, path: str, body=None):
        request = urllib.request.Request(
            f"{self.base_url}/api/v1{path}", method=method,
            data=json.dumps(body).encode() if body is not None else None,
            headers={"Content-Type": "application/json",
                     **({"X-CSRF-Token": self.csrf} if getattr(self, "csrf", None) else {})})
        with self.opener.open(request) as response:
            return json.loads(response.read() or b"null")

    def status(self, path: str) -> int:
        try:
            self.call("GET", path)
            return 200
        except urllib.error.HTTPError as error:
            return error.code


def outbox_size(page) -> int:
    return page.evaluate("""() => new Promise((resolve, reject) => {
        const open = indexedDB.open('rm-companion');
        open.onsuccess = () => {
          const count = open.result.transaction('outbox').objectStore('outbox').count();
          count.onsuccess = () => resolve(count.result);
          count.onerror = () => reject(count.error);
        };
        open.onerror = () => reject(open.error);
    })""")


def until(page, expression: str, timeout_ms: int = 15_000) -> None:
    """Wait until `expression` (evaluated in the page, awaited) is true.

    page.wait_for_function() polls by eval() inside the page, which the app's Content
    Security Policy forbids (no 'unsafe-eval'): it fails as soon as it has to poll. Each
    page.evaluate() goes through the DevTools protocol instead, which the policy allows.
    """
    deadline = time.monotonic() + timeout_ms / 1000
    while not page.evaluate(expression):
        if time.monotonic() > deadline:
            raise AssertionError(f"still false after {timeout_ms} ms: {expression}")
        page.wait_for_timeout(100)

