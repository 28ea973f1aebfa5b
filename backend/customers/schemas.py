"""Customer list queries and items, and the customer's own parts of the 360 card."""

from marshmallow import Schema, fields, validate

from backend.api_fields import UtcDateTime
from backend.customers.models import SEGMENTS, STATUSES
from backend.products.models import TIERS
from backend.references import PersonRefSchema, ProductRefSchema


class CustomerQuerySchema(Schema):
    q = fields.String(validate=validate.Length(max=100))
    segment = fields.String(validate=validate.OneOf(SEGMENTS))
    tier = fields.String(validate=validate.OneOf(TIERS))
    status = fields.String(validate=validate.OneOf(STATUSES))
    include_closed = fields.Boolean(load_default=True,
                                    metadata={"description": "false hides closed customers"})
    sort = fields.String(load_default="name", validate=validate.OneOf(("name", "last_contact")))
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100_000))
    per_page = fields.Integer(load_default=25, validate=validate.Range(min=1, max=200))


class CustomerSummarySchema(Schema):
    id = fields.Integer()
    external_id = fields.String()
    name = fields.String()
    name_en = fields.String(allow_none=True)
    segment = fields.String()
    tier = fields.String()
    status = fields.String()
    industry = fields.String(allow_none=True)
    region = fields.String(allow_none=True)
    rm = fields.Nested(PersonRefSchema, allow_none=True)
    last_contact_at = UtcDateTime(allow_none=True)


class CustomerPageSchema(Schema):
    items = fields.List(fields.Nested(CustomerSummarySchema))
    total = fields.Integer()
    page = fields.Integer()
    per_page = fields.Integer()


class AccountSchema(Schema):
    id = fields.Integer()
    external_id = fields.String()
    product = fields.Nested(ProductRefSchema)
    opened_on = fields.Date()
    maturity_on = fields.Date(allow_none=True)
    closed_on = fields.Date(allow_none=True)
    balance = fields.Float()
    limit = fields.Float(allow_none=True)
    rate = fields.Float(allow_none=True)
    days_overdue = fields.Integer()
    status = fields.String()


class TransactionSchema(Schema):
    id = fields.Integer()
    posted_at = UtcDateTime()
    amount = fields.Float()
    channel = fields.String()
    kind = fields.String()
    description = fields.String(allow_none=True)
    account_id = fields.Integer()
    product = fields.Nested(ProductRefSchema)


class RelatedPartySchema(Schema):
    id = fields.Integer()
    kind = fields.String()
    type = fields.String(metadata={"description": "customer or person"})
    name = fields.String(allow_none=True)
    name_en = fields.String(allow_none=True)
    note = fields.String(allow_none=True)
    customer = fields.Nested(PersonRefSchema, allow_none=True,
                             metadata={"description": "set only when in your portfolio"})
    in_portfolio = fields.Boolean()


class ProfitabilitySchema(Schema):
    revenue = fields.Float()
    interest_margin = fields.Float()
    fees = fields.Float()
    cost_to_serve = fields.Float()
    product_cost = fields.Float()
    contact_cost = fields.Float()
    margin = fields.Float()
    months = fields.Integer()


class SeriesSchema(Schema):
    months = fields.List(fields.String())
    deposit_balance = fields.List(fields.Float())
    credit_balance = fields.List(fields.Float())
    transaction_count = fields.List(fields.Integer())
    transaction_volume = fields.List(fields.Float())


class ChannelShareSchema(Schema):
    channel = fields.String()
    count = fields.Integer()
    amount = fields.Float()
    share = fields.Float()


class OwnerSchema(Schema):
    name = fields.String(allow_none=True)
    name_en = fields.String(allow_none=True)
