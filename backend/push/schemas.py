"""Push keys, subscriptions, preferences and the inbox on the wire."""

from zoneinfo import available_timezones

from marshmallow import Schema, ValidationError, fields, validate

from backend.api_fields import RowId, UtcDateTime
from backend.push.preferences import KINDS

ZONES = available_timezones()


def is_time_zone(value: str) -> None:
    # a plain check, not OneOf: the spec would list the machine's whole tz database
    if value not in ZONES:
        raise ValidationError("Not an IANA time zone.")


class KeySchema(Schema):
    public_key = fields.String()


class SubscriptionKeysSchema(Schema):
    p256dh = fields.String(required=True, validate=validate.Length(min=80, max=100))
    auth = fields.String(required=True, validate=validate.Length(min=16, max=32))


class SubscriptionSchema(Schema):
    id = fields.Integer(dump_only=True)
    endpoint = fields.String(required=True, validate=validate.Length(min=10, max=1000))
    keys = fields.Nested(SubscriptionKeysSchema, required=True, load_only=True)
    user_agent = fields.String(load_default=None, allow_none=True,
                               validate=validate.Length(max=300))
    created_at = UtcDateTime(dump_only=True)
    last_success_at = UtcDateTime(dump_only=True, allow_none=True)


class SubscriptionListSchema(Schema):
    items = fields.List(fields.Nested(SubscriptionSchema))


class EndpointSchema(Schema):
    endpoint = fields.String(required=True, validate=validate.Length(min=10, max=1000))


class PreferencesSchema(Schema):
    kinds = fields.Dict(keys=fields.String(), values=fields.Boolean())
    quiet_start = fields.Time(allow_none=True, format="%H:%M")
    quiet_end = fields.Time(allow_none=True, format="%H:%M")
    time_zone = fields.String(validate=is_time_zone, metadata={
        "description": "an IANA time zone, e.g. Asia/Shanghai"})
    urgent_kinds = fields.List(fields.String(), dump_only=True)


class AlertCustomerSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    name_en = fields.String(allow_none=True)
    phone = fields.String(allow_none=True)


class NotificationSchema(Schema):
    id = fields.Integer()
    kind = fields.String(validate=validate.OneOf(KINDS))
    title = fields.String()
    body = fields.String()
    url = fields.String()
    status = fields.String()
    urgency = fields.String(validate=validate.OneOf(("high", "normal")),
                            metadata={"description": "high: shown as urgent"})
    customer = fields.Nested(AlertCustomerSchema, allow_none=True, metadata={
        "description": "the customer the alert is about, while the reader sees them"})
    created_at = UtcDateTime()
    sent_at = UtcDateTime(allow_none=True)
    read_at = UtcDateTime(allow_none=True)


class InboxSchema(Schema):
    items = fields.List(fields.Nested(NotificationSchema))
    unread = fields.Integer()


class InboxQuerySchema(Schema):
    unread = fields.Boolean(load_default=False)


class MarkReadSchema(Schema):
    ids = fields.List(RowId(), load_default=None,
                      validate=validate.Length(max=500))
    all = fields.Boolean(load_default=False)


class MarkedSchema(Schema):
    marked = fields.Integer()
