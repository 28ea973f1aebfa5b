"""Offers and price quotes as answers show them."""

from marshmallow import Schema, fields, validate

from backend.api_fields import RowId, UtcDateTime
from backend.offers.models import OFFER_STATES
from backend.references import PersonRefSchema, ProductRefSchema, ReasonSchema

PRICE_UNITS = ("rate", "fee")
QUOTE_STATES = ("approved", "pending_approval", "refused", "expired")


class BandSchema(Schema):
    min = fields.Float()
    max = fields.Float()


class PriceSchema(Schema):
    """Price guidance (docs/offers.md): a yearly rate or a monthly fee."""

    unit = fields.String(validate=validate.OneOf(PRICE_UNITS))
    list = fields.Float()
    floor = fields.Float()
    suggested = fields.Float()
    band = fields.Nested(BandSchema, metadata={"description": "what this reader may quote"})
    pd = fields.Float(allow_none=True)
    pd_default = fields.Boolean()


class OfferSummarySchema(Schema):
    id = fields.Integer()
    product = fields.Nested(ProductRefSchema)
    score = fields.Float()
    expected_value = fields.Float()
    reasons = fields.List(fields.Nested(ReasonSchema))
    price = fields.Nested(PriceSchema, allow_none=True)
    state = fields.String(validate=validate.OneOf(OFFER_STATES))


class PackageTierFeesSchema(Schema):
    basic = fields.Float()
    intermediate = fields.Float()
    advanced = fields.Float()


class PackageSuggestionSchema(Schema):
    tier = fields.String()
    fee = fields.Float()
    saving = fields.Float()


class PackageAdviceSchema(Schema):
    """The tier's fee this month and a better-suited tier, if any."""

    tier = fields.String()
    fee = fields.Float()
    balance = fields.Float()
    linked_balance = fields.Float()
    fees = fields.Nested(PackageTierFeesSchema)
    suggestion = fields.Nested(PackageSuggestionSchema, allow_none=True)


class NeedProductSchema(Schema):
    code = fields.String()
    name = fields.String()
    name_en = fields.String()


class RelatedNeedSchema(Schema):
    """What a related party may need; a party outside the portfolio is a referral
    opportunity with none of its data."""

    party_id = fields.Integer()
    kind = fields.String()
    customer = fields.Nested(PersonRefSchema, allow_none=True)
    referral = fields.Boolean()
    product = fields.Nested(NeedProductSchema)
    line = fields.String()
    zh = fields.String()
    en = fields.String()


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
    unit = fields.String(validate=validate.OneOf(PRICE_UNITS))
    band_min = fields.Float()
    band_max = fields.Float()
    state = fields.String(validate=validate.OneOf(QUOTE_STATES))
    approver_id = fields.Integer(allow_none=True)
    decided_at = UtcDateTime(allow_none=True)
    expires_at = UtcDateTime(allow_none=True)
    note = fields.String(allow_none=True)
    created_at = UtcDateTime()
