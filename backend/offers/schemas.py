"""Offers as answers show them."""

from marshmallow import Schema, fields

from backend.references import ProductRefSchema


class OfferSummarySchema(Schema):
    id = fields.Integer()
    product = fields.Nested(ProductRefSchema)
    score = fields.Float()
    expected_value = fields.Float()
    reasons = fields.List(fields.Raw())
    price = fields.Dict(allow_none=True)
    state = fields.String()
