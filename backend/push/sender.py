"""The push sender: due notifications become deliveries, deliveries go out through a pool.

Never called inside a request: `flask push send` and a scheduler job run it. Two phases,
each one short transaction on the caller's thread (the database session is not shared
with the pool):

1. dispatch: a due notification the user wants pushed, outside their quiet hours (or
   urgent, or a test the user asked for), gets one delivery per device; one in quiet hours
   is deferred to their end; one nobody's device wants stays in the inbox only
   (preferences.route decides).
2. deliver: due deliveries are encrypted and POSTed by PUSH_WORKERS threads (pywebpush,
   one HTTP session per thread); their answers are written back on this thread: 201/202
   sent, 404/410 the subscription is deleted, 429/5xx/network errors retried with
   exponential backoff or after Retry-After, anything else failed.
"""

import json
import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

import requests
from flask import current_app
from pywebpush import WebPusher
from sqlalchemy import delete, select, update

from backend.auth.models import User
from backend.extensions import db
from backend.models_base import utcnow
from backend.push import preferences, vapid
from backend.push.models import Notification, PushDelivery, PushSubscription

log = logging.getLogger(__name__)

MAX_PAYLOAD_BYTES = 3072
BACKOFF_BASE_SECONDS = 30
BACKOFF_CAP_SECONDS = 3600
GONE = (404, 410)
LEASE = timedelta(minutes=5)  # a sender that died mid-send frees its deliveries after this


@dataclass(frozen=True)
class Job:
    delivery_id: int
    subscription: dict
    payload: bytes
    headers: dict
    ttl: int


@dataclass(frozen=True)
class Answer:
    delivery_id: int
    status: int | None  # None: no answer (timeout, refused)
    retry_after: str | None = None
    error: str | None = None


def payload(n: Notification, lang: str = "zh-CN") -> bytes:
    """The push message: JSON {kind, title, body, url, id, lang}, at most 3 KB. `lang` lets
    the service worker label its buttons in the user's language."""
    body = n.body
    while True:
        data = json.dumps({"kind": n.kind, "title": n.title, "body": body, "url": n.url,
                           "id": n.id, "lang": lang}, ensure_ascii=False).encode()
        if len(data) <= MAX_PAYLOAD_BYTES or not body:
            return data
        body = body[:max(0, len(body) - (len(data) - MAX_PAYLOAD_BYTES) // 3 - 1)]


# --------------------------------------------------------------------------- dispatch


def dispatch(now: datetime, limit: int = 1000) -> int:
    """Turn due notifications into deliveries (or defer them, or leave them inbox-only)."""
    due = db.session.scalars(
        select(Notification)
        .where(Notification.status.in_(("queued", "deferred")),
               (Notification.not_before.is_(None)) | (Notification.not_before <= now))
        .order_by(Notification.id).limit(limit).with_for_update(skip_locked=True)).all()
    if not due:
        return 0
    user_ids = {n.user_id for n in due}
    users = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(user_ids)))}
    devices: dict[int, list[int]] = {}
    for sid, uid in db.session.execute(select(PushSubscription.id, PushSubscription.user_id)
                                       .where(PushSubscription.user_id.in_(user_ids))
                                       .order_by(PushSubscription.id)):
        devices.setdefault(uid, []).append(sid)
    urgent = set(current_app.config["PUSH_URGENT_KINDS"])
    rows = []
    for n in due:
        user = users[n.user_id]
        where, until = preferences.route(user, n.kind, now, urgent)
        if where == "inbox_only" or not devices.get(user.id):
            n.status = "inbox_only"
            continue
        if where == "deferred":
            n.status, n.not_before = "deferred", until
            continue
        n.status = "sending"
        rows += [{"notification_id": n.id, "subscription_id": sid, "status": "pending",
                  "attempts": 0} for sid in devices[user.id]]
    if rows:
        db.session.execute(PushDelivery.__table__.insert(), rows)
    db.session.commit()
    return len(rows)


# --------------------------------------------------------------------------- deliver


_local = threading.local()


