"""Product payloads."""

from marshmallow import Schema, fields, validate

from backend.api_fields import RowId, UtcDateTime
from backend.references import ProductRefSchema


class ProductSchema(ProductRefSchema):
    line = fields.String()


class ProductListSchema(Schema):
    items = fields.List(fields.Nested(ProductSchema))


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


class PortfolioItemSchema(Schema):
    product = fields.Dict()
    holders = fields.Integer()
    new_sales = fields.Integer()
    revenue = fields.Float()
    cost = fields.Float()
    margin = fields.Float()
    uptake = fields.Float()
    simplify = fields.Boolean()


class PortfolioSchema(Schema):
    as_of = fields.Date()
    items = fields.List(fields.Nested(PortfolioItemSchema))
    simplify_candidates = fields.Integer()
    simplify_share = fields.Float()
