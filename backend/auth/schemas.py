"""Login and user payloads."""

from marshmallow import Schema, fields, validate

from backend.api_fields import UtcDateTime


class LoginSchema(Schema):
    username = fields.String(required=True, validate=validate.Length(min=1, max=64))
    password = fields.String(required=True, load_only=True,
                             validate=validate.Length(min=1, max=256))


class PasswordChangeSchema(Schema):
    current_password = fields.String(required=True, load_only=True,
                                     validate=validate.Length(min=1, max=256))
    new_password = fields.String(required=True, load_only=True,
                                 validate=validate.Length(min=1, max=256))


class TeamSchema(Schema):
    id = fields.Integer()
    name = fields.String()


class UserSchema(Schema):
    id = fields.Integer()
    username = fields.String()
    display_name = fields.String()
    role = fields.String()
    team = fields.Nested(TeamSchema, allow_none=True)
    grade = fields.Integer()
    line = fields.String()
    locale = fields.String()
    time_zone = fields.String()


class SessionSchema(Schema):
    user = fields.Nested(UserSchema)
    csrf_token = fields.String()


class DeviceSessionSchema(Schema):
    id = fields.Integer()
    device = fields.String(metadata={"description": "browser and device, from the user agent "
                                                    "(empty when unknown)"})
    user_agent = fields.String(allow_none=True)
    ip = fields.String(allow_none=True, metadata={"description": "the address last seen"})
    created_at = UtcDateTime()
    last_seen_at = UtcDateTime()
    current = fields.Boolean(metadata={"description": "the session of this request"})


class DeviceSessionListSchema(Schema):
    items = fields.List(fields.Nested(DeviceSessionSchema))
