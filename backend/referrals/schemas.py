"""Referrals on the wire."""

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from backend.api_fields import UtcDateTime
from backend.references import PersonRefSchema
from backend.referrals.models import REFERRAL_STATES


class ProspectSchema(Schema):
    name = fields.String(required=True, validate=validate.Length(min=2, max=200))
    phone = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=40))
    contact = fields.String(load_default=None, allow_none=True,
                            validate=validate.Length(max=100))
    region = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=64))


class ReferralCreateSchema(Schema):
    customer_external_id = fields.String(load_default=None, allow_none=True,
                                         validate=validate.Length(min=1, max=64))
    prospect = fields.Nested(ProspectSchema, load_default=None, allow_none=True)
    need = fields.String(required=True, validate=validate.Length(min=2, max=1000))
    product_code = fields.String(load_default=None, allow_none=True,
                                 validate=validate.Length(max=32))

    @validates_schema
    def _one_customer(self, data, **_):
        if bool(data.get("customer_external_id")) == bool(data.get("prospect")):
            raise ValidationError("Give the customer number of an existing customer, or a new "
                                  "company; not both.", "customer_external_id")


class ReferralPatchSchema(Schema):
    state = fields.String(required=True, validate=validate.OneOf(
        ("acknowledged", "contacted", "won", "lost")))
    reason = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=200))


class SlaSchema(Schema):
    ack_due = UtcDateTime(allow_none=True)
    contact_due = UtcDateTime(allow_none=True)
    ack_missed = fields.Boolean()
    contact_missed = fields.Boolean()


class ReferredCustomerSchema(Schema):
    """An existing customer as a referral shows them: its referrer sees only the number
    they gave, the RMs its name too."""

    external_id = fields.String(required=True)  # the one field every reader gets
    id = fields.Integer()
    name = fields.String()
    name_en = fields.String(allow_none=True)


class ReferrerSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    line = fields.String(allow_none=True)


class CreditSchema(Schema):
    rm_id = fields.Integer()
    referrer_id = fields.Integer()
    offer_id = fields.Integer()
    amount = fields.Float()


class ReferralSchema(Schema):
    id = fields.Integer()
    state = fields.String(validate=validate.OneOf(REFERRAL_STATES))
    need = fields.String()
    product_code = fields.String(allow_none=True)
    customer = fields.Nested(ReferredCustomerSchema, allow_none=True)
    prospect = fields.Nested(ProspectSchema, allow_none=True)
    referrer = fields.Nested(ReferrerSchema, allow_none=True)
    rm = fields.Nested(PersonRefSchema, allow_none=True)
    created_at = UtcDateTime()
    sla = fields.Nested(SlaSchema)
    acknowledged_at = UtcDateTime(allow_none=True)
    first_contact_at = UtcDateTime(allow_none=True)
    closed_at = UtcDateTime(allow_none=True)
    lost_reason = fields.String(allow_none=True)
    credit = fields.Nested(CreditSchema, allow_none=True)


class ReferralListSchema(Schema):
    items = fields.List(fields.Nested(ReferralSchema))
