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

from flask import current_app
from sqlalchemy import Float, Integer, case, cast, func, select
from sqlalchemy.orm import aliased

from backend.calendar.models import PlanEntry
from backend.customers.models import Customer
from backend.extensions import db
from backend.moments.models import KeyMoment
from backend.offers.models import Offer
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


def latest_version():
    """WHERE clause: the interaction is not replaced by a newer version of itself."""
    newer = aliased(Interaction)
    return ~select(newer.id).where(newer.replaces_id == Interaction.id).exists()


def contacts_by_channel(rm_ids: list[int], start: date, end: date) -> dict:
    """{rm: {channel: {logged, reached, sales}}} for contacts started in [start, end)."""
    rows = db.session.execute(
        select(Interaction.rm_id, Interaction.channel, func.count(),
               count_if(Interaction.outcome != "not_reached"),
               func.coalesce(func.sum(Interaction.sales_amount), 0))
        .where(Interaction.rm_id.in_(rm_ids),
               Interaction.started_at >= start_of_bank_day(start),
               Interaction.started_at < start_of_bank_day(end), latest_version())
        .group_by(Interaction.rm_id, Interaction.channel))
    out: dict = defaultdict(dict)
    for rm, channel, logged, reached, sales in rows:
        out[rm][channel] = {"logged": logged, "reached": int(reached or 0),
                            "sales": float(sales or 0)}
    return out


def plan_by_channel(rm_ids: list[int], start: date, end: date) -> dict:
    """{rm: {channel: {planned, done}}} for plan entries dated in [start, end)."""
    rows = db.session.execute(
        select(PlanEntry.rm_id, PlanEntry.channel, func.count(),
               count_if(PlanEntry.state == "done"))
        .where(PlanEntry.rm_id.in_(rm_ids), PlanEntry.day >= start, PlanEntry.day < end)
        .group_by(PlanEntry.rm_id, PlanEntry.channel))
    out: dict = defaultdict(dict)
    for rm, channel, planned, done in rows:
        out[rm][channel] = {"planned": planned, "done": int(done or 0)}
    return out


def moments(rm_ids: list[int], start: date, end: date, today: date) -> dict:
    """{rm: {moments_due, moments_in_sla, moments_late, moments_overdue}} for moments due in
    [start, end). Late: handled after the SLA; overdue: not handled and past the SLA."""
    sla_days = current_app.config["MOMENT_SLA_DAYS"]
    rows = db.session.execute(
        select(Customer.rm_id, KeyMoment.kind, KeyMoment.due_on, KeyMoment.state,
               KeyMoment.resolved_at)
        .join(Customer, Customer.id == KeyMoment.customer_id)
        .where(Customer.rm_id.in_(rm_ids), KeyMoment.due_on >= start, KeyMoment.due_on < end))
    out: dict = defaultdict(lambda: dict.fromkeys(
        ("moments_due", "moments_in_sla", "moments_late", "moments_overdue"), 0))
    for rm, kind, due_on, state, resolved_at in rows:
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
    owner = func.coalesce(Offer.credited_rm_id, Customer.rm_id)
    rows = db.session.execute(
        select(owner, count_if(Offer.state.in_(ACCEPTED)), count_if(Offer.state == "sold"),
               func.count(), func.coalesce(func.sum(Offer.sold_amount), 0))
        .join(Customer, Customer.id == Offer.customer_id)
        .where(Customer.rm_id.in_(rm_ids), Offer.state.in_(PRESENTED),
               Offer.state_changed_at >= start_of_bank_day(start),
               Offer.state_changed_at < start_of_bank_day(end))
        .group_by(owner))
    return {rm: {"offers_presented": presented, "offers_accepted": int(accepted or 0),
                 "offers_sold": int(sold or 0), "sold_amount": float(amount or 0)}
            for rm, accepted, sold, presented, amount in rows}


def referrals(rm_ids: list[int], start: date, end: date) -> dict:
    """{rm: {referrals_in, referrals_in_won, referrals_out, referrals_out_won}} made in the
    period."""
    out: dict = defaultdict(dict)
    for column, prefix in ((Referral.rm_id, "referrals_in"), (Referral.referrer_id,
                                                                "referrals_out")):
        rows = db.session.execute(
            select(column, func.count(), count_if(Referral.state == "won"))
            .where(column.in_(rm_ids), Referral.created_at >= start_of_bank_day(start),
                   Referral.created_at < start_of_bank_day(end))
            .group_by(column))
        for rm, made, won in rows:
            out[rm][prefix] = made
            out[rm][f"{prefix}_won"] = int(won or 0)
    return out


def satisfaction(rm_ids: list[int], start: date, end: date) -> dict:
    """{rm: {satisfaction_responses, satisfaction_index}} of answers given in the period."""
    rows = db.session.execute(
        select(Survey.rm_id, func.count(), func.avg(cast(Survey.score, Float)))
        .where(Survey.rm_id.in_(rm_ids), Survey.score.is_not(None),
               Survey.answered_at >= start_of_bank_day(start),
               Survey.answered_at < start_of_bank_day(end))
        .group_by(Survey.rm_id))
    out = {}
    for rm, responses, average in rows:
        s = surveys.summary(responses, average)
        out[rm] = {"satisfaction_responses": s["responses"], "satisfaction_index": s["index"]}
    return out


def overdue_entries(rm_ids: list[int], today: date) -> dict:
    """{rm: customers whose planned contact of the last OVERDUE_LOOKBACK_DAYS was missed
    and who have had no contact from the plan since}."""
    since = today - timedelta(days=current_app.config["OVERDUE_LOOKBACK_DAYS"])
    later = aliased(PlanEntry)
    met_since = select(later.id).where(later.customer_id == PlanEntry.customer_id,
                                       later.state == "done", later.day >= PlanEntry.day).exists()
    rows = db.session.execute(
        select(PlanEntry.rm_id, func.count(func.distinct(PlanEntry.customer_id)))
        .where(PlanEntry.rm_id.in_(rm_ids), PlanEntry.state.in_(("planned", "missed")),
               PlanEntry.day >= since, PlanEntry.day < today, ~met_since)
        .group_by(PlanEntry.rm_id))
    return dict(rows.all())


def daily_contacts(rm_ids: list[int], start: date, end: date) -> dict:
    """{(rm, 'YYYY-MM-DD'): (contacts, reached, sales)} per bank day in [start, end)."""
    day = bank_day_sql(Interaction.started_at, db.engine.dialect.name)
    rows = db.session.execute(
        select(Interaction.rm_id, day, func.count(),
               count_if(Interaction.outcome != "not_reached"),
               func.coalesce(func.sum(Interaction.sales_amount), 0))
        .where(Interaction.rm_id.in_(rm_ids),
               Interaction.started_at >= start_of_bank_day(start),
               Interaction.started_at < start_of_bank_day(end), latest_version())
        .group_by(Interaction.rm_id, day))
    return {(rm, d): (n, int(reached or 0), float(sales or 0)) for rm, d, n, reached, sales in rows}


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
