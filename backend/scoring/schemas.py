"""Experiment payloads."""

from marshmallow import Schema, fields, validate

from backend.references import ProductRefSchema, ReasonSchema


class CellSchema(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=32))
    share = fields.Float(required=True, validate=validate.Range(min=0, max=1, min_inclusive=False))
    version = fields.String(required=True, validate=validate.Length(min=1, max=32),
                            metadata={"description": "model version its customers get"})


class ExperimentCreateSchema(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    description = fields.String(load_default=None, allow_none=True,
                                validate=validate.Length(max=1000))
    model = fields.String(required=True, validate=validate.Length(min=1, max=64))
    cells = fields.List(fields.Nested(CellSchema), required=True,
                        validate=validate.Length(min=2, max=10))


class ExperimentSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    description = fields.String(allow_none=True)
    model = fields.String()
    cells = fields.List(fields.Nested(CellSchema))
    state = fields.String()
    started_on = fields.Date(allow_none=True)
    ended_on = fields.Date(allow_none=True)
    results = fields.Dict(allow_none=True)


class ExperimentListSchema(Schema):
    items = fields.List(fields.Nested(ExperimentSchema))


class RateSchema(Schema):
    rate = fields.Float(allow_none=True)
    low = fields.Float(allow_none=True)
    high = fields.Float(allow_none=True)
    n = fields.Integer()


class SalesSchema(RateSchema):
    amount = fields.Float()


class ArmSchema(Schema):
    cell = fields.String()
    version = fields.String(allow_none=True)
    share = fields.Float()
    customers = fields.Integer()
    acceptance = fields.Nested(RateSchema)
    sales = fields.Nested(SalesSchema)
    contact_success = fields.Nested(RateSchema)


class ExperimentReportSchema(Schema):
    experiment = fields.String()
    model = fields.String()
    state = fields.String()
    started_on = fields.Date(allow_none=True)
    arms = fields.List(fields.Nested(ArmSchema))


class StartResultSchema(Schema):
    assigned = fields.Integer()


class ScoreSchema(Schema):
    model = fields.String()
    change = fields.Float(allow_none=True, metadata={"description": "since a month before"})
    product = fields.Nested(ProductRefSchema, allow_none=True,
                            metadata={"description": "for propensity:<code> scores"})
    version = fields.String()
    value = fields.Float()
    band = fields.String()
    reasons = fields.List(fields.Nested(ReasonSchema))
    as_of = fields.Date()
