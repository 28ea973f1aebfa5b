"""Product payloads."""

from marshmallow import Schema, fields


class ProductRefSchema(Schema):
    """A product as other payloads name it (accounts, offers, scores)."""

    code = fields.String()
    name = fields.String()
    name_en = fields.String()
    family = fields.String()
    is_credit = fields.Boolean()


class ProductSchema(ProductRefSchema):
    line = fields.String()


class ProductListSchema(Schema):
    items = fields.List(fields.Nested(ProductSchema))
