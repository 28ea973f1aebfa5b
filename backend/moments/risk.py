"""Early warning (DESIGN §2.4): risk cases from the risk score's signals, tiered responses,
and the waiver / extension requests a lead decides. Every step writes an audit event.
"""

from datetime import date, timedelta

from sqlalchemy import func, select

from backend import texts
from backend.auth import service as auth_service
from backend.auth.models import User
from backend.customers.models import Account, Customer
from backend.customers.portfolio import Viewer, require_visible, team_leads, visible_staff
from backend.errors import Conflict, Forbidden, Invalid
from backend.extensions import db
from backend.messages import service as messages
from backend.models_base import utcnow
from backend.moments.models import RiskCase
from backend.products.models import Product
from backend.push.service import notify
from backend.scoring.models import Score

SIGNAL_CODES = ("risk.overdue", "risk.utilisation", "risk.balance_drop")
BAND_ORDER = {"low": 0, "medium": 1, "high": 2, "critical": 3}
AUTOMATED_SEGMENTS = ("small", "micro")
LIVE = ("open", "pending_approval")


def severity(probability: float, days_overdue: float) -> int:
    if probability >= 0.6 or days_overdue >= 60:
        return 3
    return 2 if probability >= 0.3 else 1


def _risk_scores(as_of: date) -> tuple[dict, dict]:
    """(latest risk scores {cid: (value, band, reasons)}, bands a month earlier {cid: band})."""
    def run_date(on_or_before):
        return db.session.scalar(select(func.max(Score.as_of))
                                 .where(Score.model == "risk", Score.as_of <= on_or_before))

    last, month_ago = run_date(as_of), run_date(as_of - timedelta(days=28))
    now = {} if last is None else {
        cid: (v, b, r or []) for cid, v, b, r in db.session.execute(
            select(Score.customer_id, Score.value, Score.band, Score.reasons)
            .where(Score.model == "risk", Score.as_of == last))}
    before = {} if month_ago is None or month_ago == last else dict(db.session.execute(
        select(Score.customer_id, Score.band).where(Score.model == "risk",
                                                    Score.as_of == month_ago)).all())
    return now, before


def signals_for(value: float, band: str, reasons: list, band_before: str | None) -> list[dict]:
    signals = [r for r in reasons if r.get("code") in SIGNAL_CODES]
    if band_before is not None and BAND_ORDER.get(band, 0) > BAND_ORDER.get(band_before, 0) \
            and BAND_ORDER.get(band, 0) >= BAND_ORDER["medium"]:
        signals.append(texts.reason("risk.band_worse", value,
                                    before=texts.word("band", band_before),
                                    after=texts.word("band", band)))
    return signals


def detect_cases(as_of: date) -> int:
    """Open, update or close risk cases for as_of; return the cases opened or updated."""
    scores, before = _risk_scores(as_of)
    exposure = dict(db.session.execute(
        select(Account.customer_id, func.sum(Account.balance))
        .join(Product, Product.id == Account.product_id)
        .where(Product.is_credit, Account.status == "open", Account.balance > 0)
        .group_by(Account.customer_id)).all())
    overdue = dict(db.session.execute(
        select(Account.customer_id, func.max(Account.days_overdue))
        .where(Account.status == "open").group_by(Account.customer_id)).all())
    live = {c.customer_id: c for c in db.session.scalars(
        select(RiskCase).where(RiskCase.state.in_(LIVE)))}
    customers = {c.id: c for c in db.session.scalars(
        select(Customer).where(Customer.status != "closed",
                               Customer.id.in_(list(scores) or [0])))} if scores else {}
    written = 0
    flagged = set()
    for cid in sorted(scores):
        value, band, reasons = scores[cid]
        signals = signals_for(value, band, reasons, before.get(cid))
        if not signals or cid not in customers:
            continue
        flagged.add(cid)
        exp = float(exposure.get(cid) or 0)
        figures = dict(signals=signals, probability=round(float(value), 4), exposure=exp,
                       expected_loss=round(float(value) * exp, 2),
                       severity=severity(value, overdue.get(cid) or 0), updated_on=as_of)
        case = live.get(cid)
        if case is None:
            _open_case(customers[cid], as_of, figures)
            written += 1
        elif case.updated_on != as_of:
            for key, val in figures.items():
                setattr(case, key, val)
            written += 1
    for cid, case in live.items():
        if cid not in flagged and case.state == "open" and scores:
            case.state, case.closed_at, case.closed_reason = "closed", utcnow(), "signals cleared"
            auth_service.audit("risk_case.closed", user_id=None, object_type="risk_case",
                               object_id=case.id, detail={"reason": "signals cleared"})
    return written