def _session() -> requests.Session:
    if not hasattr(_local, "session"):
        _local.session = requests.Session()
    return _local.session


def send_one(job: Job, timeout: float) -> Answer:
    """Encrypt and POST one message (runs on a pool thread; touches no database)."""
    try:
        response = WebPusher(job.subscription, requests_session=_session()).send(
            job.payload, dict(job.headers), ttl=job.ttl, content_encoding="aes128gcm",
            timeout=timeout)
    except requests.RequestException as exc:
        return Answer(job.delivery_id, None, error=f"{type(exc).__name__}: {exc}"[:300])
    return Answer(job.delivery_id, response.status_code, response.headers.get("Retry-After"),
                  None if response.status_code < 300 else response.text[:300])


def _jobs(rows, signer: vapid.Signer) -> list[Job]:
    jobs = []
    for delivery, n, sub, lang in rows:
        parts = urlsplit(sub.endpoint)
        headers = {**signer.headers(f"{parts.scheme}://{parts.netloc}"),
                   "Urgency": n.urgency}
        if n.topic:
            headers["Topic"] = n.topic
        jobs.append(Job(delivery.id, {"endpoint": sub.endpoint,
                                      "keys": {"p256dh": sub.p256dh, "auth": sub.auth}},
                        payload(n, lang), headers, n.ttl_seconds))
    return jobs


def retry_delay(attempts: int, retry_after: str | None, now: datetime) -> timedelta:
    """Exponential backoff (30 s, 1, 2, 4 … min, capped at an hour), or Retry-After if later."""
    delay = timedelta(seconds=min(BACKOFF_CAP_SECONDS, BACKOFF_BASE_SECONDS * 2 ** (attempts - 1)))
    asked = _retry_after(retry_after, now) if retry_after else None
    return max(delay, min(asked, timedelta(days=1))) if asked is not None else delay


def _retry_after(value: str, now: datetime) -> timedelta | None:
    """Retry-After is either seconds or an HTTP date (RFC 9110 §10.2.3)."""
    value = value.strip()
    if value.isdigit():
        return timedelta(seconds=int(value))
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return when.astimezone(UTC).replace(tzinfo=None) - now


def _claim(now: datetime, limit: int) -> list[int]:
    """Take the due deliveries for this sender under a lease, committed before sending.

    Two senders (the scheduler and a `flask push send`) never send the same delivery; one
    that dies mid-send leaves its deliveries "inflight" until the lease ends, then they
    are due again (a push may then arrive twice; none is lost).
    """
    due = select(PushDelivery.id).where(
        PushDelivery.status.in_(("pending", "retry", "inflight")),
        (PushDelivery.not_before.is_(None)) | (PushDelivery.not_before <= now),
        PushDelivery.subscription_id.isnot(None)).order_by(PushDelivery.id).limit(limit)
    ids = list(db.session.scalars(due))
    if not ids:
        return []
    claimed = list(db.session.scalars(
        update(PushDelivery)
        .where(PushDelivery.id.in_(ids), PushDelivery.status.in_(("pending", "retry",
                                                                   "inflight")),
               (PushDelivery.not_before.is_(None)) | (PushDelivery.not_before <= now))
        .values(status="inflight", not_before=now + LEASE)
        .returning(PushDelivery.id).execution_options(synchronize_session=False)))
    db.session.commit()
    return claimed


