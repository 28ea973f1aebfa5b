"""The 360 card: the customer's own parts and each domain's, side by side."""

from marshmallow import fields

from backend.calendar.schemas import PlanEntrySchema
from backend.customers.schemas import (
    AccountSchema,
    ChannelShareSchema,
    CustomerSummarySchema,
    OwnerSchema,
    ProfitabilitySchema,
    RelatedPartySchema,
    SeriesSchema,
    TransactionSchema,
)
from backend.moments.schemas import MomentSchema, RiskCaseSchema
from backend.offers.schemas import OfferSummarySchema, PackageAdviceSchema, RelatedNeedSchema
from backend.scoring.schemas import ScoreSchema
from backend.visits.schemas import InteractionSchema, SatisfactionSchema


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
    related_needs = fields.List(fields.Nested(RelatedNeedSchema))
    package = fields.Nested(PackageAdviceSchema, allow_none=True)
    offers = fields.List(fields.Nested(OfferSummarySchema))
    satisfaction = fields.Nested(SatisfactionSchema)
    plan_entry = fields.Nested(PlanEntrySchema, allow_none=True, metadata={
        "description": "the customer's entry in today's plan (its purpose), or null"})
    currency = fields.String()
    as_of = fields.Date()
