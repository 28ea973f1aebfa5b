"""Server-side sessions: signing out, a password change, ending a device and deactivating a
user end the session wherever its cookie is replayed; idle and absolute timeouts; devices."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from backend.auth.models import AuditEvent, AuthSession, User
from backend.extensions import db
from backend.models_base import utcnow
from tests import factories

PHONE_UA = ("Mozilla/5.0 (Linux; Android 14; Pixel 7) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/126.0.0.0 Mobile Safari/537.36")
IPAD_UA = ("Mozilla/5.0 (iPad; CPU OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like "
           "Gecko) Version/17.0 Mobile/15E148 Safari/604.1")


@pytest.fixture
def people(app):
    return factories.two_teams()


def replay(app, source):
    """A second client holding a copy of `source`'s session cookie and CSRF token."""
    from tests.conftest import ApiClient

    copy = ApiClient(app.test_client())
    cookie = source.http.get_cookie("session")
    copy.http.set_cookie("session", cookie.value)
    copy.csrf = source.csrf
    return copy


def sync_status(client) -> int:
    return client.post("/api/v1/sync", json={"writes": []}).status_code


def test_a_replayed_cookie_after_logout_neither_reads_nor_writes(app, api, people):
    client = api("rm_a")
    stolen = replay(app, client)
    assert stolen.get("/api/v1/auth/me").status_code == 200
    assert client.post("/api/v1/auth/logout").status_code == 204
    assert stolen.get("/api/v1/auth/me").status_code == 401
    assert stolen.get("/api/v1/customers").status_code == 401
    assert sync_status(stolen) == 401
    ended = db.session.scalar(select(AuthSession).where(AuthSession.user_id == people["rm_a"].id))
    assert ended.end_reason == "logout" and ended.ended_at is not None


def test_a_password_change_ends_the_replayed_cookies_of_other_devices(app, api, people):
    phone, tablet = api("rm_a"), api("rm_a")
    tablet_copy = replay(app, tablet)
    response = phone.post("/api/v1/auth/password",
                          json={"current_password": "demo1234", "new_password": "spring-Tea-42"})
    assert response.status_code == 200
    assert phone.get("/api/v1/auth/me").status_code == 200
    assert tablet_copy.get("/api/v1/auth/me").status_code == 401
    assert sync_status(tablet_copy) == 401


def test_deactivating_a_user_ends_every_session_and_their_sync_gets_401(app, api, people):
    phone, tablet = api("rm_a"), api("rm_a")
    others = api("rm_b")
    result = app.test_cli_runner().invoke(args=["users", "deactivate", "rm_a"])
    assert result.exit_code == 0, result.output
    assert "2 signed-in session(s) ended" in result.output
    for device in (phone, tablet):
        assert sync_status(device) == 401
        assert device.get("/api/v1/auth/me").status_code == 401
    assert sync_status(others) == 200
    assert api().login("rm_a").status_code == 401  # and cannot sign in again
    actions = db.session.scalars(select(AuditEvent.action).where(
        AuditEvent.user_id == people["rm_a"].id))
    assert "auth.deactivated" in list(actions)
    # reactivated, the old sessions stay ended: the user signs in afresh
    assert app.test_cli_runner().invoke(args=["users", "activate", "rm_a"]).exit_code == 0
    assert phone.get("/api/v1/auth/me").status_code == 401
    assert api().login("rm_a").status_code == 200


def test_deactivating_an_unknown_user_says_so(app):
    result = app.test_cli_runner().invoke(args=["users", "deactivate", "nobody"])
    assert result.exit_code != 0 and "no user named nobody" in result.output


def _age(user_id, **columns):
    db.session.execute(update(AuthSession).where(AuthSession.user_id == user_id).values(**columns))
    db.session.commit()


def test_an_idle_session_ends_after_the_idle_timeout(app, api, people):
    client = api("rm_a")
    idle = timedelta(hours=app.config["SESSION_IDLE_HOURS"])
    _age(people["rm_a"].id, last_seen_at=utcnow() - idle + timedelta(minutes=5))
    assert client.get("/api/v1/auth/me").status_code == 200  # a day offline is fine
    _age(people["rm_a"].id, last_seen_at=utcnow() - idle - timedelta(minutes=1))
    assert client.get("/api/v1/auth/me").status_code == 401
    record = db.session.scalar(select(AuthSession).where(AuthSession.user_id == people["rm_a"].id))
    db.session.refresh(record)
    assert record.end_reason == "idle"


def test_a_session_in_use_still_ends_at_its_absolute_lifetime(app, api, people):
    client = api("rm_a")
    lifetime = timedelta(days=app.config["SESSION_LIFETIME_DAYS"])
    _age(people["rm_a"].id, created_at=utcnow() - lifetime - timedelta(minutes=1))
    assert client.get("/api/v1/auth/me").status_code == 401


