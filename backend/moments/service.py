"""Key moments as the RM sees and resolves them."""

from sqlalchemy import bindparam, func, literal, select

from backend.auth import service as auth_service
from backend.customers.models import Customer
from backend.customers.portfolio import (
    Viewer,
    customer_scope,
    require_customer_access,
    require_visible,
)
from backend.errors import Conflict, Invalid
from backend.extensions import db
from backend.models_base import JSONType, utcnow
from backend.moments.models import LIVE, KeyMoment, RiskCase

NEXT_STATES = {"open": {"acknowledged", "done", "dismissed"},
               "acknowledged": {"done", "dismissed"}, "done": set(), "dismissed": set()}


def moment_dict(m: KeyMoment, customer: Customer | None = None) -> dict:
    out = {k: getattr(m, k) for k in ("id", "customer_id", "kind", "due_on", "severity",
                                        "state", "reasons", "detail", "resolution",
                                        "resolved_at")}
    out["reasons"] = out["reasons"] or []
    if customer is not None:
        out["customer"] = {"id": customer.id, "name": customer.name,
                           "name_en": customer.name_en, "segment": customer.segment}
    return out


def list_moments(user: Viewer, *, state: str | None, kind: str | None) -> list[dict]:
    require_customer_access(user)
    query = (select(KeyMoment, Customer).join(Customer, Customer.id == KeyMoment.customer_id)
             .where(customer_scope(user))
             .order_by(KeyMoment.due_on, KeyMoment.severity.desc(), KeyMoment.id))
    query = query.where(KeyMoment.state == state) if state else query.where(
        KeyMoment.state.in_(LIVE))
    if kind:
        query = query.where(KeyMoment.kind == kind)
    return [moment_dict(m, c) for m, c in db.session.execute(query.limit(500))]


def resolve(user: Viewer, moment_id: int, body: dict) -> KeyMoment:
    """Acknowledge, complete or dismiss (with a reason) a moment; record why a customer left."""
    moment = db.session.scalar(select(KeyMoment).where(KeyMoment.id == moment_id)
                               .with_for_update())
    require_visible(user, moment.customer_id if moment else None, "No such moment")
    if body["state"] not in NEXT_STATES[moment.state]:
        raise Conflict(f"This moment is {moment.state}; it cannot become {body['state']}")
    if body.get("left_reason") and moment.kind != "retention":
        raise Invalid("Only a retention moment records why a customer left",
                      {"left_reason": ["Not for this kind of moment."]})
    moment.state = body["state"]
    if body["state"] in ("done", "dismissed"):
        moment.resolved_at, moment.resolved_by = utcnow(), user.id
        moment.resolution = body.get("reason")
    if body.get("left_reason"):
        customer = db.session.get(Customer, moment.customer_id)
        customer.leave_reason = body["left_reason"]
    auth_service.audit(f"moment.{body['state']}", user_id=user.id, object_type="key_moment",
                       object_id=moment.id, detail={k: v for k, v in body.items() if v})
    db.session.commit()
    return moment


# --------------------------------------------------------------------------- the card

_cid = bindparam("cid")
# Built once: both are part of every 360 card.
_LIVE_OF_CUSTOMER = (
    select(KeyMoment.id, KeyMoment.kind, KeyMoment.due_on, KeyMoment.severity, KeyMoment.state,
           func.coalesce(KeyMoment.reasons, literal([], JSONType)).label("reasons"),
           KeyMoment.detail)
    .where(KeyMoment.customer_id == _cid, KeyMoment.state.in_(LIVE))
    .order_by(KeyMoment.due_on, KeyMoment.id))
_OPEN_CASES = (
    select(RiskCase.id, RiskCase.opened_on, RiskCase.signals, RiskCase.probability,
           RiskCase.exposure, RiskCase.expected_loss, RiskCase.severity,
           RiskCase.tier_response, RiskCase.state, RiskCase.requested_action,
           RiskCase.action_detail, RiskCase.decision, RiskCase.decision_note)
    .where(RiskCase.customer_id == _cid, RiskCase.state != "closed")
    .order_by(RiskCase.opened_on.desc()))


def live_for_customer(customer_id: int) -> list[dict]:
    """The customer's live moments, soonest due first, for a reader who sees the customer."""
    return [dict(r._mapping) for r in db.session.connection().execute(
        _LIVE_OF_CUSTOMER, {"cid": customer_id})]


def open_risk_cases(customer_id: int) -> list[dict]:
    """The customer's risk cases not closed, newest first."""
    return [dict(r._mapping) for r in db.session.connection().execute(
        _OPEN_CASES, {"cid": customer_id})]
