"""The planner (DESIGN §2.5-2.6, docs/calendar.md): each RM's next working days, within
capacity and the contact policy. Candidates are read in bulk for all the RMs planned; the
placement itself is a small greedy pass per RM in Python, deterministic for the same data.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from flask import current_app
from sqlalchemy import delete, func, insert, select, update

from backend import texts
from backend.auth.models import User
from backend.calendar.models import PlanEntry
from backend.customers.models import ContactPolicy, Customer
from backend.extensions import db
from backend.moments.models import LIVE, KeyMoment, RiskCase
from backend.offers.models import Offer
from backend.products.models import Product
from backend.scoring.models import Score
from backend.timeutil import local_date, start_of_bank_day
from backend.visits.models import Interaction
from backend.workdays import WorkCalendar, leave_days

MARKETING_KINDS = {"offer", "dormancy"}
CARRY_LOOKBACK_DAYS = 14
# How many days before its due date a candidate may be planned
LEAD_DAYS = {"renewal": 30, "activation": 0, "cadence": 7, "follow_up": 0}
MAX_REASONS = 4
RED_LINE_WINDOW_DAYS = 30  # max_marketing_30d counts the contacts of any 30 days
DEFAULT_COOLDOWN_DAYS = 180  # a declined product, for a segment without a contact policy


@dataclass
class Candidate:
    customer_id: int
    priority: int
    available_from: date
    marketing: bool
    reasons: list[dict]
    objective: tuple[str, str]
    sources: list[str]
    moment_id: int | None = None
    risk_case_id: int | None = None
    carried_days: int = 0

    def merge(self, other: "Candidate") -> None:
        """Two reasons to call the same customer: one contact, the reasons add up."""
        first, second = (other, self) if other.priority > self.priority else (self, other)
        self.objective = first.objective
        # the weightier source's reasons come first
        self.reasons = first.reasons + [r for r in second.reasons if r not in first.reasons]
        self.priority = min(99, max(self.priority, other.priority) + 5)
        self.available_from = min(self.available_from, other.available_from)
        self.marketing = self.marketing and other.marketing
        self.sources += other.sources
        self.moment_id = self.moment_id or other.moment_id
        self.risk_case_id = self.risk_case_id or other.risk_case_id
        self.carried_days = max(self.carried_days, other.carried_days)


@dataclass
class Person:
    """What the planner knows of one customer."""

    id: int
    rm_id: int
    segment: str
    consent_marketing: bool
    consent_phone: bool
    consent_email: bool
    contacts: list[date] = field(default_factory=list)  # past and planned, any kind


# --------------------------------------------------------------------------- reading


def _customers(rm_ids: list[int]) -> dict[int, Person]:
    rows = db.session.execute(
        select(Customer.id, Customer.rm_id, Customer.segment, Customer.consent_marketing,
               Customer.consent_phone, Customer.consent_email)
        .where(Customer.rm_id.in_(rm_ids), Customer.status != "closed")).all()
    return {r[0]: Person(*r) for r in rows}


def _last_contacts(owned) -> dict[int, date]:
    """Each customer's last contact ever (bank date)."""
    rows = db.session.execute(
        select(Interaction.customer_id, func.max(Interaction.started_at))
        .where(Interaction.customer_id.in_(owned)).group_by(Interaction.customer_id)).all()
    return {cid: local_date(at) for cid, at in rows if at is not None}


def _recent_contacts(people: dict[int, Person], owned, as_of: date, policies: dict) -> None:
    """The contacts the red line may count: the last 30 days, or the longest minimum gap."""
    days = max([RED_LINE_WINDOW_DAYS, *(p.min_gap_days for p in policies.values())])
    since = start_of_bank_day(as_of - timedelta(days=days))
    for cid, at in db.session.execute(
            select(Interaction.customer_id, Interaction.started_at)
            .where(Interaction.started_at >= since, Interaction.customer_id.in_(owned))):
        if cid in people:
            people[cid].contacts.append(local_date(at))


