"""Login, logout, me, CSRF, rate limiting and bad input on the auth routes."""

import pytest
from sqlalchemy import func, select

from backend.auth.models import AuditEvent, User
from backend.extensions import db
from tests import factories


@pytest.fixture
def people(app):
    return factories.two_teams()


def assert_error_shape(response, status, field=None):
    assert response.status_code == status, response.get_data(as_text=True)
    body = response.get_json()
    assert set(body) == {"error", "message", "fields"}
    assert isinstance(body["message"], str) and body["message"]
    if field:
        assert field in body["fields"], body


def test_login_returns_user_csrf_and_a_safe_cookie(api, people):
    client = api()
    response = client.login("rm_a")
    assert response.status_code == 200
    body = response.get_json()
    assert body["user"]["username"] == "rm_a"
    assert body["user"]["role"] == "rm"
    assert body["user"]["team"]["name"] == "A"
    assert len(body["csrf_token"]) >= 32
    cookie = session_cookie(response)
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "password" not in response.get_data(as_text=True)


def session_cookie(response) -> str:
    return next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("session="))


def test_me_has_the_login_shape(api, people):
    client = api("lead_a")
    body = client.get("/api/v1/auth/me").get_json()
    assert body["user"]["username"] == "lead_a"
    assert body["csrf_token"] == client.csrf


@pytest.mark.parametrize("username,password", [("rm_a", "wrong-password"), ("nobody", "demo1234")])
def test_wrong_credentials_are_401_and_audited(api, people, username, password):
    response = api().login(username, password)
    assert_error_shape(response, 401)
    assert db.session.scalar(
        select(func.count()).where(AuditEvent.action == "auth.login_failed")) == 1


def test_me_without_login_is_401(client, people):
    assert_error_shape(client.get("/api/v1/auth/me"), 401)


def test_logout_needs_csrf_then_ends_the_session(api, people):
    client = api("rm_a")
    assert_error_shape(client.http.post("/api/v1/auth/logout"), 403, "X-CSRF-Token")
    assert client.get("/api/v1/auth/me").status_code == 200
    assert client.post("/api/v1/auth/logout").status_code == 204
    assert client.get("/api/v1/auth/me").status_code == 401


def test_write_with_a_wrong_csrf_token_is_403(api, people):
    client = api("rm_a")
    response = client.post("/api/v1/auth/logout", headers={"X-CSRF-Token": "forged"})
    assert_error_shape(response, 403, "X-CSRF-Token")


def test_inactive_user_cannot_log_in(api, people):
    people["rm_a"].is_active_user = False
    db.session.commit()
    assert api().login("rm_a").status_code == 401


def test_login_is_rate_limited_per_username_and_address(api, people):
    """Ten a minute for one name from one address; other names from there are not held up."""
    client = api()
    statuses = [client.login("rm_a").status_code for _ in range(10)]
    assert statuses == [200] * 10
    response = client.login("rm_a")
    assert_error_shape(response, 429)
    assert response.headers.get("Retry-After")
    assert api().login("rm_b").status_code == 200


def test_login_is_rate_limited_per_address_across_names(app, api, people, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_ADDRESS_RATE_LIMIT", "5 per minute")
    client = api()
    names = ["rm_a", "rm_a2", "rm_b", "lead_a", "lead_b"]
    assert [client.login(name, "wrong-password").status_code for name in names] == [401] * 5
    assert_error_shape(client.login("analyst"), 429)


@pytest.mark.parametrize(
    "body,content_type,status,field",
    [
        ("{not json", "application/json", 400, None),
        ('{"username": 123, "password": "x"}', "application/json", 422, "username"),
        ('{"username": "rm_a"}', "application/json", 422, "password"),
        ('{"username": "rm_a", "password": "demo1234", "admin": true}', "application/json", 422,
         "admin"),
        ('{"username": "' + "u" * 65 + '", "password": "x"}', "application/json", 422,
         "username"),
        ('["rm_a", "demo1234"]', "application/json", 422, None),
    ],
)
def test_bad_login_input_names_the_problem(client, people, body, content_type, status, field):
    response = client.post("/api/v1/auth/login", data=body, content_type=content_type)
    assert_error_shape(response, status, field)


def test_huge_body_is_413(client, people):
    body = '{"username": "rm_a", "password": "' + "x" * (2 * 1024 * 1024) + '"}'
    response = client.post("/api/v1/auth/login", data=body, content_type="application/json")
    assert_error_shape(response, 413)


def test_unknown_route_and_method_are_json(client):
    assert_error_shape(client.get("/api/v1/nope"), 404)
    assert_error_shape(client.get("/api/v1/auth/login"), 405)


def test_openapi_spec_lists_the_contract_paths(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    for path in ("/api/v1/auth/login", "/api/v1/auth/me", "/api/v1/auth/logout",
                 "/api/v1/customers", "/api/v1/customers/{customer_id}"):
        assert path in spec["paths"], path


def test_users_create_command(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["users", "create", "rm9", "--role", "rm", "--team", "Z",
                                 "--password", "longenough1"])
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User).where(User.username == "rm9"))
    assert user.role == "rm" and user.team.name == "Z"
    assert user.password_hash.startswith("scrypt:")
    again = runner.invoke(args=["users", "create", "rm9", "--role", "rm", "--password", "x"])
    assert again.exit_code != 0
    assert "username" in again.output and "password" in again.output
