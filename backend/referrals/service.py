"""Referrals from other lines (DESIGN §2.9, docs/offers.md): routed to the owning RM or the
regional queue, the RM alerted at once, SLA timers on business hours, both sides credited
when a sale follows. A referrer sees their own referrals and never a customer's data."""

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import func, select

from backend import texts
from backend.auth import service as auth_service
from backend.auth.models import User
from backend.customers.models import Customer
from backend.customers.portfolio import Viewer, visible_staff
from backend.errors import Conflict, Forbidden, Invalid, NotFound
from backend.extensions import db
from backend.models_base import utcnow
from backend.offers.service import offer_sold
from backend.push.service import notify
from backend.referrals.models import Referral
from backend.workdays import BUSINESS_DAY_MINUTES, WorkCalendar, add_business_minutes

OPEN = ("new", "acknowledged", "contacted")
NEXT = {"new": {"acknowledged", "contacted", "lost"}, "acknowledged": {"contacted", "lost"},
        "contacted": {"won", "lost"}, "won": set(), "lost": set()}


def _zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["BANK_TIMEZONE"])


def sla_due(created: datetime) -> tuple[datetime, datetime]:
    """(acknowledge by, first contact by), naive UTC: one business hour, two business days."""
    cal = WorkCalendar.load()
    local = created.replace(tzinfo=ZoneInfo("UTC")).astimezone(_zone())

    def utc(moment: datetime) -> datetime:
        return moment.astimezone(ZoneInfo("UTC")).replace(tzinfo=None)

    return (utc(add_business_minutes(cal, local, 60)),
            utc(add_business_minutes(cal, local, 2 * BUSINESS_DAY_MINUTES)))


def _route(prospect: dict) -> User | None:
    """The regional queue: the RM with most customers in the region, fewest open referrals."""
    region = (prospect.get("region") or "").strip()
    open_counts = (select(Referral.rm_id, func.count().label("n"))
                   .where(Referral.state.in_(OPEN)).group_by(Referral.rm_id).subquery())
    in_region = (select(Customer.rm_id, func.count().label("n"))
                 .where(Customer.region == region).group_by(Customer.rm_id).subquery())
    return db.session.scalar(
        select(User).outerjoin(in_region, in_region.c.rm_id == User.id)
        .outerjoin(open_counts, open_counts.c.rm_id == User.id)
        .where(User.role == "rm", User.is_active_user)
        .order_by(func.coalesce(in_region.c.n, 0).desc(), func.coalesce(open_counts.c.n, 0),
                  User.id).limit(1))


def submit(user: Viewer, body: dict) -> Referral:
    """A colleague from another line refers a need; the RM hears of it at once."""
    if user.role != "referrer":
        raise Forbidden("Referrals come from colleagues of other lines")
    referrer = db.session.get(User, user.id)
    customer = None
    if body.get("customer_external_id"):
        customer = db.session.scalar(select(Customer).where(
            Customer.external_id == body["customer_external_id"].strip()))
        if customer is None or customer.status == "closed":
            raise Invalid("Unknown customer number", {"customer_external_id": [
                "No open customer with this number; refer it as a new company."]})
        rm = db.session.get(User, customer.rm_id) if customer.rm_id else None
    else:
        rm = _route(body["prospect"])
    now = utcnow()
    ack_due, contact_due = sla_due(now)
    referral = Referral(referrer_id=user.id, from_line=referrer.line, need=body["need"].strip(),
                        customer_id=customer.id if customer else None,
                        prospect=None if customer else body["prospect"],
                        product_code=body.get("product_code"), rm_id=rm.id if rm else None,
                        state="new", created_at=now, ack_due_at=ack_due,
                        contact_due_at=contact_due, alerted_at=now if rm else None)
    db.session.add(referral)
    db.session.flush()
    if rm is not None:
        name = customer.name if customer else body["prospect"]["name"]
        notify(rm, kind="referral", url="/referrals", detail={"referral_id": referral.id},
               texts=texts.notice("referral", referrer=referrer.display_name,
                                  line=texts.word("line", referrer.line), customer=name,
                                  need=referral.need[:80]))
    auth_service.audit("referral.submitted", user_id=user.id, object_type="referral",
                       object_id=referral.id, detail={"rm_id": referral.rm_id})
    db.session.commit()
    return referral


