"""Web Push end to end against a push service on 127.0.0.1: encryption, VAPID, retries,
dead subscriptions, quiet hours, preferences, briefings, the SSRF rule and the inbox."""

import time
from datetime import date, datetime, timedelta
from datetime import time as clock
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from backend.auth.models import User
from backend.calendar import briefing
from backend.calendar.models import PlanEntry
from backend.extensions import db
from backend.models_base import utcnow
from backend.moments import detectors
from backend.push import sender, service, vapid
from backend.push.models import Notification, PushDelivery, PushSubscription
from tests import factories as f
from tests.push.pushservice import PushService, vapid_claims

ZH = {"zh": ("风险预警", "杭州恒丰五金：逾期 35 天"),
      "en": ("Early warning", "Hengfeng: 35 days overdue")}


@pytest.fixture
def push():
    with PushService() as service_:
        yield service_


@pytest.fixture
def rm(app):
    user = f.user("rm_a", "rm", f.team("A"))
    db.session.commit()
    return user


def subscribe(user, subscriber) -> PushSubscription:
    sub = PushSubscription(user_id=user.id, endpoint=subscriber.endpoint,
                           p256dh=subscriber.keys["p256dh"], auth=subscriber.keys["auth"])
    db.session.add(sub)
    db.session.commit()
    return sub


def alert(user, kind="risk_high", **fields) -> Notification:
    note = service.notify(user, kind=kind, texts=ZH, url="/customers/42", **fields)
    db.session.commit()
    return note


def test_a_push_arrives_encrypted_and_signed(app, push, rm):
    phone = push.subscriber("phone")
    subscribe(rm, phone)
    note = alert(rm)
    assert push.received == []  # queuing sends nothing
    assert sender.run_once()["sent"] == 1
    [got] = push.to(phone)
    assert got.headers["content-encoding"] == "aes128gcm"
    assert (got.headers["ttl"], got.headers["urgency"]) == ("86400", "high")
    assert phone.decrypt(got.body) == {"kind": "risk_high", "title": "风险预警",
                                       "body": "杭州恒丰五金：逾期 35 天", "url": "/customers/42",
                                       "id": note.id, "lang": "zh-CN"}
    keys = vapid.load(app.config)
    claims = vapid_claims(got.headers["authorization"], keys.public_key)
    assert claims["aud"] == push.origin
    assert claims["sub"] == app.config["VAPID_SUBJECT"]
    assert time.time() < claims["exp"] <= time.time() + 24 * 3600
    db.session.expire_all()
    assert (note.status, note.sent_at is not None) == ("sent", True)


def test_english_user_gets_english(push, rm):
    rm.locale = "en"
    phone = push.subscriber("phone")
    subscribe(rm, phone)
    alert(rm)
    sender.run_once()
    message = phone.decrypt(push.to(phone)[0].body)
    assert (message["title"], message["lang"]) == ("Early warning", "en")


def test_every_device_gets_it_and_a_gone_one_is_deleted(push, rm):
    phone, tablet = push.subscriber("phone"), push.subscriber("tablet")
    subscribe(rm, phone)
    gone = subscribe(rm, tablet)
    push.answer(tablet, 410)
    note = alert(rm)
    counts = sender.run_once()
    assert (counts["sent"], counts["gone"]) == (1, 1)
    assert len(push.to(phone)) == len(push.to(tablet)) == 1
    db.session.expire_all()
    assert db.session.get(PushSubscription, gone.id) is None
    assert note.status == "sent"


def test_404_alone_fails_the_notification(push, rm):
    phone = push.subscriber("phone")
    subscribe(rm, phone)
    push.answer(phone, 404)
    note = alert(rm)
    sender.run_once()
    db.session.expire_all()
    assert note.status == "failed"
    assert db.session.scalars(select(PushSubscription)).all() == []


def test_429_waits_for_retry_after(push, rm):
    phone = push.subscriber("phone")
    subscribe(rm, phone)
    push.answer(phone, 429, **{"Retry-After": "120"})
    note = alert(rm)
    now = utcnow()
    assert sender.run_once(now)["retry"] == 1
    [delivery] = db.session.scalars(select(PushDelivery)).all()
    assert delivery.not_before >= now + timedelta(seconds=120)
    assert sender.run_once(now + timedelta(seconds=119))["sent"] == 0  # not yet
    assert sender.run_once(now + timedelta(seconds=121))["sent"] == 1
    assert len(push.to(phone)) == 2
    db.session.expire_all()
    assert (note.status, delivery.attempts) == ("sent", 2)