def _moment_candidates(ids: set[int], owned, as_of: date, end: date) -> list[Candidate]:
    rows = db.session.execute(
        select(KeyMoment.id, KeyMoment.customer_id, KeyMoment.kind, KeyMoment.due_on,
               KeyMoment.severity, KeyMoment.reasons, KeyMoment.event_ref, KeyMoment.detail)
        .where(KeyMoment.state.in_(LIVE), KeyMoment.due_on <= end,
               KeyMoment.customer_id.in_(owned))
        .order_by(KeyMoment.customer_id, KeyMoment.id)).all()
    out = []
    for mid, cid, kind, due, severity, reasons, ref, detail in rows:
        if cid not in ids:
            continue
        priority, objective = _moment_priority(kind, severity, ref, detail or {})
        lead = LEAD_DAYS.get(kind, 0)
        out.append(Candidate(
            customer_id=cid, priority=priority, marketing=kind in MARKETING_KINDS,
            available_from=max(as_of, due - timedelta(days=lead)),
            reasons=list(reasons or [])[:2], objective=objective, sources=[f"moment:{mid}"],
            moment_id=mid))
    return out


def _moment_priority(kind: str, severity: int, ref: str, detail: dict) -> tuple[int, tuple]:
    if kind == "renewal":
        product = detail.get("product", {})
        suggested = detail.get("suggested", {})
        wording = texts.objective(
            "renewal", product=texts.Pair(product.get("name", ""), product.get("name_en", "")),
            terms=texts.Pair(suggested.get("zh", ""), suggested.get("en", "")))
        return 40 + 10 * severity, texts.Pair(wording.zh[:200], wording.en[:200])
    if kind == "retention":
        return 45 + 10 * (severity - 2), texts.objective("retention")
    if kind == "activation":
        if ref.startswith("low_usage"):
            return 40, texts.objective("activation.low_usage")
        return 30, texts.objective("activation")
    if kind == "dormancy":
        return 25, texts.objective("dormancy")
    return 30 + 10 * severity, texts.objective("moment")


def _risk_candidates(ids: set[int], owned, as_of: date) -> list[Candidate]:
    rows = db.session.execute(
        select(RiskCase.id, RiskCase.customer_id, RiskCase.severity, RiskCase.signals)
        .where(RiskCase.state.in_(("open", "pending_approval")),
               RiskCase.tier_response == "escalated", RiskCase.customer_id.in_(owned))).all()
    return [Candidate(customer_id=cid, priority=min(99, 90 + 3 * severity), marketing=False,
                      available_from=as_of, reasons=list(signals or [])[:2],
                      objective=texts.objective("risk"),
                      sources=[f"risk:{rid}"], risk_case_id=rid)
            for rid, cid, severity, signals in rows if cid in ids]


def _follow_up_candidates(ids: set[int], owned, as_of: date, end: date) -> list[Candidate]:
    """Follow-ups promised in a visit and not yet met by a later contact."""
    promised = Interaction.__table__.alias("promised")
    after = Interaction.__table__.alias("after")
    later = (select(after.c.id).where(after.c.customer_id == promised.c.customer_id,
                                      after.c.started_at > promised.c.started_at).exists())
    rows = db.session.execute(
        select(promised.c.id, promised.c.customer_id, promised.c.follow_up_on,
               promised.c.follow_up_objective)
        .where(promised.c.follow_up_on.between(as_of - timedelta(days=CARRY_LOOKBACK_DAYS), end),
               promised.c.customer_id.in_(owned), ~later)
        .order_by(promised.c.customer_id, promised.c.id)).all()
    out = []
    for iid, cid, on, promised_objective in rows:
        if cid not in ids:
            continue
        out.append(Candidate(
            customer_id=cid, priority=50 + (5 if on < as_of else 0), marketing=False,
            available_from=max(as_of, on),
            reasons=[texts.reason("follow_up", (on - as_of).days, on=on)],
            objective=(texts.Pair(promised_objective, promised_objective) if promised_objective
                       else texts.objective("follow_up")),
            sources=[f"follow_up:{iid}"]))
    return out


