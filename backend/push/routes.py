"""Web Push keys, subscriptions and preferences, and the in-app alerts inbox."""

from flask import current_app
from flask_login import current_user, login_required
from flask_smorest import Blueprint

from backend.customers.portfolio import Viewer
from backend.errors import Invalid, Unavailable
from backend.push import service, vapid
from backend.push.schemas import (
    EndpointSchema,
    InboxQuerySchema,
    InboxSchema,
    KeySchema,
    MarkedSchema,
    MarkReadSchema,
    NotificationSchema,
    PreferencesSchema,
    SubscriptionListSchema,
    SubscriptionSchema,
)

blp = Blueprint("push", __name__, url_prefix="/api/v1",
                description="Web Push and the alerts inbox (docs/push.md)")


def _viewer() -> Viewer:
    return Viewer.of(current_user)


@blp.get("/push/key")
@login_required
@blp.response(200, KeySchema)
def public_key():
    """The VAPID public key browsers subscribe with (base64url)"""
    keys = vapid.load(current_app.config)
    if keys is None:
        raise Unavailable("Push is not set up on this server (flask push keys)")
    return {"public_key": keys.public_key}


@blp.get("/push/subscriptions")
@login_required
@blp.response(200, SubscriptionListSchema)
def list_subscriptions():
    """The caller's subscribed devices"""
    return {"items": service.subscriptions(_viewer())}


@blp.post("/push/subscriptions")
@login_required
@blp.arguments(SubscriptionSchema)
@blp.response(201, SubscriptionSchema)
@blp.alt_response(200, schema=SubscriptionSchema, description="Already stored")
@blp.alt_response(409, description="The endpoint is another user's, and the keys sent are "
                                   "not that browser's (docs/push.md)")
def add_subscription(body):
    """Register this device's push subscription"""
    sub, created = service.subscribe(_viewer(), body)
    return sub, 201 if created else 200


@blp.delete("/push/subscriptions")
@login_required
@blp.arguments(EndpointSchema)
@blp.response(204)
def remove_subscription(body):
    """Forget this device's subscription"""
    service.unsubscribe(_viewer(), body["endpoint"])


@blp.get("/push/preferences")
@login_required
@blp.response(200, PreferencesSchema)
def get_preferences():
    """Which alerts to push, and quiet hours"""
    return service.get_preferences(_viewer())


@blp.put("/push/preferences")
@login_required
@blp.arguments(PreferencesSchema)
@blp.response(200, PreferencesSchema)
def put_preferences(body):
    """Change which alerts to push, quiet hours or the time zone"""
    return service.put_preferences(_viewer(), body)


@blp.post("/push/test")
@login_required
@blp.response(202, NotificationSchema)
def test_push():
    """Queue a test alert to the caller's own devices (sent by the sender within seconds)"""
    return service.queue_test(_viewer())


@blp.get("/notifications")
@login_required
@blp.arguments(InboxQuerySchema, location="query")
@blp.response(200, InboxSchema)
def notifications(args):
    """The caller's alerts, newest first"""
    return service.inbox(_viewer(), unread_only=args["unread"])


@blp.post("/notifications/read")
@login_required
@blp.arguments(MarkReadSchema)
@blp.response(200, MarkedSchema)
def mark_read(body):
    """Mark alerts read: some ids, or all"""
    if not body["all"] and not body["ids"]:
        raise Invalid("Say which alerts", {"ids": ["Give ids, or all: true."]})
    return {"marked": service.mark_read(_viewer(), ids=body["ids"], everything=body["all"])}