def deliver(now: datetime, *, limit: int = 5000) -> dict:
    """Send the due deliveries through the pool; return counts by outcome."""
    keys = vapid.load(current_app.config)
    counts = {"sent": 0, "retry": 0, "gone": 0, "failed": 0}
    if keys is None:
        log.warning("push: no VAPID keys (run `flask push keys`); nothing sent")
        return counts
    claimed = _claim(now, limit)
    if not claimed:
        return counts
    rows = db.session.execute(
        select(PushDelivery, Notification, PushSubscription, User.locale)
        .join(Notification, Notification.id == PushDelivery.notification_id)
        .join(User, User.id == Notification.user_id)
        .join(PushSubscription, PushSubscription.id == PushDelivery.subscription_id)
        .where(PushDelivery.id.in_(claimed)).order_by(PushDelivery.id)).all()
    jobs = _jobs(rows, vapid.Signer(keys))
    timeout = current_app.config["PUSH_TIMEOUT_SECONDS"]
    with ThreadPoolExecutor(max_workers=current_app.config["PUSH_WORKERS"]) as pool:
        answers = list(pool.map(lambda job: send_one(job, timeout), jobs))
    by_id = {d.id: (d, n, s) for d, n, s, _lang in rows}
    max_attempts = current_app.config["PUSH_MAX_ATTEMPTS"]
    gone_subscriptions = set()
    for answer in answers:
        delivery, _n, sub = by_id[answer.delivery_id]
        delivery.attempts += 1
        delivery.http_status, delivery.error = answer.status, answer.error
        if answer.status in (200, 201, 202):
            delivery.status, delivery.sent_at = "sent", now
            sub.last_success_at = now
        elif answer.status in GONE:
            delivery.status = "gone"
            gone_subscriptions.add(sub.id)
        elif (answer.status is None or answer.status == 429 or answer.status >= 500) \
                and delivery.attempts < max_attempts:
            delivery.status = "retry"
            delivery.not_before = now + retry_delay(delivery.attempts, answer.retry_after, now)
        else:
            delivery.status = "failed"
        counts["retry" if delivery.status == "retry" else delivery.status] += 1
    db.session.flush()
    if gone_subscriptions:  # the browser unsubscribed or the push service dropped it
        db.session.execute(update(PushDelivery)
                           .where(PushDelivery.subscription_id.in_(gone_subscriptions))
                           .values(subscription_id=None))
        db.session.execute(delete(PushSubscription)
                           .where(PushSubscription.id.in_(gone_subscriptions)))
    _settle({n.id for _d, n, _s, _lang in rows}, now)
    db.session.commit()
    return counts


def cancel_for_device(subscription_id: int, now: datetime) -> None:
    """The device changed hands: what its previous owner's alerts still had to send there
    is not sent (the alerts stay in that owner's inbox). In the caller's transaction.

    A sender already sending one of them writes its answer back over this, as it should.
    """
    cancelled = list(db.session.scalars(
        update(PushDelivery)
        .where(PushDelivery.subscription_id == subscription_id,
               PushDelivery.status.in_(("pending", "retry", "inflight")))
        .values(status="failed", error="the device moved to another user")
        .returning(PushDelivery.notification_id)
        .execution_options(synchronize_session=False)))
    if cancelled:
        _settle(set(cancelled), now)


def _settle(notification_ids: set[int], now: datetime) -> None:
    """A notification is sent once any device has it, failed once no delivery can still go.

    Two set-based UPDATEs (no session sync: the ORM objects are not read again).
    """
    d = PushDelivery
    ids = list(notification_ids)
    for start in range(0, len(ids), 5000):
        chunk = ids[start:start + 5000]
        sent = select(d.id).where(d.notification_id == Notification.id, d.status == "sent")
        open_ = select(d.id).where(d.notification_id == Notification.id,
                                   d.status.in_(("sent", "pending", "retry", "inflight")))
        db.session.execute(
            update(Notification)
            .where(Notification.id.in_(chunk), Notification.sent_at.is_(None), sent.exists())
            .values(status="sent", sent_at=now).execution_options(synchronize_session=False))
        db.session.execute(
            update(Notification)
            .where(Notification.id.in_(chunk), Notification.status == "sending",
                   ~open_.exists())
            .values(status="failed").execution_options(synchronize_session=False))


def run_once(now: datetime | None = None, *, rounds: int = 10) -> dict:
    """Dispatch and deliver what is due now (a few rounds, for big fan-outs)."""
    total = {"dispatched": 0, "sent": 0, "retry": 0, "gone": 0, "failed": 0}
    for _ in range(rounds):
        moment = now or utcnow()
        total["dispatched"] += dispatch(moment)
        counts = deliver(moment)
        for key, value in counts.items():
            total[key] += value
        if not any(counts.values()):
            break
    return total