def test_the_defaults_outlast_a_day_offline_and_a_weekend(app):
    assert app.config["SESSION_IDLE_HOURS"] >= 63  # Friday 18:00 to Monday 09:00
    assert app.config["SESSION_LIFETIME_DAYS"] >= app.config["SESSION_IDLE_HOURS"] / 24


def test_the_cookie_outlives_a_closed_browser_within_the_lifetime(app, api, people):
    response = api().login("rm_a")
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("session="))
    assert "Expires=" in cookie
    max_age = int(cookie.split("Max-Age=")[1].split(";")[0]) if "Max-Age=" in cookie else None
    if max_age is not None:
        assert max_age == int(timedelta(days=app.config["SESSION_LIFETIME_DAYS"]).total_seconds())


def test_use_moves_last_seen_forward(app, api, people):
    client = api("rm_a")
    _age(people["rm_a"].id, last_seen_at=utcnow() - timedelta(hours=2))
    assert client.get("/api/v1/auth/me").status_code == 200
    record = db.session.scalar(select(AuthSession).where(AuthSession.user_id == people["rm_a"].id))
    db.session.refresh(record)
    assert utcnow() - record.last_seen_at < timedelta(minutes=1)


def login_from(api, username, user_agent):
    client = api()
    response = client.http.post("/api/v1/auth/login", headers={"User-Agent": user_agent},
                                json={"username": username, "password": "demo1234"})
    assert response.status_code == 200
    client.csrf = response.get_json()["csrf_token"]
    return client


def test_the_user_lists_their_devices_and_ends_one(app, api, people):
    phone = login_from(api, "rm_a", PHONE_UA)
    ipad = login_from(api, "rm_a", IPAD_UA)
    login_from(api, "rm_b", PHONE_UA)  # someone else's device is never listed
    items = phone.get("/api/v1/auth/sessions").get_json()["items"]
    assert [i["device"] for i in items] and len(items) == 2
    by_device = {i["device"]: i for i in items}
    assert set(by_device) == {"Chrome Mobile · Pixel 7", "Mobile Safari · iPad"}
    assert by_device["Chrome Mobile · Pixel 7"]["current"] is True
    assert by_device["Mobile Safari · iPad"]["current"] is False
    assert by_device["Mobile Safari · iPad"]["ip"] == "127.0.0.1"
    assert by_device["Mobile Safari · iPad"]["last_seen_at"].endswith("Z")

    ipad_id = by_device["Mobile Safari · iPad"]["id"]
    assert phone.delete(f"/api/v1/auth/sessions/{ipad_id}").status_code == 204
    assert ipad.get("/api/v1/auth/me").status_code == 401
    assert phone.get("/api/v1/auth/me").status_code == 200
    assert [i["current"] for i in phone.get("/api/v1/auth/sessions").get_json()["items"]] == [True]
    assert phone.delete(f"/api/v1/auth/sessions/{ipad_id}").status_code == 404  # already ended


def test_nobody_ends_or_sees_another_users_session(app, api, people):
    rm_a = login_from(api, "rm_a", PHONE_UA)
    rm_b = login_from(api, "rm_b", IPAD_UA)
    b_id = rm_b.get("/api/v1/auth/sessions").get_json()["items"][0]["id"]
    foreign = rm_a.delete(f"/api/v1/auth/sessions/{b_id}")
    missing = rm_a.delete("/api/v1/auth/sessions/999999")
    assert foreign.status_code == missing.status_code == 404
    assert foreign.get_json() == missing.get_json()
    assert rm_b.get("/api/v1/auth/me").status_code == 200


def test_ending_ones_own_current_session_signs_out(app, api, people):
    client = api("rm_a")
    current = client.get("/api/v1/auth/sessions").get_json()["items"][0]["id"]
    assert client.delete(f"/api/v1/auth/sessions/{current}").status_code == 204
    assert client.get("/api/v1/auth/me").status_code == 401


def test_a_forged_or_malformed_session_token_is_signed_out(app, api, people):
    client = api("rm_a")
    record = db.session.scalar(select(AuthSession))
    for token in (f"{record.id}.wrong-secret", "1:1", "", "x" * 400, f"{record.id}."):
        with client.http.session_transaction() as flask_session:
            flask_session["_user_id"] = token
        assert client.get("/api/v1/auth/me").status_code == 401, token


def test_sessions_need_a_login(client, people):
    assert client.get("/api/v1/auth/sessions").status_code == 401
    assert db.session.scalar(select(func.count()).select_from(User)) > 0


def test_the_cookie_is_set_at_sign_in_not_on_every_answer(app, api, people):
    client = api("rm_a")
    for path in ("/api/v1/auth/me", "/api/v1/customers", "/api/v1/auth/sessions"):
        response = client.get(path)
        assert response.status_code == 200
        assert not [c for c in response.headers.getlist("Set-Cookie")
                    if c.startswith("session=")], path
