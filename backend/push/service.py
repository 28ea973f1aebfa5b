"""Alerts: queued for users (the inbox), devices subscribed to Web Push, preferences,
and the morning briefing. Sending is the sender's job (backend/push/sender.py)."""

import base64
import binascii
import hmac
import re
from urllib.parse import urlsplit

from flask import current_app
from sqlalchemy import func, select, update

from backend import texts
from backend.auth import service as auth_service
from backend.auth.models import User
from backend.customers.models import Customer
from backend.customers.portfolio import Viewer, customer_scope
from backend.errors import Conflict, Invalid
from backend.extensions import db
from backend.models_base import utcnow
from backend.push import preferences, sender
from backend.push.models import Notification, PushSubscription

LOCAL_HOSTS = ("127.0.0.1", "localhost", "[::1]")


def notify(user: User, *, kind: str, texts: dict[str, tuple[str, str]], url: str,
           detail: dict | None = None, topic: str | None = None,
           ttl_seconds: int = 86400, dedupe_key: str | None = None) -> Notification:
    """Queue one alert in the user's language; texts: {"zh": (title, body), "en": ...}.

    The caller's transaction commits it, so an alert exists only if what it tells of does.
    """
    title, body = texts["en"] if user.locale.startswith("en") else texts["zh"]
    urgent = kind in current_app.config["PUSH_URGENT_KINDS"]
    note = Notification(user_id=user.id, kind=kind, title=title[:200], body=body[:1000],
                        url=url, urgency="high" if urgent else "normal", topic=topic,
                        ttl_seconds=ttl_seconds, status="queued", attempts=0, detail=detail,
                        dedupe_key=dedupe_key)
    db.session.add(note)
    return note


# --------------------------------------------------------------------------- subscriptions


def _unb64(value: str) -> bytes | None:
    try:
        return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    except (binascii.Error, ValueError):
        return None


def _b64(value: str, size: int, name: str) -> None:
    raw = _unb64(value)
    if raw is None:
        raise Invalid("Bad subscription key", {name: ["Not base64url."]})
    if len(raw) != size or (name == "keys.p256dh" and raw[0] != 4):
        raise Invalid("Bad subscription key", {name: [f"Must be {size} bytes."]})


def _same_secret(stored: str, sent: str) -> bool:
    """Is `sent` the auth secret stored? Compared as bytes (padding aside) in constant time,
    so the answer's timing tells nothing of the secret."""
    a, b = _unb64(stored), _unb64(sent)
    return a is not None and b is not None and hmac.compare_digest(a, b)


def check_endpoint(endpoint: str) -> None:
    """Only push services: https on a known host; loopback http where the config allows."""
    parts = urlsplit(endpoint)
    host = (parts.hostname or "").lower()
    local = current_app.config["PUSH_ALLOW_LOCAL"] and parts.scheme in ("http", "https") \
        and (host in LOCAL_HOSTS or f"[{host}]" in LOCAL_HOSTS)
    known = parts.scheme == "https" and parts.port in (None, 443) and not parts.username \
        and any(host == h or host.endswith("." + h.lstrip("."))
                for h in current_app.config["PUSH_SERVICE_HOSTS"])
    if not (local or known):
        raise Invalid("Not a known push service", {"endpoint": [
            "Must be an https URL of a browser push service."]})


def subscribe(user: Viewer, body: dict) -> tuple[PushSubscription, bool]:
    """Store a device's subscription (again: refresh its keys); return (it, created)."""
    check_endpoint(body["endpoint"])
    _b64(body["keys"]["p256dh"], 65, "keys.p256dh")
    _b64(body["keys"]["auth"], 16, "keys.auth")
    sub = db.session.scalar(select(PushSubscription)
                            .where(PushSubscription.endpoint == body["endpoint"]))
    created, moved_from = sub is None, None
    if created:
        sub = PushSubscription(endpoint=body["endpoint"])
        db.session.add(sub)
    elif sub.user_id != user.id:
        # An endpoint belongs to one browser: whoever signs in there last receives its
        # alerts. That browser subscribes again with the same keys, so the auth secret
        # (known to the browser and to us only) proves it; anyone else who learnt the
        # endpoint would take another user's alerts away from their phone.
        if not _same_secret(sub.auth, body["keys"]["auth"]):
            raise Conflict("This device's alerts belong to another user", {"endpoint": [
                "Subscribed by another user: only that browser, with its keys, can move it."]})
        sender.cancel_for_device(sub.id, utcnow())  # the old owner's alerts stay with them
        moved_from = sub.user_id
    sub.user_id, sub.p256dh, sub.auth = user.id, body["keys"]["p256dh"], body["keys"]["auth"]
    sub.user_agent = (body.get("user_agent") or "")[:300] or None
    auth_service.audit("push.subscribed", user_id=user.id, object_type="push_subscription",
                       detail={"host": urlsplit(body["endpoint"]).hostname,
                               **({"moved_from_user_id": moved_from} if moved_from else {})})
    db.session.commit()
    return sub, created