def test_5xx_backs_off_exponentially_then_gives_up(app, push, rm):
    phone = push.subscriber("phone")
    subscribe(rm, phone)
    attempts = app.config["PUSH_MAX_ATTEMPTS"]
    for _ in range(attempts):
        push.answer(phone, 503)
    note = alert(rm)
    now, delays = utcnow(), []
    for _ in range(attempts):
        sender.run_once(now)
        delivery = db.session.scalars(select(PushDelivery)).one()
        if delivery.status == "retry":
            delays.append((delivery.not_before - now).total_seconds())
            now = delivery.not_before
    assert delays == [30, 60, 120, 240, 480]
    db.session.expire_all()
    assert (delivery.status, note.status, len(push.to(phone))) == ("failed", "failed", attempts)


def test_unreachable_push_service_is_retried(rm):
    subscribe(rm, PushService().subscriber("nobody"))  # never started: connection refused
    alert(rm)
    assert sender.run_once()["retry"] == 1


def test_quiet_hours_defer_all_but_urgent(push, rm):
    rm.quiet_start, rm.quiet_end = clock(22, 0), clock(7, 0)  # Asia/Shanghai
    phone = push.subscriber("phone")
    subscribe(rm, phone)
    night = datetime(2026, 11, 30, 15, 30)  # 23:30 in Shanghai
    briefing = alert(rm, kind="approval_decided")
    urgent = alert(rm, kind="risk_high")
    sender.run_once(night)
    db.session.expire_all()
    assert (urgent.status, briefing.status) == ("sent", "deferred")
    assert briefing.not_before == datetime(2026, 11, 30, 23, 0)  # 07:00 in Shanghai
    assert sender.run_once(night + timedelta(hours=7))["sent"] == 0
    assert sender.run_once(datetime(2026, 11, 30, 23, 0))["sent"] == 1
    assert len(push.to(phone)) == 2


def test_preferences_keep_a_kind_in_the_inbox_only(api, push, rm):
    phone = push.subscriber("phone")
    subscribe(rm, phone)
    client = api("rm_a")
    answer = client.put("/api/v1/push/preferences", json={"kinds": {"risk": False}})
    assert answer.status_code == 200 and answer.json["kinds"]["risk"] is False
    note = alert(db.session.get(User, rm.id), kind="risk")
    sender.run_once()
    db.session.expire_all()
    assert note.status == "inbox_only" and push.received == []
    bad = client.put("/api/v1/push/preferences", json={"kinds": {"nonsense": True},
                                                        "quiet_start": "25:00"})
    assert bad.status_code == 422 and "quiet_start" in bad.json["fields"]
    assert client.put("/api/v1/push/preferences", json={"kinds": {"nonsense": True}}) \
        .json["fields"] == {"kinds": ["Unknown: nonsense"]}
    assert client.put("/api/v1/push/preferences", json={"time_zone": "Mars/Base"}) \
        .status_code == 422
    half = client.put("/api/v1/push/preferences", json={"quiet_start": "22:00"})
    assert half.status_code == 422 and "quiet_end" in half.json["fields"]


def test_payload_stays_under_3_kb(push, rm):
    phone = push.subscriber("phone")
    subscribe(rm, phone)
    service.notify(rm, kind="test", url="/", texts={"zh": ("长", "很" * 1000), "en": ("", "")})
    db.session.commit()
    sender.run_once()
    [got] = push.to(phone)
    message = phone.decrypt(got.body)
    assert len(sender.payload(db.session.scalars(select(Notification)).one())) <= 3072
    assert message["body"].startswith("很很很")


def test_morning_briefing_once_with_topic(push, rm):
    phone = push.subscriber("phone")
    subscribe(rm, phone)
    for i, name in enumerate(["甲公司", "乙公司", "丙公司", "丁公司"]):
        c = f.customer(rm, name=name)
        db.session.add(PlanEntry(rm_id=rm.id, day=date(2026, 11, 30), customer_id=c.id,
                                 reasons=[], objective="x", channel="call", priority=90 - i))
    db.session.commit()
    assert briefing.queue_briefings(datetime(2026, 11, 29, 23, 55)) == 0  # 07:55 local
    assert briefing.queue_briefings(datetime(2026, 11, 30, 0, 5)) == 1  # 08:05 local
    assert briefing.queue_briefings(datetime(2026, 11, 30, 0, 20)) == 0  # once a day
    sender.run_once()
    [got] = push.to(phone)
    assert (got.headers["topic"], got.headers["ttl"]) == ("briefing", "43200")
    message = phone.decrypt(got.body)
    assert message["body"] == "今天有 4 位客户待联系：甲公司、乙公司、丙公司"


