"""How answers name records of another domain (a customer, a person, a product) and the
reasons behind a figure: the reference schemas every domain may use."""

from marshmallow import Schema, fields


class CustomerRefSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    name_en = fields.String(allow_none=True)
    segment = fields.String()


class PersonRefSchema(Schema):
    id = fields.Integer()
    name = fields.String(allow_none=True)


class ProductRefSchema(Schema):
    """A product as other payloads name it (accounts, offers, scores)."""

    code = fields.String()
    name = fields.String()
    name_en = fields.String()
    family = fields.String()
    is_credit = fields.Boolean()


class ReasonSchema(Schema):
    """A reason chip: a stable code, both texts (backend/texts.py) and the figure behind it."""

    code = fields.String()
    zh = fields.String()
    en = fields.String()
    value = fields.Float(allow_none=True)
