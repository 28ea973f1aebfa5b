"""Moments, risk cases and approvals on the wire."""

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from backend.api_fields import MoneyInput, UtcDateTime
from backend.moments.models import MOMENT_KINDS, MOMENT_STATES, RISK_ACTIONS, RISK_STATES
from backend.references import CustomerRefSchema, PersonRefSchema, ReasonSchema

DECISIONS = ("approved", "refused")


class MomentSchema(Schema):
    id = fields.Integer()
    customer_id = fields.Integer()
    customer = fields.Nested(CustomerRefSchema)
    kind = fields.String(validate=validate.OneOf(MOMENT_KINDS))
    due_on = fields.Date()
    severity = fields.Integer()
    state = fields.String(validate=validate.OneOf(MOMENT_STATES))
    reasons = fields.List(fields.Nested(ReasonSchema))
    detail = fields.Dict(allow_none=True)
    resolution = fields.String(allow_none=True)
    resolved_at = UtcDateTime(allow_none=True)


class MomentListSchema(Schema):
    items = fields.List(fields.Nested(MomentSchema))


class MomentQuerySchema(Schema):
    state = fields.String(load_default=None, validate=validate.OneOf(MOMENT_STATES))
    kind = fields.String(load_default=None, validate=validate.OneOf(MOMENT_KINDS))


class MomentPatchSchema(Schema):
    state = fields.String(required=True,
                          validate=validate.OneOf(("acknowledged", "done", "dismissed")))
    reason = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=200))
    left_reason = fields.String(load_default=None, allow_none=True,
                                validate=validate.Length(min=1, max=200))

    @validates_schema
    def _dismissals_say_why(self, data, **_):
        if data["state"] == "dismissed" and not (data.get("reason") or "").strip():
            raise ValidationError("Say why the moment is dismissed.", "reason")


class RiskCaseSchema(Schema):
    id = fields.Integer()
    customer_id = fields.Integer()
    customer = fields.Nested(CustomerRefSchema)
    opened_on = fields.Date()
    updated_on = fields.Date(allow_none=True)
    signals = fields.List(fields.Nested(ReasonSchema))
    probability = fields.Float()
    exposure = fields.Float()
    expected_loss = fields.Float()
    severity = fields.Integer()
    tier_response = fields.String(validate=validate.OneOf(("automated", "escalated")))
    state = fields.String(validate=validate.OneOf(RISK_STATES))
    requested_action = fields.String(allow_none=True, validate=validate.OneOf(RISK_ACTIONS))
    action_detail = fields.Dict(allow_none=True)
    requested_by = fields.Integer(allow_none=True)
    requested_at = UtcDateTime(allow_none=True)
    decided_by = fields.Integer(allow_none=True)
    decided_at = UtcDateTime(allow_none=True)
    decision = fields.String(allow_none=True, validate=validate.OneOf(DECISIONS))
    decision_note = fields.String(allow_none=True)
    closed_at = UtcDateTime(allow_none=True)
    closed_reason = fields.String(allow_none=True)


class RiskCaseListSchema(Schema):
    items = fields.List(fields.Nested(RiskCaseSchema))


class RiskCaseQuerySchema(Schema):
    state = fields.String(load_default=None, validate=validate.OneOf(RISK_STATES))


class RiskRequestSchema(Schema):
    action = fields.String(required=True, validate=validate.OneOf(RISK_ACTIONS))
    cooperative = fields.Boolean(required=True)
    waiver_share = fields.Float(load_default=None, allow_none=True,
                                validate=validate.Range(min=0, max=1, min_inclusive=False))
    extension_days = fields.Integer(load_default=None, allow_none=True, strict=True,
                                    validate=validate.Range(min=1, max=365))
    revaluation = MoneyInput(load_default=None, allow_none=True,
                             validate=validate.Range(min=0, max=10**12))
    note = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=500))

    @validates_schema
    def _complete(self, data, **_):
        if data["action"] == "waiver" and data.get("waiver_share") is None:
            raise ValidationError("A waiver needs its share (0-1; 1 is a full waiver).",
                                  "waiver_share")
        if data["action"] == "extension":
            if data.get("extension_days") is None:
                raise ValidationError("An extension needs its length in days.",
                                      "extension_days")
            if data.get("revaluation") is None:
                raise ValidationError("An extension needs the re-valued collateral amount.",
                                      "revaluation")


class RiskDecisionSchema(Schema):
    decision = fields.String(required=True, validate=validate.OneOf(DECISIONS))
    note = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=500))


class RiskCloseSchema(Schema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=200))


class ApprovalSchema(Schema):
    kind = fields.String()
    id = fields.Integer()
    customer = fields.Nested(CustomerRefSchema)
    action = fields.String()
    detail = fields.Dict(allow_none=True)
    note = fields.String(allow_none=True)
    requested_by = fields.Nested(PersonRefSchema)
    requested_at = UtcDateTime(allow_none=True)
    probability = fields.Float()
    exposure = fields.Float()
    severity = fields.Integer()
    signals = fields.List(fields.Nested(ReasonSchema))


class ApprovalListSchema(Schema):
    items = fields.List(fields.Nested(ApprovalSchema))