def test_large_customer_renewal_within_a_week_alerts_once(rm):
    big = f.customer(rm, segment="large", onboarded_on=date(2020, 1, 1))
    small = f.customer(rm, segment="small", onboarded_on=date(2020, 1, 1))
    loan = f.product("WCL", family="loan", is_credit=True)
    for c in (big, small):
        f.account(c, loan, balance=1000, maturity_on=date(2026, 12, 4))
    detectors.detect(date(2026, 11, 30))
    detectors.detect(date(2026, 12, 1))
    [note] = db.session.scalars(select(Notification)).all()
    assert (note.kind, note.user_id, note.url) == ("renewal_due", rm.id, f"/customers/{big.id}")


# --------------------------------------------------------------------------- API


def test_key_and_subscription_api(api, app, rm):
    client = api("rm_a")
    assert client.get("/api/v1/push/key").json == {
        "public_key": vapid.load(app.config).public_key}
    with PushService() as push_:
        phone = push_.subscriber("phone")
    body = {"endpoint": phone.endpoint, "keys": phone.keys, "user_agent": "test"}
    assert client.post("/api/v1/push/subscriptions", json=body).status_code == 201
    assert client.post("/api/v1/push/subscriptions", json=body).status_code == 200  # again
    assert [s["endpoint"] for s in client.get("/api/v1/push/subscriptions").json["items"]] \
        == [phone.endpoint]
    bad = client.post("/api/v1/push/subscriptions",
                      json={**body, "keys": {**phone.keys, "auth": "A" * 20}})
    assert bad.status_code == 422 and "keys.auth" in bad.json["fields"]
    assert client.delete("/api/v1/push/subscriptions",
                         json={"endpoint": phone.endpoint}).status_code == 204
    assert client.get("/api/v1/push/subscriptions").json["items"] == []


def post_subscription(client, endpoint: str, keys: dict, user_agent: str | None = None):
    return client.post("/api/v1/push/subscriptions",
                       json={"endpoint": endpoint, "keys": keys, "user_agent": user_agent})


def test_another_users_endpoint_cannot_be_taken_over(api, push, rm):
    owner = api("rm_a")
    phone = push.subscriber("phone")
    assert post_subscription(owner, phone.endpoint, phone.keys, "phone").status_code == 201
    assert owner.put("/api/v1/push/preferences", json={"kinds": {"risk": False}}) \
        .status_code == 200
    sub = db.session.scalars(select(PushSubscription)).one()
    sub.preferences = {"muted": ["briefing"]}
    db.session.commit()
    before = (sub.user_id, sub.p256dh, sub.auth, sub.user_agent, sub.preferences)
    f.user("rm_d", "rm", f.team("B"))
    db.session.commit()
    intruder = api("rm_d")
    own = push.subscriber("intruder").keys
    # the p256dh is what the server encrypts to, not a secret: only the auth secret proves
    # the caller is the browser that subscribed
    for keys in (own, {**phone.keys, "auth": own["auth"]}):
        answer = post_subscription(intruder, phone.endpoint, keys, "intruder")
        assert answer.status_code == 409, answer.json
        assert answer.json["error"] == "conflict" and list(answer.json["fields"]) == ["endpoint"]
    db.session.expire_all()
    sub = db.session.scalars(select(PushSubscription)).one()
    assert (sub.user_id, sub.p256dh, sub.auth, sub.user_agent, sub.preferences) == before
    assert intruder.get("/api/v1/push/subscriptions").json["items"] == []
    assert owner.get("/api/v1/push/preferences").json["kinds"]["risk"] is False
    note = alert(db.session.get(User, rm.id))
    assert sender.run_once()["sent"] == 1
    [got] = push.received
    assert phone.decrypt(got.body)["id"] == note.id  # rm_a's phone still gets rm_a's alerts


def test_the_same_browser_moves_to_whoever_signs_in_there(api, push, rm):
    phone = push.subscriber("phone")
    assert post_subscription(api("rm_a"), phone.endpoint, phone.keys).status_code == 201
    other = f.user("rm_d", "rm", f.team("B"))
    db.session.commit()
    client = api("rm_d")
    # same device, same keys, after a change of user: it is rm_d's now
    assert post_subscription(client, phone.endpoint, phone.keys).status_code == 200
    assert [s["endpoint"] for s in client.get("/api/v1/push/subscriptions").json["items"]] \
        == [phone.endpoint]
    theirs, mine = alert(other), alert(db.session.get(User, rm.id))
    assert sender.run_once()["sent"] == 1
    assert phone.decrypt(push.to(phone)[0].body)["id"] == theirs.id
    db.session.expire_all()
    assert mine.status == "inbox_only"