def unsubscribe(user: Viewer, endpoint: str) -> None:
    sub = db.session.scalar(select(PushSubscription).where(
        PushSubscription.endpoint == endpoint, PushSubscription.user_id == user.id))
    if sub is not None:
        db.session.delete(sub)
        auth_service.audit("push.unsubscribed", user_id=user.id,
                           object_type="push_subscription", object_id=sub.id)
        db.session.commit()


def subscriptions(user: Viewer) -> list[PushSubscription]:
    return list(db.session.scalars(select(PushSubscription)
                                   .where(PushSubscription.user_id == user.id)
                                   .order_by(PushSubscription.id)))


# --------------------------------------------------------------------------- preferences


def get_preferences(user: Viewer) -> dict:
    row = db.session.get(User, user.id)
    return {"kinds": preferences.kinds(row), "quiet_start": row.quiet_start,
            "quiet_end": row.quiet_end, "time_zone": row.time_zone,
            "urgent_kinds": list(current_app.config["PUSH_URGENT_KINDS"])}


def put_preferences(user: Viewer, body: dict) -> dict:
    row = db.session.get(User, user.id)
    if "kinds" in body:
        unknown = sorted(set(body["kinds"]) - set(preferences.KINDS))
        if unknown:
            raise Invalid("Unknown alert kinds", {"kinds": [f"Unknown: {k}" for k in unknown]})
        row.alert_kinds = {**(row.alert_kinds or {}), **body["kinds"]}
    if "quiet_start" in body or "quiet_end" in body:
        start, end = body.get("quiet_start", row.quiet_start), body.get("quiet_end", row.quiet_end)
        if (start is None) != (end is None):
            raise Invalid("Quiet hours need a start and an end",
                          {"quiet_end" if end is None else "quiet_start": ["Required."]})
        row.quiet_start, row.quiet_end = start, end
    if "time_zone" in body:
        row.time_zone = body["time_zone"]
    db.session.commit()
    return get_preferences(user)


# --------------------------------------------------------------------------- inbox


def queue_test(user: Viewer) -> Notification:
    row = db.session.get(User, user.id)
    note = notify(row, kind="test", url="/settings",
                  texts=texts.notice("test"))
    db.session.commit()
    return note


def inbox(user: Viewer, *, unread_only: bool, limit: int = 100) -> dict:
    query = select(Notification).where(Notification.user_id == user.id)
    if unread_only:
        query = query.where(Notification.read_at.is_(None))
    items = list(db.session.scalars(query.order_by(Notification.created_at.desc(),
                                                   Notification.id.desc()).limit(limit)))
    unread = db.session.scalar(select(func.count()).select_from(Notification).where(
        Notification.user_id == user.id, Notification.read_at.is_(None)))
    about = _customers_about(user, items)
    return {"items": [{**_note_dict(n), "customer": about.get(_customer_of(n.url))}
                      for n in items], "unread": unread}


_CUSTOMER_URL = re.compile(r"^/customers/(\d+)(?:[/?#]|$)")


def _customer_of(url: str) -> int | None:
    """The customer an alert is about: the one whose card (or part of it) it opens."""
    match = _CUSTOMER_URL.match(url or "")
    return int(match.group(1)) if match else None


def _customers_about(user: Viewer, notes: list[Notification]) -> dict[int, dict]:
    """Name and phone of the customers the alerts are about, those the reader still sees
    (a customer moved to another RM since is not told of)."""
    ids = {cid for n in notes if (cid := _customer_of(n.url)) is not None}
    if not ids:
        return {}
    rows = db.session.execute(
        select(Customer.id, Customer.name, Customer.name_en, Customer.phone)
        .where(Customer.id.in_(ids), customer_scope(user))).all()
    return {r.id: {"id": r.id, "name": r.name, "name_en": r.name_en, "phone": r.phone}
            for r in rows}


def _note_dict(n: Notification) -> dict:
    return {"id": n.id, "kind": n.kind, "title": n.title, "body": n.body, "url": n.url,
            "status": n.status, "urgency": n.urgency, "created_at": n.created_at,
            "sent_at": n.sent_at, "read_at": n.read_at}


def mark_read(user: Viewer, *, ids: list[int] | None, everything: bool) -> int:
    statement = update(Notification).where(Notification.user_id == user.id,
                                           Notification.read_at.is_(None))
    if not everything:
        statement = statement.where(Notification.id.in_(ids or []))
    count = db.session.execute(statement.values(read_at=utcnow())).rowcount or 0
    db.session.commit()
    return count