def _open_case(customer: Customer, as_of: date, figures: dict) -> RiskCase:
    automated = customer.segment in AUTOMATED_SEGMENTS
    case = RiskCase(customer_id=customer.id, opened_on=as_of, state="open",
                    tier_response="automated" if automated else "escalated", **figures)
    db.session.add(case)
    db.session.flush()
    rm = db.session.get(User, customer.rm_id) if customer.rm_id else None
    if automated:
        message = _queue_reminder(customer, case)
        case.reminder_message_id = message.id if message else None
    url = f"/customers/{customer.id}"
    signal = figures["signals"][0]
    alert = texts.notice("risk", customer=texts.Pair(customer.name,
                                                     customer.name_en or customer.name),
                         signal=texts.Pair(signal["zh"], signal["en"]))
    recipients = [rm] if rm else []
    if not automated and rm:
        recipients += team_leads(rm)
    for user in recipients:
        notify(user, kind="risk_high" if case.severity == 3 else "risk", texts=alert, url=url,
               detail={"risk_case_id": case.id, "customer_id": customer.id})
    auth_service.audit("risk_case.opened", user_id=None, object_type="risk_case",
                       object_id=case.id, detail={"customer_id": customer.id,
                                                  "tier_response": case.tier_response,
                                                  "severity": case.severity})
    return case


def _queue_reminder(customer: Customer, case: RiskCase):
    """A courteous reminder to a small or micro customer, by e-mail or SMS as consented."""
    if customer.email and customer.consent_email:
        channel, to = "email", customer.email
    elif customer.phone and customer.consent_phone:
        channel, to = "sms", customer.phone
    else:
        return None
    lang = texts.customer_language()
    subject, body = texts.message("risk_reminder", lang, customer=texts.Pair(
        customer.name, customer.name_en or customer.name))
    message = messages.queue(
        customer_id=customer.id, channel=channel, to_address=to,
        subject=subject if channel == "email" else None, body=body, purpose="reminder")
    message.dedupe_key = f"risk_case:{case.id}"
    db.session.flush()
    return message


# --------------------------------------------------------------------------- API services


def risk_case_dict(case: RiskCase, customer: Customer | None = None) -> dict:
    out = {k: getattr(case, k) for k in (
        "id", "customer_id", "opened_on", "signals", "probability", "exposure", "expected_loss",
        "severity", "tier_response", "state", "requested_action", "action_detail",
        "requested_by", "requested_at", "decided_by", "decided_at", "decision", "decision_note",
        "closed_at", "closed_reason", "updated_on")}
    if customer is not None:
        out["customer"] = {"id": customer.id, "name": customer.name, "name_en": customer.name_en,
                           "segment": customer.segment}
    return out


def get_case(user: Viewer, case_id: int, *, lock: bool = False) -> RiskCase:
    query = select(RiskCase).where(RiskCase.id == case_id)
    case = db.session.scalar(query.with_for_update() if lock else query)
    require_visible(user, case.customer_id if case else None, "No such risk case")
    return case


def request_action(user: Viewer, case_id: int, body: dict) -> RiskCase:
    """The RM asks for a penalty waiver or a term extension for a cooperative customer."""
    case = get_case(user, case_id, lock=True)
    if user.role != "rm":
        raise Forbidden("Only the customer's RM requests a waiver or an extension")
    if case.state != "open":
        raise Conflict(f"This case is {case.state}; a request needs an open case")
    if not body["cooperative"]:
        raise Invalid("Waivers and extensions are for cooperative customers",
                      {"cooperative": ["Confirm the customer is cooperating."]})
    detail = {k: body.get(k) for k in ("waiver_share", "extension_days", "revaluation", "note")
              if body.get(k) is not None}
    if "revaluation" in detail:  # a Decimal: JSON columns store numbers, not Decimals
        detail["revaluation"] = float(detail["revaluation"])
    case.requested_action, case.action_detail = body["action"], detail
    case.requested_by, case.requested_at, case.state = user.id, utcnow(), "pending_approval"
    case.decision = case.decided_by = case.decided_at = case.decision_note = None
    auth_service.audit("risk_case.requested", user_id=user.id, object_type="risk_case",
                       object_id=case.id, detail={"action": body["action"], **detail})
    rm = db.session.get(User, user.id)
    customer = db.session.get(Customer, case.customer_id)
    for lead in team_leads(rm):
        notify(lead, kind="approval_requested", url="/approvals",
               texts=texts.notice("approval_requested", rm=rm.display_name,
                                  action=texts.word("risk_action", body["action"]),
                                  customer=texts.Pair(customer.name,
                                                      customer.name_en or customer.name)),
               detail={"risk_case_id": case.id})
    db.session.commit()
    return case


