"""Sign-in throttling with device cookies (OWASP): nobody can lock an RM out of the device
they use, unknown devices slow down with growing delays, and nothing tells which usernames
exist. Branches behind one address sign in; proxies are configuration."""

import itertools
import re
import time
from datetime import timedelta

import pytest
from sqlalchemy import select

from backend import create_app
from backend.auth.models import AuditEvent, LoginAttempt
from backend.extensions import db
from backend.models_base import utcnow
from tests import factories
from tests.conftest import ApiClient, IsolatedClient


@pytest.fixture
def people(app):
    return factories.two_teams()


_addresses = itertools.count(1)


def attacker(app):
    """A fresh browser each time, from its own address: no device cookie, like a guesser's
    script spread over many machines (so the per-address rate limit does not stop it)."""
    client = app.test_client()
    n = next(_addresses)
    client.environ_base["REMOTE_ADDR"] = f"203.0.{n // 250 % 250}.{n % 250 + 1}"
    return ApiClient(client)


def fail(app, username, times):
    return [attacker(app).login(username, "wrong-password") for _ in range(times)]


def test_a_device_that_signed_in_before_is_never_held_up_by_others_failures(app, api, people):
    phone = api("rm_a")  # the RM's own phone: it now carries a device cookie
    assert phone.post("/api/v1/auth/logout").status_code == 204
    answers = fail(app, "rm_a", 12)
    assert {a.status_code for a in answers} == {401, 429}  # the guesser is slowed down
    assert phone.login("rm_a").status_code == 200  # the RM is not
    kinds = list(db.session.scalars(select(AuditEvent.action)))
    assert "auth.login_throttled" in kinds


def test_unknown_devices_wait_longer_after_each_failure(app, api, people):
    assert [a.status_code for a in fail(app, "rm_a", 5)] == [401] * 5
    held = attacker(app).login("rm_a")  # even the right password waits
    assert held.status_code == 429 and held.get_json()["error"] == "rate_limited"
    first_wait = wait_of(held)
    assert 0 < first_wait <= app.config["LOGIN_DELAY_SECONDS"]
    # the wait passes: one more failure, and the next wait is twice as long
    _shift_attempts(seconds=first_wait + 1)
    assert attacker(app).login("rm_a", "wrong-password").status_code == 401
    second_wait = wait_of(attacker(app).login("rm_a"))
    assert second_wait == 2 * app.config["LOGIN_DELAY_SECONDS"]
    # once the wait has passed the right password gets in, and that browser is trusted
    _shift_attempts(seconds=second_wait + 1)
    newcomer = attacker(app)
    assert newcomer.login("rm_a").status_code == 200


def test_delays_are_capped_by_the_window_and_forgotten_after_it(app, people):
    window = timedelta(minutes=app.config["LOGIN_FAILURE_WINDOW_MINUTES"])
    for _ in range(30):  # far more failures than the doubling needs to pass the window
        db.session.add(LoginAttempt(at=utcnow() - timedelta(seconds=1), username="rm_a",
                                    succeeded=False))
    db.session.commit()
    wait = wait_of(attacker(app).login("rm_a"))
    assert wait <= window.total_seconds()
    _shift_attempts(seconds=window.total_seconds() + 1)
    assert attacker(app).login("rm_a").status_code == 200


def test_a_trusted_device_that_keeps_failing_becomes_unknown(app, api, people):
    stolen_phone = api("rm_a")
    for _ in range(app.config["LOGIN_FREE_FAILURES"]):
        assert stolen_phone.login("rm_a", "wrong-password").status_code == 401
    # its own failures now count against it like any unknown device's
    fail(app, "rm_a", 0)
    answers = [stolen_phone.login("rm_a", "wrong-password").status_code for _ in range(6)]
    assert 429 in answers


def test_a_device_cookie_of_another_user_or_forged_is_not_trusted(app, api, people):
    rm_b_phone = api("rm_b")
    fail(app, "rm_a", 5)
    assert rm_b_phone.login("rm_a").status_code == 429  # rm_b's cookie does not vouch for rm_a
    forged = attacker(app)
    forged.http.set_cookie("rm_device", "eyJ1Ijoicm1fYSIsIm4iOiIwIn0.forged", path="/api/v1/auth")
    assert forged.login("rm_a").status_code == 429


def test_the_device_cookie_is_scoped_and_long_lived(app, api, people):
    response = api().login("rm_a")
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("rm_device="))
    assert "HttpOnly" in cookie and "Path=/api/v1/auth" in cookie and "SameSite=Strict" in cookie
    assert f"Max-Age={app.config['DEVICE_COOKIE_DAYS'] * 86400}" in cookie


def _answers(app, username, n):
    out = []
    for _ in range(n):
        response = attacker(app).login(username, "wrong-password")
        body = response.get_json()
        out.append((response.status_code, body, response.headers.get("Retry-After")))
    return out


