"""Report queries and payloads. Tables are lists of flat rows (docs/reports.md lists
their columns), so the payload schemas describe the frame and leave the rows open."""

from marshmallow import Schema, fields, validate

from backend.api_fields import Month, RowId
from backend.auth.schemas import TeamSchema
from backend.references import PersonRefSchema

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


def _figures(description: str) -> fields.Dict:
    """Figures by name (docs/reports.md); a figure with no basis this month is null."""
    return fields.Dict(keys=fields.String(), values=fields.Float(allow_none=True),
                       metadata={"description": description})


class ApprovalCountsSchema(Schema):
    risk_cases = fields.Integer()
    quotes = fields.Integer()
    total = fields.Integer()


class _ReportSchema(Schema):
    kind = fields.String()
    month = fields.String()
    from_ = fields.String(data_key="from")
    to = fields.String()
    closed = fields.Boolean()
    generated_at = fields.String()
    snapshot = fields.Dict(allow_none=True)
    tables = fields.Dict(keys=fields.String(), values=fields.List(fields.Dict(
        keys=fields.String(), values=fields.Raw())), metadata={
        "description": "the rows behind each chart, by table name (also as CSV)"})


class RmReportSchema(_ReportSchema):
    rm = fields.Nested(PersonRefSchema)
    team = fields.Nested(TeamSchema, allow_none=True)
    figures = _figures("the RM's figures this month")
    team_median = _figures("the median RM of the team")


class TeamReportSchema(_ReportSchema):
    team = fields.Nested(TeamSchema)
    totals = _figures("the team's figures this month")
    median = _figures("the median RM of the team")
    approvals = fields.Nested(ApprovalCountsSchema, metadata={
        "description": "requests waiting for the lead"})


class ProductsReportSchema(_ReportSchema):
    simplify_candidates = fields.Integer()
    simplify_share = fields.Float()


class PortfolioProductSchema(Schema):
    code = fields.String()
    name = fields.String()
    name_en = fields.String()
    family = fields.String()
    line = fields.String()


class PortfolioItemSchema(Schema):
    product = fields.Nested(PortfolioProductSchema)
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
