"""Customer list queries, list items and the 360 card."""

from marshmallow import Schema, fields, validate

from backend.api_fields import UtcDateTime
from backend.customers.models import SEGMENTS, STATUSES
from backend.moments.schemas import MomentSchema, RiskCaseSchema
from backend.products.models import TIERS
from backend.products.schemas import ProductRefSchema


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


class PersonRefSchema(Schema):
    id = fields.Integer()
    name = fields.String(allow_none=True)


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


class InteractionSchema(Schema):
    id = fields.Integer()
    client_id = fields.String(metadata={"description": "names this visit in an edit"})
    version = fields.Integer()
    follow_up_objective = fields.String(allow_none=True)
    channel = fields.String()
    started_at = UtcDateTime()
    outcome = fields.String()
    notes = fields.String(allow_none=True)
    objective = fields.String(allow_none=True)
    products_discussed = fields.List(fields.Raw())
    follow_up_on = fields.Date(allow_none=True)
    rm = fields.Nested(PersonRefSchema)


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


class ScoreSchema(Schema):
    model = fields.String()
    change = fields.Float(allow_none=True, metadata={"description": "since a month before"})
    product = fields.Nested(ProductRefSchema, allow_none=True,
                            metadata={"description": "for propensity:<code> scores"})
    version = fields.String()
    value = fields.Float()
    band = fields.String()
    reasons = fields.List(fields.Raw())
    as_of = fields.Date()


class OfferSummarySchema(Schema):
    id = fields.Integer()
    product = fields.Nested(ProductRefSchema)
    score = fields.Float()
    expected_value = fields.Float()
    reasons = fields.List(fields.Raw())
    price = fields.Dict(allow_none=True)
    state = fields.String()


class OwnerSchema(Schema):
    name = fields.String(allow_none=True)
    name_en = fields.String(allow_none=True)


class SatisfactionSchema(Schema):
    responses = fields.Integer()
    average = fields.Float(allow_none=True, metadata={"description": "mean score, 1 to 5"})
    index = fields.Float(allow_none=True, metadata={"description": "(average - 1) / 4 x 100"})


class CustomerCardSchema(CustomerSummarySchema):
    founded_on = fields.Date(allow_none=True)
    employees = fields.Integer(allow_none=True)
    annual_revenue = fields.Float(allow_none=True)
    phone = fields.String(allow_none=True)
    email = fields.String(allow_none=True)
    onboarded_on = fields.Date(allow_none=True)
    consents = fields.Dict(keys=fields.String(), values=fields.Boolean())
    owner = fields.Nested(OwnerSchema)
    related_parties = fields.List(fields.Nested(RelatedPartySchema))
    accounts = fields.List(fields.Nested(AccountSchema))
    profitability = fields.Nested(ProfitabilitySchema)
    series = fields.Nested(SeriesSchema)
    channel_mix = fields.List(fields.Nested(ChannelShareSchema))
    transactions = fields.List(fields.Nested(TransactionSchema))
    interactions = fields.List(fields.Nested(InteractionSchema))
    scores = fields.List(fields.Nested(ScoreSchema))
    moments = fields.List(fields.Nested(MomentSchema))
    risk_cases = fields.List(fields.Nested(RiskCaseSchema))
    related_needs = fields.List(fields.Dict(), metadata={
        "description": "what related parties may need; a party outside the portfolio is a "
                       "referral opportunity with none of its data"})
    package = fields.Dict(allow_none=True, metadata={
        "description": "the tier's fee this month and a better-suited tier, if any"})
    offers = fields.List(fields.Nested(OfferSummarySchema))
    satisfaction = fields.Nested(SatisfactionSchema)
    currency = fields.String()
    as_of = fields.Date()
