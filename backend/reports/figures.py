"""The figures of the reports, computed set-based for a group of RMs at once.

Every function takes the RMs' ids and a span of bank dates and answers per RM, so the
team dashboard and an RM's report (which compares with the team's median) share the
same few grouped queries. Rules of attribution (docs/reports.md):

- contacts: the RM who logged them; an edited contact counts once, in its latest version;
- plan entries: the RM whose plan they are on;
- key moments: the customer's RM; handled within SLA when done or dismissed by the due
  date plus MOMENT_SLA_DAYS of its kind;
- offers: the RM credited with the sale, else the customer's RM; counted in the period the
  offer last moved, by how far it got (a sold offer was presented and accepted);
- referrals: in to the RM they were routed to, out from the RM who made them;
- satisfaction: survey answers given in the period about the RM's contacts.
"""

from collections import defaultdict
from datetime import date, timedelta
from functools import cache

from flask import current_app
from sqlalchemy import Float, Integer, bindparam, case, cast, func, select
from sqlalchemy.orm import aliased

from backend.calendar.models import PlanEntry
from backend.customers.models import Customer
from backend.extensions import db
from backend.models_base import utcnow
from backend.moments.models import KeyMoment, RiskCase
from backend.offers.models import Offer, PriceQuote
from backend.referrals.models import Referral
from backend.timeutil import bank_day_sql, local_date, start_of_bank_day
from backend.visits import surveys
from backend.visits.models import INTERACTION_CHANNELS, Interaction, Survey

PRESENTED = ("presented", "accepted", "declined", "sold")
ACCEPTED = ("accepted", "sold")
HANDLED = ("done", "dismissed")

# Every figure of a row, in the order tables and CSV show them.
COUNTS = ("contacts_planned", "contacts_done", "contacts_logged", "calls", "visits",
          "reached", "moments_due", "moments_in_sla", "moments_late", "moments_overdue",
          "offers_presented", "offers_accepted", "offers_sold", "sold_amount", "sales_amount",
          "referrals_in", "referrals_in_won", "referrals_out", "referrals_out_won",
          "satisfaction_responses", "satisfaction_index", "overdue_entries")
RATES = {"plan_done_rate": ("contacts_done", "contacts_planned"),
         "reach_rate": ("reached", "contacts_logged"),
         "sla_rate": ("moments_in_sla", "moments_due"),
         "acceptance_rate": ("offers_accepted", "offers_presented"),
         "conversion_rate": ("offers_sold", "offers_presented")}
FIGURES = COUNTS + tuple(RATES)


def count_if(condition):
    return func.sum(cast(case((condition, 1), else_=0), Integer))


# The statements are built once per database dialect with bound parameters: building and
# keying a dozen SQLAlchemy statements per request would cost more than running them.
_newer = aliased(Interaction)
_later = aliased(PlanEntry)
RMS = bindparam("rm_ids", expanding=True)
T0, T1 = bindparam("t0"), bindparam("t1")  # naive UTC instants of the period's bank days
D0, D1 = bindparam("d0"), bindparam("d1")  # bank dates
OWNER = func.coalesce(Offer.credited_rm_id, Customer.rm_id)


def latest_version():
    """WHERE clause: the interaction is not replaced by a newer version of itself."""
    return ~select(_newer.id).where(_newer.replaces_id == Interaction.id).exists()


def _contacts(*group_by):
    return (select(Interaction.rm_id, *group_by, func.count(),
                   count_if(Interaction.outcome != "not_reached"),
                   func.coalesce(func.sum(Interaction.sales_amount), 0))
            .where(Interaction.rm_id.in_(RMS), Interaction.started_at >= T0,
                   Interaction.started_at < T1, latest_version())
            .group_by(Interaction.rm_id, *group_by))


def _referrals(column):
    return (select(column, func.count(), count_if(Referral.state == "won"))
            .where(column.in_(RMS), Referral.created_at >= T0, Referral.created_at < T1)
            .group_by(column))


