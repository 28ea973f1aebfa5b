"""The daily plan as RMs and leads read and change it, the calendar feed, the contact policy,
working days and leave. Plan entries change state from the device too (sync kind
"plan_entry_state"), through the same function as PATCH /api/v1/plan/<id>.
"""

from datetime import date, timedelta

from marshmallow import Schema, ValidationError, fields, validate, validates_schema
from sqlalchemy import bindparam, select, update

from backend.api_fields import Day, RowId
from backend.auth import service as auth_service
from backend.auth import tokens
from backend.auth.models import User
from backend.calendar import planner
from backend.calendar.models import PlanEntry
from backend.customers.models import ContactPolicy, Customer
from backend.customers.portfolio import (
    Viewer,
    require_customer_access,
    require_visible,
    visible_staff,
)
from backend.errors import Conflict, Forbidden, Invalid, NotFound
from backend.extensions import db
from backend.models_base import utcnow
from backend.moments.models import LIVE, KeyMoment
from backend.offers.models import Offer
from backend.products.models import Product
from backend.sync import StaleVersion, write_kind
from backend.visits.models import Interaction
from backend.visits.service import contact_logged
from backend.workdays import CalendarDay, Leave, WorkCalendar

NEXT_STATES = {"planned": {"done", "snoozed", "dismissed"}, "missed": {"done", "dismissed"},
               "snoozed": set(), "done": set(), "dismissed": set()}
MAX_SNOOZE_DAYS = 60
FEED_PAST_DAYS, FEED_NEXT_DAYS = 7, 21


MUST_DO_KINDS = ("risk", "referral", "renewal")
MUST_DO_RENEWAL_DAYS = 7  # a renewal due within a week of the entry's day cannot wait
LIVE_OFFERS = ("suggested", "presented")  # what the card offers too


def priority_band(priority: int) -> str:
    return "high" if priority >= 70 else "medium" if priority >= 40 else "low"


def must_do(day: date, risk_case_id: int | None, moment_kind: str | None,
            moment_due: date | None) -> str | None:
    """Why an entry cannot wait (Today's first list), or None: an escalated risk case, a
    referral from another line, a renewal due this week or already past due."""
    if risk_case_id is not None:
        return "risk"
    if moment_kind == "referral":
        return "referral"
    if moment_kind == "renewal" and moment_due is not None \
            and moment_due <= day + timedelta(days=MUST_DO_RENEWAL_DAYS):
        return "renewal"
    return None


# --------------------------------------------------------------------------- reading


def _visible_rms(user: Viewer, rm_id: int | None) -> list[int]:
    """Whose plan the user may read: an RM their own, a lead their team's RMs."""
    require_customer_access(user)
    if user.role == "rm":
        if rm_id not in (None, user.id):
            raise Forbidden("An RM reads only their own plan")
        return [user.id]
    team = list(db.session.scalars(visible_staff(user, role="rm")))
    if rm_id is not None:
        if rm_id not in team:
            raise Forbidden("This RM is not in your team", )
        return [rm_id]
    return team


def entries(user: Viewer, *, day: date, rm_id: int | None = None,
            until: date | None = None) -> list[dict]:
    """The plan entries of a day (or days up to `until`), highest priority first."""
    rms = _visible_rms(user, rm_id)
    rows = db.session.connection().execute(
        _ENTRIES, {"rms": rms, "first": day, "last": until or day}).all()
    return [_entry_dict(r) for r in rows]


def plan_day(today: date) -> date:
    """The day a plan is about by default: today, or the next working day."""
    return WorkCalendar.load(today, today + timedelta(days=31)).on_or_after(today)


def customer_entry(customer_id: int, rm_id: int | None, today: date) -> dict | None:
    """The customer's entry in its RM's plan of the plan day (the 360 card's purpose), for
    a caller that has already found the customer visible."""
    if rm_id is None:
        return None
    day = plan_day(today)
    row = db.session.connection().execute(
        _CUSTOMER_ENTRY, {"rms": [rm_id], "first": day, "last": day, "cid": customer_id}).first()
    return None if row is None else _entry_dict(row)


def _latest_contact_id():
    i = Interaction
    return (select(i.id).where(i.customer_id == PlanEntry.customer_id)
            .order_by(i.started_at.desc(), i.id.desc()).limit(1)
            .correlate(PlanEntry).scalar_subquery())