def test_known_and_unknown_usernames_get_the_same_answers(app, people):
    known, unknown = _answers(app, "rm_a", 8), _answers(app, "nobody-here", 8)
    assert [a[:2] for a in known] == [a[:2] for a in unknown]
    assert [a[0] for a in known] == [401] * 5 + [429] * 3
    # a deactivated user answers like a wrong password too
    people["rm_b"].is_active_user = False
    db.session.commit()
    right_password = attacker(app).login("rm_b")
    assert (right_password.status_code, right_password.get_json()) == (known[0][0], known[0][1])


def test_known_and_unknown_usernames_take_the_same_time(app, people):
    def timed(username):
        started = time.perf_counter()
        attacker(app).login(username, "wrong-password")
        return time.perf_counter() - started

    # interleaved, so that whatever else the machine does weighs on both alike
    known_samples, unknown_samples = [], []
    timed("rm_a"), timed("ghost")  # warm both paths
    for _ in range(9):
        known_samples.append(timed("rm_a"))
        unknown_samples.append(timed("ghost"))
        db.session.execute(LoginAttempt.__table__.delete())  # stay below the delays
        db.session.commit()
    # the fastest of each: the least disturbed by other work on a shared machine
    known, unknown = min(known_samples), min(unknown_samples)
    assert abs(known - unknown) / max(known, unknown) < 0.3, (known, unknown)


def test_known_and_unknown_usernames_check_one_password_hash_each(app, people, monkeypatch):
    """Why the timing matches: the hash (the slow part, scrypt) is computed either way."""
    from backend.auth import service as auth_service

    checked = []
    real = auth_service.check_password_hash
    monkeypatch.setattr(auth_service, "check_password_hash",
                        lambda stored, given: checked.append(stored) or real(stored, given))
    attacker(app).login("rm_a", "wrong-password")
    attacker(app).login("ghost", "wrong-password")
    assert len(checked) == 2 and all(h.startswith("scrypt:") for h in checked)
    assert checked[0].split("$")[0] == checked[1].split("$")[0]  # the same cost parameters


def test_fifty_rms_behind_one_address_all_sign_in_at_once(app, people):
    """The production limits, every RM from one branch NAT address."""
    from config import Config

    assert app.config["LOGIN_RATE_LIMIT"] == Config.LOGIN_RATE_LIMIT
    assert app.config["LOGIN_ADDRESS_RATE_LIMIT"] == Config.LOGIN_ADDRESS_RATE_LIMIT
    rms = _make_rms(50)
    statuses = []
    for name in rms:
        client = ApiClient(app.test_client())
        statuses.append(client.login(name).status_code)
        statuses.append(client.login(name).status_code)  # a second tap on the button
    assert statuses == [200] * 100


def _make_rms(count):
    from backend.auth import service as auth_service

    hashed = auth_service.hash_password("demo1234")
    names = [f"branch_rm{i}" for i in range(count)]
    for name in names:
        auth_service.create_user(username=name, password="", role="rm", team="Branch",
                                 password_hash=hashed)
    db.session.commit()
    return names


@pytest.fixture
def proxied_app(app):
    config = {key: value for key, value in app.config.items() if key.isupper()}
    config["TRUSTED_PROXY_HOPS"] = 1
    proxied = create_app(type("ProxiedConfig", (), config))
    proxied.test_client_class = IsolatedClient
    return proxied


def test_trusted_proxy_hops_is_configuration(app, proxied_app, people):
    behind = ApiClient(proxied_app.test_client())
    response = behind.http.post("/api/v1/auth/login", json={"username": "rm_a",
                                                             "password": "demo1234"},
                                headers={"X-Forwarded-For": "10.20.30.40"})
    assert response.status_code == 200
    direct = ApiClient(app.test_client())
    direct.http.post("/api/v1/auth/login", json={"username": "rm_b", "password": "demo1234"},
                     headers={"X-Forwarded-For": "10.20.30.41"})
    db.session.expire_all()
    addresses = {row.user_id: row.ip for row in db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "auth.login"))}
    assert addresses[people["rm_a"].id] == "10.20.30.40"  # the proxy's word is taken
    assert addresses[people["rm_b"].id] == "127.0.0.1"  # no proxy trusted: the header is not


def test_each_forwarded_address_has_its_own_login_budget(proxied_app, people):
    def attempt(address):
        return proxied_app.test_client().post(
            "/api/v1/auth/login", json={"username": "rm_a", "password": "demo1234"},
            headers={"X-Forwarded-For": address}).status_code

    assert [attempt("10.0.0.1") for _ in range(11)][-1] == 429
    assert attempt("10.0.0.2") == 200


def wait_of(response) -> int:
    """The wait the answer names (Retry-After may be longer: the rate limit's own window)."""
    assert response.status_code == 429
    seconds = int(re.search(r"(\d+) seconds", response.get_json()["message"]).group(1))
    assert int(response.headers["Retry-After"]) >= seconds - 1  # the limiter rounds it
    return seconds


def _shift_attempts(*, seconds: float) -> None:
    """Move every recorded attempt into the past, as if `seconds` had gone by."""
    for attempt in db.session.scalars(select(LoginAttempt)):
        attempt.at -= timedelta(seconds=seconds)  # in Python: SQLite has no date arithmetic
    db.session.commit()
