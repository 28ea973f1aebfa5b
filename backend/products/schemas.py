"""Product payloads."""

from marshmallow import Schema, fields


class ProductSchema(Schema):
    code = fields.String()
    name = fields.String()
    name_en = fields.String()
    family = fields.String()
    line = fields.String()
    is_credit = fields.Boolean()


class ProductListSchema(Schema):
    items = fields.List(fields.Nested(ProductSchema))