def _best_offer_id():
    """The customer's best live offer, as the card ranks them (highest expected value)."""
    o = Offer
    return (select(o.id).where(o.customer_id == PlanEntry.customer_id, o.state.in_(LIVE_OFFERS))
            .order_by(o.expected_value.desc(), o.id).limit(1)
            .correlate(PlanEntry).scalar_subquery())


# Built once: Today reads this on every start. Core columns, no ORM objects to load.
_ENTRIES = (
    select(*PlanEntry.__table__.c, Customer.name, Customer.name_en, Customer.segment,
           Customer.phone, User.display_name.label("rm_name"),
           Interaction.started_at.label("last_at"), Interaction.channel.label("last_channel"),
           Interaction.outcome.label("last_outcome"), Interaction.notes.label("last_notes"),
           KeyMoment.kind.label("moment_kind"), KeyMoment.due_on.label("moment_due"),
           Offer.id.label("offer_id"), Product.code.label("offer_code"),
           Product.name.label("offer_name"), Product.name_en.label("offer_name_en"))
    .join(Customer, Customer.id == PlanEntry.customer_id)
    .join(User, User.id == PlanEntry.rm_id)
    .outerjoin(Interaction, Interaction.id == _latest_contact_id())
    .outerjoin(KeyMoment, KeyMoment.id == PlanEntry.moment_id)
    .outerjoin(Offer, Offer.id == _best_offer_id())
    .outerjoin(Product, Product.id == Offer.product_id)
    .where(PlanEntry.rm_id.in_(bindparam("rms", expanding=True)),
           PlanEntry.day >= bindparam("first"), PlanEntry.day <= bindparam("last"),
           Customer.rm_id == PlanEntry.rm_id)  # a customer moved to another RM drops out
    .order_by(PlanEntry.day, PlanEntry.priority.desc(), PlanEntry.customer_id)
)


_CUSTOMER_ENTRY = _ENTRIES.where(PlanEntry.customer_id == bindparam("cid")).limit(1)


def _entry_dict(r) -> dict:
    last = None if r.last_at is None else {
        "at": r.last_at, "channel": r.last_channel, "outcome": r.last_outcome,
        "notes": (r.last_notes or "")[:140] or None}
    return {"id": r.id, "day": r.day, "rm": {"id": r.rm_id, "name": r.rm_name},
            "customer": {"id": r.customer_id, "name": r.name, "name_en": r.name_en,
                         "segment": r.segment, "phone": r.phone},
            "reasons": r.reasons or [], "objective": r.objective,
            "objective_en": r.objective_en, "channel": r.channel,
            "suggested_hour": r.suggested_hour, "priority": r.priority,
            "priority_band": priority_band(r.priority), "state": r.state,
            "version": r.version, "is_marketing": r.is_marketing,
            "carried_days": r.carried_days, "snoozed_to": r.snoozed_to,
            "dismiss_reason": r.dismiss_reason, "moment_id": r.moment_id,
            "risk_case_id": r.risk_case_id, "last_contact": last,
            "must_do": must_do(r.day, r.risk_case_id, r.moment_kind, r.moment_due),
            "offer": None if r.offer_id is None else {
                "id": r.offer_id, "product_code": r.offer_code, "name": r.offer_name,
                "name_en": r.offer_name_en}}


def entry(user: Viewer, entry_id: int) -> dict:
    found = db.session.get(PlanEntry, entry_id)
    if found is None:
        raise NotFound("No such plan entry")
    day_entries = entries(user, day=found.day, rm_id=found.rm_id if user.role == "lead" else None)
    for item in day_entries:
        if item["id"] == entry_id:
            return item
    raise NotFound("No such plan entry")


# --------------------------------------------------------------------------- changing


class PlanStateSchema(Schema):
    state = fields.String(required=True, validate=validate.OneOf(("done", "snoozed", "dismissed")))
    snoozed_to = Day(load_default=None, allow_none=True)
    reason = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=200))

    @validates_schema
    def _complete(self, data, **_):
        if data["state"] == "snoozed" and data.get("snoozed_to") is None:
            raise ValidationError("Say to which day.", "snoozed_to")
        if data["state"] == "dismissed" and not (data.get("reason") or "").strip():
            raise ValidationError("Say why the contact is dropped.", "reason")


class PlanStateWriteSchema(PlanStateSchema):
    plan_entry_id = RowId(required=True)


def as_body(e: PlanEntry) -> dict:
    return {"plan_entry_id": e.id, "state": e.state, "version": e.version,
            "snoozed_to": e.snoozed_to.isoformat() if e.snoozed_to else None}


