"""Bodies of the visit-log write and the sync batch."""

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from backend.api_fields import Day, Instant, MoneyInput, RowId, UtcDateTime
from backend.references import PersonRefSchema
from backend.visits.models import INTERACTION_CHANNELS, OUTCOMES

ANSWERS = ("interested", "accepted", "declined")


class ProductDiscussedSchema(Schema):
    product_code = fields.String(required=True, validate=validate.Length(min=1, max=32))
    answer = fields.String(required=True, validate=validate.OneOf(ANSWERS))
    reason = fields.String(validate=validate.Length(max=200), allow_none=True)

    @validates_schema
    def _declines_say_why(self, data, **_):
        if data["answer"] == "declined" and not (data.get("reason") or "").strip():
            raise ValidationError("A declined product needs a reason.", "reason")


class LocationSchema(Schema):
    lat = fields.Float(required=True, validate=validate.Range(min=-90, max=90))
    lng = fields.Float(required=True, validate=validate.Range(min=-180, max=180))
    accuracy = fields.Float(validate=validate.Range(min=0, max=100_000), allow_none=True)


class InteractionWriteSchema(Schema):
    """A visit or call as the device logged it; `replaces` names the version it edits."""

    customer_id = RowId(required=True)
    channel = fields.String(required=True, validate=validate.OneOf(INTERACTION_CHANNELS))
    started_at = Instant(required=True)
    outcome = fields.String(required=True, validate=validate.OneOf(OUTCOMES))
    notes = fields.String(load_default=None, allow_none=True,
                          validate=validate.Length(max=4000))
    objective = fields.String(load_default=None, allow_none=True,
                              validate=validate.Length(max=200))
    duration_minutes = fields.Integer(load_default=None, allow_none=True, strict=True,
                                      validate=validate.Range(min=0, max=24 * 60))
    products_discussed = fields.List(fields.Nested(ProductDiscussedSchema), load_default=list,
                                     validate=validate.Length(max=20))
    follow_up_on = Day(load_default=None, allow_none=True)
    follow_up_objective = fields.String(load_default=None, allow_none=True,
                                        validate=validate.Length(max=200))
    location = fields.Nested(LocationSchema, load_default=None, allow_none=True)
    sales_amount = MoneyInput(load_default=None, allow_none=True,
                              validate=validate.Range(min=0, max=10**12))
    replaces = fields.UUID(load_default=None, allow_none=True,
                           metadata={"description": "client_id of the visit this edits"})
    plan_entry_id = RowId(load_default=None, allow_none=True,
                          metadata={"description": "the plan entry this contact meets"})


class SyncRequestSchema(Schema):
    # Items are checked one by one by the service, so one bad item cannot fail the batch.
    writes = fields.List(fields.Dict(), required=True, validate=validate.Length(max=500))


class SyncErrorSchema(Schema):
    message = fields.String()
    fields_ = fields.Dict(attribute="fields", data_key="fields", keys=fields.String(),
                          values=fields.Raw(),
                          metadata={"description": "what is wrong, by field (dotted path)"})
    retryable = fields.Boolean(metadata={"description": "send it again later (a fault)"})


class SyncResultSchema(Schema):
    client_id = fields.Raw(allow_none=True)
    status = fields.String(
        metadata={"enum": ["created", "duplicate", "conflict", "invalid", "forbidden", "error"]})
    id = fields.Integer()
    version = fields.Integer()
    error = fields.Nested(SyncErrorSchema)
    server = fields.Dict(metadata={"description": "the server's version, on conflict"})
    client = fields.Dict(metadata={"description": "the version sent, on conflict"})


class SyncResponseSchema(Schema):
    results = fields.List(fields.Nested(SyncResultSchema))


class InteractionSchema(Schema):
    id = fields.Integer()
    client_id = fields.String(metadata={"description": "names this visit in an edit"})
    version = fields.Integer()
    follow_up_objective = fields.String(allow_none=True)
    channel = fields.String(validate=validate.OneOf(INTERACTION_CHANNELS))
    started_at = UtcDateTime()
    outcome = fields.String(validate=validate.OneOf(OUTCOMES))
    notes = fields.String(allow_none=True)
    objective = fields.String(allow_none=True)
    products_discussed = fields.List(fields.Nested(ProductDiscussedSchema))
    follow_up_on = fields.Date(allow_none=True)
    rm = fields.Nested(PersonRefSchema)


class SatisfactionSchema(Schema):
    responses = fields.Integer()
    average = fields.Float(allow_none=True, metadata={"description": "mean score, 1 to 5"})
    index = fields.Float(allow_none=True, metadata={"description": "(average - 1) / 4 x 100"})