def test_alerts_waiting_for_the_old_user_do_not_follow_the_device(api, push, rm):
    phone = push.subscriber("phone")
    assert post_subscription(api("rm_a"), phone.endpoint, phone.keys).status_code == 201
    push.answer(phone, 503)
    note = alert(db.session.get(User, rm.id))
    now = utcnow()
    assert sender.run_once(now)["retry"] == 1  # rm_a's alert waits to be tried again
    f.user("rm_d", "rm", f.team("B"))
    db.session.commit()
    assert post_subscription(api("rm_d"), phone.endpoint, phone.keys).status_code == 200
    assert sender.run_once(now + timedelta(hours=1))["sent"] == 0
    assert len(push.to(phone)) == 1  # only the refused first try: none on rm_d's watch
    db.session.expire_all()
    delivery = db.session.scalars(select(PushDelivery)).one()
    assert (delivery.status, note.status) == ("failed", "failed")
    assert api("rm_a").get("/api/v1/notifications").json["unread"] == 1  # still in the inbox


def test_delete_cannot_remove_another_users_endpoint(api, push, rm):
    phone = push.subscriber("phone")
    assert post_subscription(api("rm_a"), phone.endpoint, phone.keys).status_code == 201
    f.user("rm_d", "rm", f.team("B"))
    db.session.commit()
    # 204 as for an unknown endpoint: the answer does not tell whether it exists
    assert api("rm_d").delete("/api/v1/push/subscriptions",
                              json={"endpoint": phone.endpoint}).status_code == 204
    assert db.session.scalars(select(PushSubscription.user_id)).all() == [rm.id]
    note = alert(db.session.get(User, rm.id))
    assert sender.run_once()["sent"] == 1
    assert phone.decrypt(push.to(phone)[0].body)["id"] == note.id


@pytest.mark.parametrize(("endpoint", "allowed"), [
    ("https://fcm.googleapis.com/fcm/send/abc", True),
    ("https://updates.push.services.mozilla.com/wpush/v2/abc", True),
    ("https://web.push.apple.com/QGx", True),
    ("https://wns2-par02p.notify.windows.com/w/?token=x", True),
    ("http://127.0.0.1:8080/push/abc", False),
    ("http://localhost/push/abc", False),
    ("http://fcm.googleapis.com/fcm/send/abc", False),
    ("https://fcm.googleapis.com.evil.example/x", False),
    ("https://evil.example/fcm.googleapis.com", False),
    ("https://user@fcm.googleapis.com/x", False),
    ("https://fcm.googleapis.com:8443/x", False),
    ("https://169.254.169.254/latest/meta-data", False),
])
def test_production_accepts_only_push_services(api, app, rm, endpoint, allowed):
    with PushService() as push_:
        keys = push_.subscriber("x").keys
    app.config["PUSH_ALLOW_LOCAL"] = False
    try:
        answer = api("rm_a").post("/api/v1/push/subscriptions",
                                  json={"endpoint": endpoint, "keys": keys})
    finally:
        app.config["PUSH_ALLOW_LOCAL"] = True
    assert answer.status_code == (201 if allowed else 422)
    if not allowed:
        assert "endpoint" in answer.json["fields"]


def test_production_configuration_refuses_loopback():
    from config import ProdConfig
    assert ProdConfig.PUSH_ALLOW_LOCAL is False


def test_test_push_is_queued_not_sent_in_the_request(api, push, rm):
    phone = push.subscriber("phone")
    subscribe(rm, phone)
    answer = api("rm_a").post("/api/v1/push/test")
    assert answer.status_code == 202 and answer.json["kind"] == "test"
    assert push.received == []
    sender.run_once()
    assert phone.decrypt(push.to(phone)[0].body)["title"] == "测试提醒"