def set_state(user: Viewer, entry_id: int, body: dict, base_version: int | None) -> PlanEntry:
    """Mark an entry done, snoozed to a later day or dismissed, unless it changed since the
    device saw it (a stale base_version is a conflict the RM resolves)."""
    e = db.session.scalar(select(PlanEntry).where(PlanEntry.id == entry_id).with_for_update())
    require_visible(user, e.customer_id if e else None, "No such plan entry")
    if user.role == "rm" and e.rm_id != user.id:  # the customer moved to this RM since
        raise NotFound("No such plan entry")
    if base_version is not None and base_version != e.version:
        raise StaleVersion("The plan entry changed since", as_body(e))
    if body["state"] not in NEXT_STATES[e.state]:
        raise Conflict(f"This entry is {e.state}; it cannot become {body['state']}")
    if body["state"] == "snoozed":
        to = body["snoozed_to"]
        if not e.day < to <= e.day + timedelta(days=MAX_SNOOZE_DAYS):
            raise Invalid("Snooze to a later day", {"snoozed_to": [
                f"Must be after {e.day.isoformat()} and within {MAX_SNOOZE_DAYS} days."]})
        e.snoozed_to = to
    if body["state"] == "dismissed":
        e.dismiss_reason = body["reason"].strip()
    if body["state"] == "done":
        e.done_at = utcnow()
        _complete_moment(e, user)
    e.state = body["state"]
    e.version += 1
    auth_service.audit(f"plan.{body['state']}", user_id=user.id, object_type="plan_entry",
                       object_id=e.id, detail={k: str(v) for k, v in body.items() if v})
    db.session.flush()
    return e


def _complete_moment(e: PlanEntry, user: Viewer) -> None:
    """The contact a moment asked for happened: the moment is done."""
    ids = [int(s.split(":")[1]) for s in (e.sources or []) if s.startswith("moment:")]
    if ids:
        db.session.execute(update(KeyMoment).where(KeyMoment.id.in_(ids),
                                                   KeyMoment.state.in_(LIVE))
                           .values(state="done", resolved_at=utcnow(), resolved_by=user.id,
                                   resolution=f"contacted (plan entry {e.id})"))


@contact_logged.connect
def met_by_visit(user: Viewer, *, interaction: Interaction) -> None:
    """A visit logged from a plan entry completes it (unless the RM already closed it)."""
    if interaction.plan_entry_id is None:
        return
    e = db.session.scalar(select(PlanEntry).where(PlanEntry.id == interaction.plan_entry_id)
                          .with_for_update())
    if e is None or e.rm_id != user.id or e.customer_id != interaction.customer_id:
        raise Invalid("Not a plan entry of yours for this customer",
                      {"plan_entry_id": ["Unknown plan entry for this customer."]})
    if e.state in ("planned", "missed"):
        set_state(user, e.id, {"state": "done"}, None)


@write_kind("plan_entry_state", PlanStateWriteSchema())
def apply_state(*, user: Viewer, body: dict, base_version: int | None, client_id: str) -> dict:
    """Change a plan entry's state from a device."""
    e = set_state(user, body["plan_entry_id"], body, base_version)
    return {"id": e.id, "version": e.version}


def refresh(user: Viewer, today: date, rm_id: int | None = None) -> int:
    """Replan on demand: an RM their own days, a lead one RM of the team."""
    if user.role == "lead" and rm_id is None:
        raise Invalid("Say whose plan to rebuild", {"rm": ["Required for a lead."]})
    rms = _visible_rms(user, rm_id)
    written = planner.plan(today, rms)
    db.session.commit()
    return written


# --------------------------------------------------------------------------- calendar feed


def new_feed_token(user: Viewer) -> str:
    """Create (or rotate: the old URL stops working) the secret of the user's calendar feed."""
    require_customer_access(user)
    token = tokens.new_secret()
    db.session.execute(update(User).where(User.id == user.id)
                       .values(calendar_token_hash=tokens.digest(token)))
    auth_service.audit("plan.feed_created", user_id=user.id, object_type="user",
                       object_id=user.id)
    db.session.commit()
    return token


def revoke_feed_token(user: Viewer) -> None:
    db.session.execute(update(User).where(User.id == user.id).values(calendar_token_hash=None))
    auth_service.audit("plan.feed_revoked", user_id=user.id, object_type="user",
                       object_id=user.id)
    db.session.commit()


