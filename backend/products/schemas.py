"""Product payloads."""

from marshmallow import Schema, fields

from backend.references import ProductRefSchema


class ProductSchema(ProductRefSchema):
    line = fields.String()


class ProductListSchema(Schema):
    items = fields.List(fields.Nested(ProductSchema))