@cache
def statements(dialect: str, zone: str) -> dict:
    """Every figure's statement for this dialect and bank time zone."""
    met_since = select(_later.id).where(_later.customer_id == PlanEntry.customer_id,
                                        _later.state == "done",
                                        _later.day >= PlanEntry.day).exists()
    return {
        "contacts": _contacts(Interaction.channel),
        "daily": _contacts(bank_day_sql(Interaction.started_at, dialect)),
        "plan": select(PlanEntry.rm_id, PlanEntry.channel, func.count(),
                       count_if(PlanEntry.state == "done"))
        .where(PlanEntry.rm_id.in_(RMS), PlanEntry.day >= D0, PlanEntry.day < D1)
        .group_by(PlanEntry.rm_id, PlanEntry.channel),
        "moments": select(Customer.rm_id, KeyMoment.kind, KeyMoment.due_on, KeyMoment.state,
                          KeyMoment.resolved_at)
        .join(Customer, Customer.id == KeyMoment.customer_id)
        .where(Customer.rm_id.in_(RMS), KeyMoment.due_on >= D0, KeyMoment.due_on < D1),
        "offers": select(OWNER, count_if(Offer.state.in_(ACCEPTED)),
                         count_if(Offer.state == "sold"), func.count(),
                         func.coalesce(func.sum(Offer.sold_amount), 0))
        .join(Customer, Customer.id == Offer.customer_id)
        .where(Customer.rm_id.in_(RMS), Offer.state.in_(PRESENTED),
               Offer.state_changed_at >= T0, Offer.state_changed_at < T1)
        .group_by(OWNER),
        "referrals_in": _referrals(Referral.rm_id),
        "referrals_out": _referrals(Referral.referrer_id),
        "satisfaction": select(Survey.rm_id, func.count(), func.avg(cast(Survey.score, Float)))
        .where(Survey.rm_id.in_(RMS), Survey.score.is_not(None), Survey.answered_at >= T0,
               Survey.answered_at < T1)
        .group_by(Survey.rm_id),
        "risk": select(RiskCase.severity, func.count(),
                       count_if(RiskCase.state == "pending_approval"),
                       func.coalesce(func.sum(RiskCase.exposure), 0))
        .join(Customer, Customer.id == RiskCase.customer_id)
        .where(Customer.rm_id.in_(RMS), RiskCase.state != "closed")
        .group_by(RiskCase.severity),
        "approvals_risk": select(func.count()).where(
            RiskCase.state == "pending_approval", RiskCase.requested_by.in_(RMS)),
        "approvals_quotes": select(func.count()).where(
            PriceQuote.state == "pending_approval", PriceQuote.rm_id.in_(RMS),
            PriceQuote.expires_at > bindparam("now")),
        "overdue": select(PlanEntry.rm_id, func.count(func.distinct(PlanEntry.customer_id)))
        .where(PlanEntry.rm_id.in_(RMS), PlanEntry.state.in_(("planned", "missed")),
               PlanEntry.day >= D0, PlanEntry.day < D1, ~met_since)
        .group_by(PlanEntry.rm_id),
    }


def _run(name: str, rm_ids: list[int], *, days: tuple[date, date] | None = None,
         instants: tuple[date, date] | None = None, **params):
    """Rows of a figure's statement for the RMs, over bank days or their UTC instants."""
    params["rm_ids"] = rm_ids
    if days:
        params.update(d0=days[0], d1=days[1])
    if instants:
        params.update(t0=start_of_bank_day(instants[0]), t1=start_of_bank_day(instants[1]))
    stmt = statements(db.engine.dialect.name, current_app.config["BANK_TIMEZONE"])[name]
    return db.session.connection().execute(stmt, params)


def contacts_by_channel(rm_ids: list[int], start: date, end: date) -> dict:
    """{rm: {channel: {logged, reached, sales}}} for contacts started in [start, end)."""
    out: dict = defaultdict(dict)
    for rm, channel, logged, reached, sales in _run("contacts", rm_ids, instants=(start, end)):
        out[rm][channel] = {"logged": logged, "reached": int(reached or 0),
                            "sales": float(sales or 0)}
    return out


def plan_by_channel(rm_ids: list[int], start: date, end: date) -> dict:
    """{rm: {channel: {planned, done}}} for plan entries dated in [start, end)."""
    out: dict = defaultdict(dict)
    for rm, channel, planned, done in _run("plan", rm_ids, days=(start, end)):
        out[rm][channel] = {"planned": planned, "done": int(done or 0)}
    return out


def moments(rm_ids: list[int], start: date, end: date, today: date) -> dict:
    """{rm: {moments_due, moments_in_sla, moments_late, moments_overdue}} for moments due in
    [start, end). Late: handled after the SLA; overdue: not handled and past the SLA."""
    sla_days = current_app.config["MOMENT_SLA_DAYS"]
    out: dict = defaultdict(lambda: dict.fromkeys(
        ("moments_due", "moments_in_sla", "moments_late", "moments_overdue"), 0))
    for rm, kind, due_on, state, resolved_at in _run("moments", rm_ids, days=(start, end)):
        deadline = due_on + timedelta(days=sla_days.get(kind, sla_days["default"]))
        figures = out[rm]
        figures["moments_due"] += 1
        if state in HANDLED and resolved_at is not None:
            key = "moments_in_sla" if local_date(resolved_at) <= deadline else "moments_late"
            figures[key] += 1
        elif deadline < today:
            figures["moments_overdue"] += 1
    return out


def offers(rm_ids: list[int], start: date, end: date) -> dict:
    """{rm: {offers_presented, offers_accepted, offers_sold, sold_amount}}."""
    rows = _run("offers", rm_ids, instants=(start, end))
    return {rm: {"offers_presented": presented, "offers_accepted": int(accepted or 0),
                 "offers_sold": int(sold or 0), "sold_amount": float(amount or 0)}
            for rm, accepted, sold, presented, amount in rows}