def _visible(user: Viewer):
    if user.role == "referrer":
        return Referral.referrer_id == user.id
    if user.role == "rm" or (user.role == "lead" and user.team_id is not None):
        return Referral.rm_id.in_(visible_staff(user))
    raise Forbidden("Your role has no referrals")


def item(r: Referral, user: Viewer, now: datetime | None = None) -> dict:
    now = now or utcnow()
    people = {u.id: u for u in db.session.scalars(
        select(User).where(User.id.in_([r.referrer_id, r.rm_id or 0])))}
    customer = db.session.get(Customer, r.customer_id) if r.customer_id else None
    rm, referrer = people.get(r.rm_id), people.get(r.referrer_id)
    shown = None
    if customer is not None:
        # the referrer named the customer by number: they see that, never the card's data
        shown = ({"external_id": customer.external_id} if user.role == "referrer" else
                 {"id": customer.id, "name": customer.name, "name_en": customer.name_en,
                  "external_id": customer.external_id})
    return {"id": r.id, "state": r.state, "need": r.need, "product_code": r.product_code,
            "customer": shown, "prospect": r.prospect, "created_at": r.created_at,
            "referrer": {"id": referrer.id, "name": referrer.display_name,
                         "line": r.from_line} if referrer else None,
            "rm": {"id": rm.id, "name": rm.display_name} if rm else None,
            "sla": {"ack_due": r.ack_due_at, "contact_due": r.contact_due_at,
                    "ack_missed": _missed(r.acknowledged_at, r.ack_due_at, now),
                    "contact_missed": _missed(r.first_contact_at, r.contact_due_at, now)},
            "acknowledged_at": r.acknowledged_at, "first_contact_at": r.first_contact_at,
            "closed_at": r.closed_at, "lost_reason": r.lost_reason, "credit": r.credit}


def _missed(done: datetime | None, due: datetime | None, now: datetime) -> bool:
    return due is not None and (done or now) > due


def listing(user: Viewer) -> list[dict]:
    rows = db.session.scalars(select(Referral).where(_visible(user))
                              .order_by(Referral.created_at.desc(), Referral.id.desc())
                              .limit(200)).all()
    now = utcnow()
    return [item(r, user, now) for r in rows]


def transition(user: Viewer, referral_id: int, state: str, reason: str | None) -> Referral:
    """The RM (or the team lead) moves a referral on."""
    if user.role not in ("rm", "lead"):
        raise Forbidden("Only the RM works a referral")
    referral = db.session.scalar(select(Referral).where(Referral.id == referral_id,
                                                        _visible(user)).with_for_update())
    if referral is None:
        raise NotFound("No such referral")
    if state not in NEXT[referral.state]:
        raise Conflict(f"This referral is {referral.state}; it cannot become {state}")
    if state == "lost" and not (reason or "").strip():
        raise Invalid("Say why it was lost", {"reason": ["Required when lost."]})
    now = utcnow()
    referral.state = state
    if referral.acknowledged_at is None:
        referral.acknowledged_at = now  # contact or a verdict acknowledges too
    if state in ("contacted", "won") and referral.first_contact_at is None:
        referral.first_contact_at = now
    if state in ("won", "lost"):
        referral.closed_at, referral.lost_reason = now, reason if state == "lost" else None
    auth_service.audit(f"referral.{state}", user_id=user.id, object_type="referral",
                       object_id=referral.id, detail={"reason": reason} if reason else None)
    db.session.commit()
    return referral


@offer_sold.connect
def credit_sale(offer, *, rm_id: int) -> None:
    """A sale to a referred customer credits the RM and the referrer (the caller commits)."""
    referral = db.session.scalar(
        select(Referral).where(Referral.customer_id == offer.customer_id,
                               Referral.state.in_(OPEN))
        .order_by(Referral.created_at).limit(1))
    if referral is None:
        return
    now = utcnow()
    referral.state, referral.closed_at = "won", now
    referral.first_contact_at = referral.first_contact_at or now
    referral.acknowledged_at = referral.acknowledged_at or now
    referral.credit = {"rm_id": rm_id, "referrer_id": referral.referrer_id,
                       "offer_id": offer.id, "amount": float(offer.sold_amount or 0)}
    offer.referral_id = referral.id
    auth_service.audit("referral.credited", user_id=rm_id, object_type="referral",
                       object_id=referral.id, detail=referral.credit)
