"""The plan, the contact policy, working days and leave on the wire."""

from marshmallow import Schema, fields, validate

from backend.api_fields import Day, RowId, UtcDateTime, Year
from backend.calendar.models import PLAN_CHANNELS, PLAN_STATES
from backend.calendar.service import MUST_DO_KINDS, PlanStateSchema
from backend.references import CustomerRefSchema, PersonRefSchema


class PlanQuerySchema(Schema):
    date = Day(load_default=None, metadata={"description": "default: today, or the next "
                                                            "working day"})
    rm = RowId(load_default=None, strict=False)


class PlanPatchSchema(PlanStateSchema):
    base_version = fields.Integer(load_default=None, allow_none=True, strict=True)


class PlanCustomerSchema(CustomerRefSchema):
    phone = fields.String(allow_none=True)


class LastContactSchema(Schema):
    at = UtcDateTime()
    channel = fields.String()
    outcome = fields.String()
    notes = fields.String(allow_none=True)


class PlanOfferSchema(Schema):
    id = fields.Integer()
    product_code = fields.String()
    name = fields.String()
    name_en = fields.String(allow_none=True)


class PlanEntrySchema(Schema):
    id = fields.Integer()
    day = fields.Date()
    rm = fields.Nested(PersonRefSchema)
    customer = fields.Nested(PlanCustomerSchema)
    # Stored ready to show; passed through as they are (Today reads this on every start).
    reasons = fields.Raw(metadata={"description": "reason chips", "type": "array",
                                   "items": {"$ref": "#/components/schemas/Reason"}})
    objective = fields.String()
    objective_en = fields.String(allow_none=True)
    channel = fields.String(validate=validate.OneOf(PLAN_CHANNELS))
    suggested_hour = fields.Integer(allow_none=True)
    priority = fields.Integer()
    priority_band = fields.String(validate=validate.OneOf(("high", "medium", "low")))
    state = fields.String(validate=validate.OneOf(PLAN_STATES))
    version = fields.Integer()
    is_marketing = fields.Boolean()
    carried_days = fields.Integer()
    snoozed_to = fields.Date(allow_none=True)
    dismiss_reason = fields.String(allow_none=True)
    moment_id = fields.Integer(allow_none=True)
    risk_case_id = fields.Integer(allow_none=True)
    last_contact = fields.Nested(LastContactSchema, allow_none=True)
    must_do = fields.String(allow_none=True, validate=validate.OneOf(MUST_DO_KINDS), metadata={
        "description": "why the entry cannot wait (Today's first list), or null"})
    offer = fields.Nested(PlanOfferSchema, allow_none=True,
                          metadata={"description": "the customer's best live offer"})


class PlanSchema(Schema):
    date = fields.Date()
    working_day = fields.Boolean()
    entries = fields.List(fields.Nested(PlanEntrySchema))


class RefreshQuerySchema(Schema):
    rm = RowId(load_default=None, strict=False)


class RefreshSchema(Schema):
    entries = fields.Integer()


class FeedSchema(Schema):
    url = fields.String()


class FeedQuerySchema(Schema):
    token = fields.String(load_default=None)


class ContactPolicySchema(Schema):
    segment = fields.String(dump_only=True)
    cadence_days = fields.Integer(allow_none=True, strict=True,
                                  validate=validate.Range(min=7, max=730))
    max_marketing_30d = fields.Integer(strict=True, validate=validate.Range(min=0, max=30))
    min_gap_days = fields.Integer(strict=True, validate=validate.Range(min=0, max=180))
    decline_cooldown_days = fields.Integer(strict=True, validate=validate.Range(min=0, max=730))
    preferred_channels = fields.List(fields.String(validate=validate.OneOf(PLAN_CHANNELS)),
                                     validate=validate.Length(min=1, max=len(PLAN_CHANNELS)))
    updated_at = UtcDateTime(dump_only=True)
    updated_by = fields.Integer(dump_only=True, allow_none=True)


class ContactPolicyListSchema(Schema):
    items = fields.List(fields.Nested(ContactPolicySchema))


class CalendarDaySchema(Schema):
    day = fields.Date(dump_only=True)
    working = fields.Boolean(required=True)
    name = fields.String(required=True, validate=validate.Length(min=1, max=100))


class CalendarDayListSchema(Schema):
    items = fields.List(fields.Nested(CalendarDaySchema))


class CalendarDayQuerySchema(Schema):
    year = Year(load_default=None)


class LeaveSchema(Schema):
    id = fields.Integer(dump_only=True)
    user_id = RowId(load_default=None, allow_none=True)
    starts_on = Day(required=True)
    ends_on = Day(required=True)
    note = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=200))


class LeaveListSchema(Schema):
    items = fields.List(fields.Nested(LeaveSchema))
