"""Security: headers, CSRF on every write route, rate limits, the password policy,
lockout, sessions ending on a password change, and personal data masked in logs."""

import logging
import re

import pytest
from sqlalchemy import select

from backend.auth import service as auth_service
from backend.auth.models import AuditEvent
from backend.extensions import db
from tests import factories

WRITES = {"POST", "PUT", "PATCH", "DELETE"}


@pytest.fixture
def people(app):
    return factories.two_teams()


def test_every_response_carries_the_security_headers(client, people):
    for path in ("/", "/api/v1/auth/me", "/api/v1/openapi.json", "/api/v1/nope"):
        headers = client.get(path).headers
        policy = headers["Content-Security-Policy"]
        assert "script-src 'self'" in policy and "'unsafe-inline'" not in policy, path
        assert "frame-ancestors 'none'" in policy
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "same-origin"
        assert headers["X-Frame-Options"] == "DENY"
        assert "Strict-Transport-Security" not in headers  # plain HTTP in development


def test_hsts_in_production(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "HSTS_SECONDS", 31536000)
    assert client.get("/").headers["Strict-Transport-Security"] == (
        "max-age=31536000; includeSubDomains")


def test_the_session_cookie_flags(app, api, people):
    response = api().login("rm_a")
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("session="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    from config import ProdConfig
    assert ProdConfig.SESSION_COOKIE_SECURE and ProdConfig.REMEMBER_COOKIE_SECURE


def _sample_path(rule) -> str:
    path = rule.rule
    for name, converter in rule._converters.items():
        value = "1" if type(converter).__name__ in ("IntegerConverter", "NumberConverter") else "x"
        path = re.sub(rf"<(?:[^:<>]+:)?{name}>", value, path)
    return path


def test_every_write_route_refuses_a_missing_csrf_token(app, api, people):
    client = api("rm_a")
    checked = 0
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/") or rule.endpoint == "auth.login":
            continue
        for method in sorted((rule.methods or set()) & WRITES):
            response = client.http.open(_sample_path(rule), method=method, json={})
            assert response.status_code == 403, (method, rule.rule, response.status_code)
            assert "X-CSRF-Token" in response.get_json()["fields"]
            checked += 1
    assert checked >= 30  # the walk found the write routes


def test_sync_is_rate_limited_per_user(app, api, people, monkeypatch):
    monkeypatch.setitem(app.config, "SYNC_RATE_LIMIT", "3 per minute")
    rm_a, rm_b = api("rm_a"), api("rm_b")
    answers = [rm_a.post("/api/v1/sync", json={"writes": []}).status_code for _ in range(4)]
    assert answers == [200, 200, 200, 429]
    assert rm_b.post("/api/v1/sync", json={"writes": []}).status_code == 200  # per user


@pytest.mark.parametrize("password, problem", [
    ("short1", "At least"), ("onlyletters", "letters and digits"),
    ("12345678", "letters and digits"), ("password1", "easy to guess"),
    ("newrm_a2026", "easy to guess"),
])
def test_the_password_policy(password, problem, app):
    problems = auth_service.password_problems(password, "rm_a")
    assert any(problem in p for p in problems), problems


def test_a_good_password_passes(app):
    assert auth_service.password_problems("spring-Tea-42", "rm_a") == []


def audit_actions(user_id) -> list[str]:
    db.session.expire_all()
    return list(db.session.scalars(select(AuditEvent.action).where(
        AuditEvent.user_id == user_id).order_by(AuditEvent.id)))


def test_a_password_change_ends_the_other_sessions(app, api, people):
    phone, tablet = api("rm_a"), api("rm_a")
    response = phone.post("/api/v1/auth/password",
                          json={"current_password": "demo1234", "new_password": "spring-Tea-42"})
    assert response.status_code == 200, response.get_json()
    assert phone.get("/api/v1/auth/me").status_code == 200  # this session continues
    assert tablet.get("/api/v1/auth/me").status_code == 401  # the other one ended
    assert api().login("rm_a", "demo1234").status_code == 401
    assert api().login("rm_a", "spring-Tea-42").status_code == 200
    assert "auth.password_changed" in audit_actions(people["rm_a"].id)


@pytest.mark.parametrize("body, field", [
    ({"current_password": "nope", "new_password": "spring-Tea-42"}, "current_password"),
    ({"current_password": "demo1234", "new_password": "short"}, "new_password"),
    ({"current_password": "demo1234", "new_password": "demo1234"}, "new_password"),
    ({"current_password": "demo1234"}, "new_password"),
])
def test_a_refused_password_change_names_the_field(app, api, people, body, field):
    client, other_device = api("rm_a"), api("rm_a")
    response = client.post("/api/v1/auth/password", json=body)
    assert response.status_code == 422 and field in response.get_json()["fields"]
    assert other_device.get("/api/v1/auth/me").status_code == 200  # nothing ended


def test_logs_mask_id_numbers_phones_and_tokens(app, caplog):
    from backend.logmask import install

    install()
    logger = logging.getLogger("backend.test")
    with caplog.at_level(logging.INFO):
        logger.info("customer %s phone %s", "330106198712034417", "13812345678")
        logger.info("GET /api/v1/plan.ics?token=abcdefSECRET123 and /s/%s", "A" * 32)
    text = caplog.text
    assert "330106198712034417" not in text and "330106********4417" in text
    assert "13812345678" not in text and "138****5678" in text
    assert "abcdefSECRET123" not in text and "token=[masked]" in text
    assert "A" * 32 not in text


def test_request_logs_of_the_server_are_masked(app, client, caplog):
    with caplog.at_level(logging.INFO):
        logging.getLogger("werkzeug").info('"GET /api/v1/customers?q=13812345678 HTTP/1.1" 401')
    assert "13812345678" not in caplog.text