def test_a_test_push_goes_at_once_even_in_quiet_hours(api, push, rm):
    phone = push.subscriber("phone")
    subscribe(rm, phone)
    client = api("rm_a")
    zone = client.get("/api/v1/push/preferences").json["time_zone"]
    local = datetime.now(ZoneInfo(zone))
    # quiet hours around now, and the test kind switched off: the RM asked for it anyway
    quiet = {"quiet_start": (local - timedelta(hours=1)).strftime("%H:%M"),
             "quiet_end": (local + timedelta(hours=1)).strftime("%H:%M"),
             "kinds": {"test": False}}
    assert client.put("/api/v1/push/preferences", json=quiet).status_code == 200
    answer = client.post("/api/v1/push/test")
    assert answer.status_code == 202 and push.received == []  # requests never send
    other = alert(db.session.get(User, rm.id), kind="approval_decided")
    counts = sender.run_once()  # the next send cycle, still inside the quiet hours
    assert counts["sent"] == 1
    [got] = push.to(phone)
    assert phone.decrypt(got.body) == {
        "kind": "test", "title": "测试提醒", "body": "提醒已开启：重要客户动态会推送到这台设备。",
        "url": "/settings", "id": answer.json["id"], "lang": "zh-CN"}
    db.session.expire_all()
    test_note = db.session.get(Notification, answer.json["id"])
    assert (test_note.status, test_note.not_before) == ("sent", None)
    assert other.status == "deferred"  # the quiet hours do hold everything else back


def test_inbox_is_per_user_and_marks_read(api, rm):
    other = f.user("rm_b", "rm", f.team("B"))
    mine = [alert(rm, kind="risk") for _ in range(3)]
    theirs = alert(other, kind="risk")
    client = api("rm_a")
    inbox = client.get("/api/v1/notifications").json
    assert ({n["id"] for n in inbox["items"]}, inbox["unread"]) == ({n.id for n in mine}, 3)
    assert client.post("/api/v1/notifications/read",
                       json={"ids": [mine[0].id, theirs.id]}).json == {"marked": 1}
    assert client.get("/api/v1/notifications?unread=1").json["unread"] == 2
    assert client.post("/api/v1/notifications/read", json={}).status_code == 422
    assert client.post("/api/v1/notifications/read", json={"all": True}).json == {"marked": 2}
    db.session.expire_all()
    assert theirs.read_at is None


def test_keys_command(app, tmp_path):
    path = tmp_path / "keys.json"
    app.config["VAPID_FILE"], before = str(path), app.config["VAPID_FILE"]
    try:
        runner = app.test_cli_runner()
        assert runner.invoke(args=["push", "keys"]).exit_code == 0
        first = path.read_text()
        assert oct(path.stat().st_mode & 0o777) == "0o600"
        assert runner.invoke(args=["push", "keys", "--if-missing"]).exit_code == 0
        assert path.read_text() == first
        assert runner.invoke(args=["push", "keys"]).exit_code == 0
        assert path.read_text() != first
    finally:
        app.config["VAPID_FILE"] = before


def test_a_sender_that_dies_mid_send_loses_nothing(push, rm):
    phone = push.subscriber("phone")
    subscribe(rm, phone)
    alert(rm)
    now = utcnow()
    sender.dispatch(now)
    assert len(sender._claim(now, 100)) == 1  # claimed, then the process died
    assert sender.run_once(now)["sent"] == 0  # another sender leaves the lease alone
    assert push.received == []
    assert sender.run_once(now + sender.LEASE + timedelta(seconds=1))["sent"] == 1
    assert len(push.to(phone)) == 1


def test_an_alert_names_its_customer_and_urgency_for_grouping(api, rm):
    """The inbox groups by customer and marks the urgent (docs/push.md): each alert says
    which customer it is about, only while the reader may still see that customer."""
    mine = f.customer(rm, name="杭州恒丰五金", name_en="Hangzhou Hengfeng", phone="13800000000")
    moved = f.customer(f.user("rm_x", "rm", f.team("X")), name="别人的客户")
    db.session.commit()
    about_mine = service.notify(rm, kind="risk_high", texts=ZH, url=f"/customers/{mine.id}")
    about_moved = service.notify(rm, kind="risk", texts=ZH, url=f"/customers/{moved.id}")
    not_a_customer = service.notify(rm, kind="referral", texts=ZH, url="/referrals")
    db.session.commit()
    items = {n["id"]: n for n in api("rm_a").get("/api/v1/notifications").json["items"]}
    assert items[about_mine.id]["customer"] == {
        "id": mine.id, "name": "杭州恒丰五金", "name_en": "Hangzhou Hengfeng",
        "phone": "13800000000"}
    assert items[about_mine.id]["urgency"] == "high"
    assert items[about_moved.id]["customer"] is None  # moved away: nothing of it is told
    assert items[about_moved.id]["urgency"] == "normal"
    assert items[not_a_customer.id]["customer"] is None