def _cadence_candidates(people: dict[int, Person], policies: dict, last: dict[int, date],
                        as_of: date, end: date) -> list[Candidate]:
    out = []
    for cid, person in people.items():
        policy = policies.get(person.segment)
        if policy is None or policy.cadence_days is None:
            continue
        seen = last.get(cid)
        due = as_of if seen is None else seen + timedelta(days=policy.cadence_days)
        if due > end:
            continue
        idle = None if seen is None else (as_of - seen).days
        chip = (texts.reason("cadence.never") if seen is None else
                texts.reason("cadence.due", idle, idle=idle, every=policy.cadence_days))
        out.append(Candidate(
            customer_id=cid, priority=20 + (5 if due < as_of else 0), marketing=False,
            available_from=max(as_of, due - timedelta(days=LEAD_DAYS["cadence"])),
            reasons=[chip],
            objective=texts.objective("cadence"),
            sources=["cadence"]))
    return out


def _offer_candidates(people: dict[int, Person], owned, policies: dict,
                      as_of: date) -> list[Candidate]:
    """The best suggested offer per customer worth a contact, outside the decline cool-down."""
    minimum = current_app.config["PLAN_MIN_OFFER_VALUE"]
    longest = max([DEFAULT_COOLDOWN_DAYS, *(p.decline_cooldown_days for p in policies.values())])
    declined = defaultdict(list)
    for cid, pid, at in db.session.execute(
            select(Offer.customer_id, Offer.product_id, Offer.state_changed_at)
            .where(Offer.state == "declined", Offer.customer_id.in_(owned),
                   Offer.state_changed_at >= start_of_bank_day(as_of - timedelta(days=longest)))):
        declined[(cid, pid)].append(local_date(at))
    rows = db.session.execute(
        select(Offer.id, Offer.customer_id, Offer.product_id, Offer.expected_value,
               Product.name, Product.name_en)
        .join(Product, Product.id == Offer.product_id)
        .where(Offer.state == "suggested", Offer.expected_value >= minimum,
               Offer.customer_id.in_(owned))
        .order_by(Offer.customer_id, Offer.expected_value.desc(), Offer.id)).all()
    out, seen = [], set()
    for oid, cid, pid, value, name, name_en in rows:
        person = people.get(cid)
        if person is None or cid in seen or not person.consent_marketing:
            continue
        cooldown = policies[person.segment].decline_cooldown_days if person.segment in policies \
            else DEFAULT_COOLDOWN_DAYS
        if any((as_of - d).days < cooldown for d in declined.get((cid, pid), [])):
            continue
        seen.add(cid)
        value = float(value)
        out.append(Candidate(
            customer_id=cid, priority=30 + min(20, int(value // 1000)), marketing=True,
            available_from=as_of,
            reasons=[texts.reason("offer", value, product=texts.Pair(name, name_en))],
            objective=texts.objective("offer", product=texts.Pair(name, name_en)),
            sources=[f"offer:{oid}"]))
    return out


def _carried_candidates(ids: set[int], rm_ids: list[int], as_of: date) -> list[Candidate]:
    """Entries missed on earlier days come back, higher for each day missed."""
    entries = db.session.scalars(
        select(PlanEntry).where(PlanEntry.rm_id.in_(rm_ids), PlanEntry.state == "missed",
                                PlanEntry.day >= as_of - timedelta(days=CARRY_LOOKBACK_DAYS),
                                PlanEntry.day < as_of)
        .order_by(PlanEntry.customer_id, PlanEntry.day.desc())).all()
    # each customer's last done or dismissed day: a miss before it was made up
    settled = dict(db.session.execute(
        select(PlanEntry.customer_id, func.max(PlanEntry.day))
        .where(PlanEntry.rm_id.in_(rm_ids), PlanEntry.state.in_(("done", "dismissed")),
               PlanEntry.day >= as_of - timedelta(days=CARRY_LOOKBACK_DAYS))
        .group_by(PlanEntry.customer_id)).all())
    out, seen = [], set()
    for e in entries:
        if e.customer_id in seen or e.customer_id not in ids:
            continue
        seen.add(e.customer_id)
        if settled.get(e.customer_id, date.min) > e.day:
            continue
        carried = e.carried_days + 1
        reasons = [r for r in (e.reasons or []) if r.get("code") != "carried"]
        out.append(Candidate(
            customer_id=e.customer_id, priority=min(99, e.priority + min(30, 10 * carried)),
            marketing=e.is_marketing, available_from=as_of,
            reasons=[texts.reason("carried", carried, times=carried), *reasons],
            objective=(e.objective, e.objective_en or e.objective),
            sources=list(e.sources or []), moment_id=e.moment_id, risk_case_id=e.risk_case_id,
            carried_days=carried))
    return out


def _snoozed_candidates(ids: set[int], rm_ids: list[int], as_of: date,
                        end: date) -> list[Candidate]:
    entries = db.session.scalars(
        select(PlanEntry).where(PlanEntry.rm_id.in_(rm_ids), PlanEntry.state == "snoozed",
                                PlanEntry.snoozed_to.between(as_of, end))).all()
    return [Candidate(
        customer_id=e.customer_id, priority=min(99, e.priority + 5), marketing=e.is_marketing,
        available_from=e.snoozed_to,
        reasons=[texts.reason("snoozed", day=e.day),
                 *[r for r in (e.reasons or []) if r.get("code") not in ("snoozed", "carried")]],
        objective=(e.objective, e.objective_en or e.objective), sources=list(e.sources or []),
        moment_id=e.moment_id, risk_case_id=e.risk_case_id, carried_days=e.carried_days)
        for e in entries if e.customer_id in ids]


def _preferences(ids: set[int], owned, as_of: date) -> dict[int, tuple[str, int]]:
    """The preference model's best channel and hour per customer (band "call@10")."""
    last = db.session.scalar(select(func.max(Score.as_of))
                             .where(Score.model == "preference", Score.as_of <= as_of))
    if last is None:
        return {}
    out = {}
    for cid, band in db.session.execute(select(Score.customer_id, Score.band)
                                        .where(Score.model == "preference", Score.as_of == last,
                                               Score.customer_id.in_(owned))):
        if cid in ids and "@" in band:
            channel, hour = band.split("@", 1)
            out[cid] = (channel, int(hour))
    return out


# --------------------------------------------------------------------------- deciding


def channel_for(person: Person, policy: ContactPolicy | None,
                preferred: tuple[str, int] | None) -> tuple[str, int | None]:
    """The segment's channels the customer consents to; the customer's favourite among them."""
    allowed = [c for c in (policy.preferred_channels if policy else ["call"])
               if (c not in ("call", "message") or person.consent_phone)
               and (c != "email" or person.consent_email)] or ["visit"]
    hour = preferred[1] if preferred else None
    if preferred and preferred[0] in allowed:
        return preferred[0], hour
    return allowed[0], hour


def capacity_kind(channel: str) -> str:
    return "visit" if channel == "visit" else "call"


def red_line_allows(person: Person, policy: ContactPolicy | None, day: date) -> bool:
    """May a marketing contact happen on `day`? Past and planned contacts of any kind count."""
    if not person.consent_marketing:
        return False
    if policy is None:
        return True
    window = [d for d in person.contacts
              if day - timedelta(days=RED_LINE_WINDOW_DAYS - 1) <= d <= day]
    if len(window) >= policy.max_marketing_30d:
        return False
    before = [d for d in person.contacts if d <= day]
    return not before or (day - max(before)).days >= policy.min_gap_days


def place(candidates: list[Candidate], days: list[date], capacity: dict[str, int],
          people: dict[int, Person], policies: dict, leave: set[date],
          taken: dict[date, dict[str, int]], busy: set[tuple[int, date]],
          channels: dict[int, tuple[str, int | None]]) -> list[tuple[date, Candidate]]:
    """Fill each day by priority within capacity and the red line; return (day, candidate)."""
    pool = sorted(candidates, key=lambda c: (-c.priority, c.customer_id))
    placed: list[tuple[date, Candidate]] = []
    done: set[int] = set()
    for day in days:
        if day in leave:
            continue
        room = {k: capacity[k] - taken.get(day, {}).get(k, 0) for k in capacity}
        for c in pool:
            if c.customer_id in done or c.available_from > day or (c.customer_id, day) in busy:
                continue
            kind = capacity_kind(channels[c.customer_id][0])
            if room[kind] <= 0:
                continue
            person = people[c.customer_id]
            if c.marketing and not red_line_allows(person, policies.get(person.segment), day):
                continue
            room[kind] -= 1
            done.add(c.customer_id)
            person.contacts.append(day)
            placed.append((day, c))
    return placed


# --------------------------------------------------------------------------- writing


def plan(as_of: date, rm_ids: list[int] | None = None) -> int:
    """Plan the next PLAN_DAYS working days from as_of for the given RMs (default all)."""
    cal = WorkCalendar.load()
    days = cal.working_days(as_of, current_app.config["PLAN_DAYS"])
    end = days[-1]
    rms = db.session.execute(
        select(User.id, User.visits_per_day, User.calls_per_day)
        .where(User.role == "rm", User.is_active_user,
               User.id.in_(rm_ids) if rm_ids is not None else True)
        .order_by(User.id)).all()
    ids_rm = [r.id for r in rms]
    if not ids_rm:
        return 0
    # Yesterday's untouched entries were missed; untouched future entries are rebuilt.
    db.session.execute(update(PlanEntry).where(PlanEntry.rm_id.in_(ids_rm),
                                               PlanEntry.day < as_of, PlanEntry.state == "planned")
                       .values(state="missed"))
    db.session.execute(delete(PlanEntry).where(PlanEntry.rm_id.in_(ids_rm), PlanEntry.day >= as_of,
                                               PlanEntry.state == "planned",
                                               PlanEntry.version == 1))
    people = _customers(ids_rm)
    ids = set(people)
    policies = {p.segment: p for p in db.session.scalars(select(ContactPolicy))}
    owned = select(Customer.id).where(Customer.rm_id.in_(ids_rm))
    last = _last_contacts(owned)
    _recent_contacts(people, owned, as_of, policies)
    kept = db.session.execute(
        select(PlanEntry.rm_id, PlanEntry.customer_id, PlanEntry.day, PlanEntry.channel,
               PlanEntry.state)
        .where(PlanEntry.rm_id.in_(ids_rm), PlanEntry.day >= as_of)).all()
    taken: dict[int, dict[date, dict[str, int]]] = defaultdict(lambda: defaultdict(
        lambda: defaultdict(int)))
    busy: set[tuple[int, date]] = set()
    settled: set[int] = set()
    for rm_id, cid, day, channel, state in kept:
        if state != "snoozed" and state != "dismissed":
            taken[rm_id][day][capacity_kind(channel)] += 1
        if state in ("done", "planned"):
            settled.add(cid)  # already on a future day by the RM's hand, or done today
        busy.add((cid, day))
    candidates = [*_risk_candidates(ids, owned, as_of),
                  *_moment_candidates(ids, owned, as_of, end),
                  *_follow_up_candidates(ids, owned, as_of, end),
                  *_cadence_candidates(people, policies, last, as_of, end),
                  *_offer_candidates(people, owned, policies, as_of),
                  *_carried_candidates(ids, ids_rm, as_of),
                  *_snoozed_candidates(ids, ids_rm, as_of, end)]
    merged: dict[int, Candidate] = {}
    for c in candidates:
        if c.customer_id in settled:
            continue
        if c.customer_id in merged:
            merged[c.customer_id].merge(c)
        else:
            merged[c.customer_id] = c
    prefs = _preferences(set(merged), owned, as_of)
    channels = {cid: channel_for(people[cid], policies.get(people[cid].segment), prefs.get(cid))
                for cid in merged}
    leave = leave_days(ids_rm, days[0], end)
    by_rm = defaultdict(list)
    for c in merged.values():
        by_rm[people[c.customer_id].rm_id].append(c)
    rows = []
    for rm in rms:
        capacity = {"visit": rm.visits_per_day, "call": rm.calls_per_day}
        for day, c in place(by_rm[rm.id], days, capacity, people, policies, leave[rm.id],
                            taken[rm.id], busy, channels):
            channel, hour = channels[c.customer_id]
            rows.append({
                "rm_id": rm.id, "day": day, "customer_id": c.customer_id,
                "reasons": c.reasons[:MAX_REASONS], "objective": c.objective[0],
                "objective_en": c.objective[1], "channel": channel,
                "suggested_hour": hour, "priority": c.priority, "state": "planned",
                "is_marketing": c.marketing, "sources": c.sources, "moment_id": c.moment_id,
                "risk_case_id": c.risk_case_id, "carried_days": c.carried_days, "version": 1})
    for start in range(0, len(rows), 2000):
        db.session.execute(insert(PlanEntry), rows[start:start + 2000])
    return len(rows)
