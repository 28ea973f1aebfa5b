"""The app runs under its Content-Security-Policy: no screen needs an inline script or
style the policy forbids (a violation is reported on the console and the securitypolicy
violation event)."""

import pytest

from tests.e2e.conftest import login

SCREENS = ("/", "/customers", "/me", "/referrals", "/alerts", "/settings")


@pytest.fixture
def browser_context_args(browser_context_args):
    return {**browser_context_args, "bypass_csp": False}  # the one test under the policy


def test_no_screen_violates_the_policy(page, live_server):
    violations = []
    page.on("console", lambda m: violations.append(m.text)
            if "Content Security Policy" in m.text else None)
    login(page)
    page.evaluate("""() => { window.__violations = [];
        document.addEventListener('securitypolicyviolation',
            e => window.__violations.push(e.violatedDirective + ' ' + e.blockedURI)); }""")
    for path in SCREENS:
        page.evaluate("path => { history.pushState({}, '', path); "
                      "dispatchEvent(new PopStateEvent('popstate')); }", path)
        page.wait_for_load_state("networkidle")
    page.goto("/customers")
    page.locator("a[href^='/customers/']").first.click()
    page.wait_for_load_state("networkidle")
    page.goto("/me")
    page.locator("canvas").first.wait_for()
    violations += page.evaluate("() => window.__violations || []")
    assert violations == []
    headers = page.request.get(f"{live_server}/").headers
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
