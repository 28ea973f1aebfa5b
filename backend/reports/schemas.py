"""Report queries and payloads. Tables are lists of flat rows (docs/reports.md lists
their columns), so the payload schemas describe the frame and leave the rows open."""

from marshmallow import Schema, fields, validate

from backend.api_fields import Month, RowId

FORMATS = ("json", "csv")


class ReportQuerySchema(Schema):
    month = Month(load_default=None, metadata={"description": "default the running month"})
    format = fields.String(load_default=None, validate=validate.OneOf(FORMATS),
                           metadata={"description": "csv exports one table (or Accept: text/csv)"})
    table = fields.String(load_default=None, validate=validate.Length(max=32),
                          metadata={"description": "the table to export; default the first"})


class RmReportQuerySchema(ReportQuerySchema):
    rm = RowId(load_default=None, strict=False,
                        metadata={"description": "a lead: which RM of the team"})


class _ReportSchema(Schema):
    kind = fields.String()
    month = fields.String()
    from_ = fields.String(data_key="from")
    to = fields.String()
    closed = fields.Boolean()
    generated_at = fields.String()
    snapshot = fields.Dict(allow_none=True)
    tables = fields.Dict(keys=fields.String(), values=fields.List(fields.Dict()))


class RmReportSchema(_ReportSchema):
    rm = fields.Dict()
    team = fields.Dict(allow_none=True)
    figures = fields.Dict()
    team_median = fields.Dict()


class TeamReportSchema(_ReportSchema):
    team = fields.Dict()
    totals = fields.Dict()
    median = fields.Dict()
    approvals = fields.Dict()


class ProductsReportSchema(_ReportSchema):
    simplify_candidates = fields.Integer()
    simplify_share = fields.Float()


class PortfolioItemSchema(Schema):
    product = fields.Dict()
    holders = fields.Integer()
    new_sales = fields.Integer()
    revenue = fields.Float()
    cost = fields.Float()
    margin = fields.Float()
    uptake = fields.Float()
    simplify = fields.Boolean()


class PortfolioSchema(Schema):
    as_of = fields.Date()
    items = fields.List(fields.Nested(PortfolioItemSchema))
    simplify_candidates = fields.Integer()
    simplify_share = fields.Float()