def decide(user: Viewer, case_id: int, body: dict) -> RiskCase:
    """The lead of the requesting RM's team approves or refuses; never the requester."""
    if user.role != "lead":
        raise Forbidden("Only a team lead decides waivers and extensions")
    case = get_case(user, case_id, lock=True)  # another team's lead gets 404 here
    if case.state != "pending_approval":
        raise Conflict("Nothing waits for a decision on this case")
    if case.requested_by == user.id:
        raise Forbidden("You cannot decide your own request")
    requester = db.session.get(User, case.requested_by)
    if requester is None or requester.team_id != user.team_id:
        raise Forbidden("Only the lead of the requesting RM's team decides")
    case.decision, case.decision_note = body["decision"], body.get("note")
    case.decided_by, case.decided_at, case.state = user.id, utcnow(), "open"
    auth_service.audit(f"risk_case.{body['decision']}", user_id=user.id,
                       object_type="risk_case", object_id=case.id,
                       detail={"action": case.requested_action, "note": body.get("note")})
    customer = db.session.get(Customer, case.customer_id)
    notify(requester, kind="approval_decided", url=f"/customers/{customer.id}",
           texts=texts.notice("approval_decided",
                              decision=texts.word("decision", body["decision"]),
                              action=texts.word("risk_action", case.requested_action),
                              customer=texts.Pair(customer.name,
                                                  customer.name_en or customer.name)),
           detail={"risk_case_id": case.id})
    db.session.commit()
    return case


def close(user: Viewer, case_id: int, reason: str) -> RiskCase:
    case = get_case(user, case_id, lock=True)
    if case.state == "closed":
        raise Conflict("This case is already closed")
    if case.state == "pending_approval":
        raise Conflict("A request on this case waits for a decision")
    case.state, case.closed_at, case.closed_reason = "closed", utcnow(), reason
    auth_service.audit("risk_case.closed", user_id=user.id, object_type="risk_case",
                       object_id=case.id, detail={"reason": reason})
    db.session.commit()
    return case


def approvals(user: Viewer) -> list[dict]:
    """What waits for this lead: requests by the RMs of their team."""
    if user.role != "lead" or user.team_id is None:
        return []
    rows = db.session.execute(
        select(RiskCase, Customer, User.display_name)
        .join(Customer, Customer.id == RiskCase.customer_id)
        .join(User, User.id == RiskCase.requested_by)
        .where(RiskCase.state == "pending_approval", RiskCase.requested_by.in_(visible_staff(user)),
               RiskCase.requested_by != user.id)
        .order_by(RiskCase.requested_at)).all()
    return [{"kind": "risk_case", "id": case.id, "action": case.requested_action,
             "detail": case.action_detail, "note": (case.action_detail or {}).get("note"),
             "requested_by": {"id": case.requested_by, "name": name},
             "requested_at": case.requested_at, "probability": case.probability,
             "exposure": case.exposure, "severity": case.severity, "signals": case.signals,
             "customer": {"id": customer.id, "name": customer.name,
                          "name_en": customer.name_en, "segment": customer.segment}}
            for case, customer, name in rows]


def list_cases(user: Viewer, state: str | None) -> list[dict]:
    from backend.customers.portfolio import customer_scope, require_customer_access

    require_customer_access(user)
    query = (select(RiskCase, Customer).join(Customer, Customer.id == RiskCase.customer_id)
             .where(customer_scope(user))
             .order_by(RiskCase.expected_loss.desc(), RiskCase.id))
    query = query.where(RiskCase.state == state) if state else query.where(
        RiskCase.state.in_(LIVE))
    return [risk_case_dict(case, customer) for case, customer in db.session.execute(query)]