def referrals(rm_ids: list[int], start: date, end: date) -> dict:
    """{rm: {referrals_in, referrals_in_won, referrals_out, referrals_out_won}} made in the
    period."""
    out: dict = defaultdict(dict)
    for prefix in ("referrals_in", "referrals_out"):
        for rm, made, won in _run(prefix, rm_ids, instants=(start, end)):
            out[rm][prefix] = made
            out[rm][f"{prefix}_won"] = int(won or 0)
    return out


def satisfaction(rm_ids: list[int], start: date, end: date) -> dict:
    """{rm: {satisfaction_responses, satisfaction_index}} of answers given in the period."""
    out = {}
    for rm, responses, average in _run("satisfaction", rm_ids, instants=(start, end)):
        s = surveys.summary(responses, average)
        out[rm] = {"satisfaction_responses": s["responses"], "satisfaction_index": s["index"]}
    return out


def overdue_entries(rm_ids: list[int], today: date) -> dict:
    """{rm: customers whose planned contact of the last OVERDUE_LOOKBACK_DAYS was missed
    and who have had no contact from the plan since}."""
    since = today - timedelta(days=current_app.config["OVERDUE_LOOKBACK_DAYS"])
    return dict(_run("overdue", rm_ids, days=(since, today)).all())


def daily_contacts(rm_ids: list[int], start: date, end: date) -> dict:
    """{(rm, 'YYYY-MM-DD'): (contacts, reached, sales)} per bank day in [start, end)."""
    rows = _run("daily", rm_ids, instants=(start, end))
    return {(rm, d): (n, int(reached or 0), float(sales or 0)) for rm, d, n, reached, sales in rows}


def risk_by_severity(rm_ids: list[int]) -> list[dict]:
    """Live early-warning cases of the RMs' customers, by severity (no customer names)."""
    found = {s: (n, int(p or 0), float(e or 0)) for s, n, p, e in _run("risk", rm_ids)}
    return [{"severity": s, "open": found.get(s, (0,))[0],
             "pending_approval": found.get(s, (0, 0))[1],
             "exposure": round(found.get(s, (0, 0, 0.0))[2], 2)} for s in (3, 2, 1)]


def open_approvals(rm_ids: list[int]) -> dict:
    """Waiver/extension requests and price quotes of these RMs waiting for their lead."""
    risk = _run("approvals_risk", rm_ids).scalar_one()
    quotes = _run("approvals_quotes", rm_ids, now=utcnow()).scalar_one()
    return {"risk_cases": risk, "quotes": quotes, "total": risk + quotes}


def rows_for(rm_ids: list[int], start: date, end: date,
             today: date) -> tuple[dict[int, dict], dict[int, list[dict]]]:
    """Every figure for each RM over [start, end): ({rm: {figure: value}} (FIGURES),
    {rm: [{channel, planned, done, logged, reached}]})."""
    plan = plan_by_channel(rm_ids, start, min(end, today + timedelta(days=1)))
    contacts = contacts_by_channel(rm_ids, start, end)
    parts = [moments(rm_ids, start, end, today), offers(rm_ids, start, end),
             referrals(rm_ids, start, end), satisfaction(rm_ids, start, end)]
    overdue = overdue_entries(rm_ids, today)
    out, channels = {}, {}
    for rm in rm_ids:
        channels[rm] = [{"channel": c, **plan.get(rm, {}).get(c, {"planned": 0, "done": 0}),
                         "logged": contacts.get(rm, {}).get(c, {}).get("logged", 0),
                         "reached": contacts.get(rm, {}).get(c, {}).get("reached", 0)}
                        for c in INTERACTION_CHANNELS]
        row = dict.fromkeys(COUNTS, 0)
        row["sold_amount"] = row["sales_amount"] = 0.0
        row["satisfaction_index"] = None
        for channel in plan.get(rm, {}).values():
            row["contacts_planned"] += channel["planned"]
            row["contacts_done"] += channel["done"]
        for name, channel in contacts.get(rm, {}).items():
            row["contacts_logged"] += channel["logged"]
            row["reached"] += channel["reached"]
            row["sales_amount"] += channel["sales"]
            if name in ("call", "visit"):
                row[f"{name}s"] += channel["logged"]
        for part in parts:
            row.update(part.get(rm, {}))
        row["overdue_entries"] = overdue.get(rm, 0)
        row["sales_amount"] = round(row["sales_amount"], 2)
        row["sold_amount"] = round(row["sold_amount"], 2)
        for rate, (part, whole) in RATES.items():
            row[rate] = round(row[part] / row[whole], 4) if row[whole] else None
        out[rm] = row
    return out, channels
