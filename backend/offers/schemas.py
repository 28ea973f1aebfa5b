"""Offers and price quotes as answers show them."""

from marshmallow import Schema, fields, validate

from backend.api_fields import RowId, UtcDateTime
from backend.references import ProductRefSchema


class OfferSummarySchema(Schema):
    id = fields.Integer()
    product = fields.Nested(ProductRefSchema)
    score = fields.Float()
    expected_value = fields.Float()
    reasons = fields.List(fields.Raw())
    price = fields.Dict(allow_none=True)
    state = fields.String()


class StrictFloat(fields.Float):
    """A JSON number only: "0.045" as text is refused, as the other numeric fields do."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, str | bool):
            raise self.make_error("invalid")
        return super()._deserialize(value, attr, data, **kwargs)


class QuoteCreateSchema(Schema):
    offer_id = RowId(required=True)
    price = StrictFloat(required=True, allow_nan=False,
                         validate=validate.Range(min=0, max=1_000_000),
                         metadata={"description": "a yearly rate (0.0425) or a monthly fee"})
    note = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=500))


class QuoteDecisionSchema(Schema):
    note = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=500))


class QuoteSchema(Schema):
    id = fields.Integer()
    offer_id = fields.Integer()
    rm_id = fields.Integer()
    price = fields.Float()
    unit = fields.String()
    band_min = fields.Float()
    band_max = fields.Float()
    state = fields.String()
    approver_id = fields.Integer(allow_none=True)
    decided_at = UtcDateTime(allow_none=True)
    expires_at = UtcDateTime(allow_none=True)
    note = fields.String(allow_none=True)
    created_at = UtcDateTime()
