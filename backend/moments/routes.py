"""Key moments and risk cases."""

from flask_login import current_user, login_required
from flask_smorest import Blueprint

from backend.customers.models import Customer
from backend.customers.portfolio import Viewer
from backend.extensions import db
from backend.moments import risk, service
from backend.moments.schemas import (
    MomentListSchema,
    MomentPatchSchema,
    MomentQuerySchema,
    MomentSchema,
    RiskCaseListSchema,
    RiskCaseQuerySchema,
    RiskCaseSchema,
    RiskCloseSchema,
    RiskDecisionSchema,
    RiskRequestSchema,
)

blp = Blueprint("moments", __name__, url_prefix="/api/v1",
                description="Key moments, early-warning risk cases and approvals")


def _case(case):
    return risk.risk_case_dict(case, db.session.get(Customer, case.customer_id))


@blp.get("/moments")
@login_required
@blp.arguments(MomentQuerySchema, location="query")
@blp.response(200, MomentListSchema)
def list_moments(args):
    """Live moments in the caller's portfolio (or those in a given state)"""
    return {"items": service.list_moments(Viewer.of(current_user), **args)}


@blp.patch("/moments/<int:moment_id>")
@login_required
@blp.arguments(MomentPatchSchema)
@blp.response(200, MomentSchema)
def patch_moment(body, moment_id: int):
    """Acknowledge, complete or dismiss a moment; record why a customer left"""
    return service.moment_dict(service.resolve(Viewer.of(current_user), moment_id, body))


@blp.get("/risk-cases")
@login_required
@blp.arguments(RiskCaseQuerySchema, location="query")
@blp.response(200, RiskCaseListSchema)
def list_risk_cases(args):
    """Risk cases in the caller's portfolio, highest expected loss first"""
    return {"items": risk.list_cases(Viewer.of(current_user), args["state"])}


@blp.get("/risk-cases/<int:case_id>")
@login_required
@blp.response(200, RiskCaseSchema)
def get_risk_case(case_id: int):
    """One risk case"""
    return _case(risk.get_case(Viewer.of(current_user), case_id))


@blp.post("/risk-cases/<int:case_id>/request")
@login_required
@blp.arguments(RiskRequestSchema)
@blp.response(200, RiskCaseSchema)
def request_action(body, case_id: int):
    """Request a penalty waiver or a term extension (the customer's RM)"""
    return _case(risk.request_action(Viewer.of(current_user), case_id, body))


@blp.post("/risk-cases/<int:case_id>/decision")
@login_required
@blp.arguments(RiskDecisionSchema)
@blp.response(200, RiskCaseSchema)
def decide(body, case_id: int):
    """Approve or refuse a request (the lead of the requesting RM's team)"""
    return _case(risk.decide(Viewer.of(current_user), case_id, body))


@blp.post("/risk-cases/<int:case_id>/close")
@login_required
@blp.arguments(RiskCloseSchema)
@blp.response(200, RiskCaseSchema)
def close(body, case_id: int):
    """Close a risk case with a reason"""
    return _case(risk.close(Viewer.of(current_user), case_id, body["reason"]))