def feed_owner(token: str | None) -> User:
    if not token:
        raise NotFound("No such calendar")
    user = db.session.scalar(select(User).where(User.calendar_token_hash == tokens.digest(token),
                                                User.is_active_user))
    if user is None:
        raise NotFound("No such calendar")
    return user


def feed_entries(user: User, today: date) -> list[dict]:
    return entries(Viewer.of(user), day=today - timedelta(days=FEED_PAST_DAYS),
                   until=today + timedelta(days=FEED_NEXT_DAYS))


# --------------------------------------------------------------------------- policy, days, leave


def _require_editor(user: Viewer) -> None:
    if user.role not in ("analyst", "admin"):
        raise Forbidden("Only analysts and administrators change this")


def policies() -> list[ContactPolicy]:
    return list(db.session.scalars(select(ContactPolicy).order_by(ContactPolicy.id)))


def update_policy(user: Viewer, segment: str, body: dict) -> ContactPolicy:
    _require_editor(user)
    policy = db.session.scalar(select(ContactPolicy).where(ContactPolicy.segment == segment))
    if policy is None:
        raise NotFound("No policy for this segment")
    before = {k: getattr(policy, k) for k in body}
    for key, value in body.items():
        setattr(policy, key, value)
    policy.updated_by = user.id
    auth_service.audit("contact_policy.updated", user_id=user.id, object_type="contact_policy",
                       object_id=policy.id, detail={"segment": segment, "before": before,
                                                    "after": body})
    db.session.commit()
    return policy


def calendar_days(year: int | None) -> list[CalendarDay]:
    query = select(CalendarDay).order_by(CalendarDay.day)
    if year:
        query = query.where(CalendarDay.day.between(date(year, 1, 1), date(year, 12, 31)))
    return list(db.session.scalars(query))


def put_calendar_day(user: Viewer, day: date, body: dict) -> CalendarDay:
    _require_editor(user)
    row = db.session.get(CalendarDay, day) or CalendarDay(day=day)
    row.working, row.name = body["working"], body["name"]
    db.session.add(row)
    auth_service.audit("calendar_day.put", user_id=user.id, object_type="calendar_day",
                       detail={"day": day.isoformat(), **body})
    db.session.commit()
    return row


def delete_calendar_day(user: Viewer, day: date) -> None:
    _require_editor(user)
    row = db.session.get(CalendarDay, day)
    if row is None:
        raise NotFound("No such calendar day")
    db.session.delete(row)
    auth_service.audit("calendar_day.deleted", user_id=user.id, object_type="calendar_day",
                       detail={"day": day.isoformat()})
    db.session.commit()


def _leave_user(user: Viewer, user_id: int | None) -> int:
    """An RM records their own leave; a lead their team's."""
    if user_id is None or user_id == user.id:
        return user.id
    if db.session.scalar(visible_staff(user).where(User.id == user_id)) is not None:
        return user_id
    raise Forbidden("You record leave for yourself (a lead: for the team)")


def leaves(user: Viewer) -> list[Leave]:
    return list(db.session.scalars(select(Leave).where(Leave.user_id.in_(visible_staff(user)))
                                   .order_by(Leave.starts_on)))


def add_leave(user: Viewer, body: dict) -> Leave:
    owner = _leave_user(user, body.get("user_id"))
    if body["ends_on"] < body["starts_on"]:
        raise Invalid("Leave ends before it starts", {"ends_on": ["Must not be before starts_on."]})
    leave = Leave(user_id=owner, starts_on=body["starts_on"], ends_on=body["ends_on"],
                  note=body.get("note"))
    db.session.add(leave)
    db.session.flush()
    auth_service.audit("leave.added", user_id=user.id, object_type="leave", object_id=leave.id,
                       detail={"user_id": owner, "starts_on": body["starts_on"].isoformat(),
                               "ends_on": body["ends_on"].isoformat()})
    db.session.commit()
    return leave


def delete_leave(user: Viewer, leave_id: int) -> None:
    leave = db.session.get(Leave, leave_id)
    if leave is None:
        raise NotFound("No such leave")
    try:
        _leave_user(user, leave.user_id)
    except Forbidden:
        raise NotFound("No such leave") from None
    db.session.delete(leave)
    auth_service.audit("leave.deleted", user_id=user.id, object_type="leave", object_id=leave_id)
    db.session.commit()
