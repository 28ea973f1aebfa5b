"""The reports' test world: team A (rm_a, rm_a2, lead_a) and team B (rm_b, lead_b);
everything happens in May 2026 (the report month) seen from 20 June 2026, with events
placed on the edges of the month in bank time (Asia/Shanghai, UTC+8) so a wrong time zone
or range shows."""

import itertools
from datetime import date, datetime, time, timedelta

import pytest

from backend.calendar.models import PlanEntry
from backend.extensions import db
from backend.moments.models import KeyMoment, RiskCase
from backend.offers.models import Offer, PriceQuote
from backend.referrals.models import Referral
from backend.visits.models import Survey
from tests import factories

TODAY = date(2026, 6, 20)
MAY = date(2026, 5, 1)
_tokens = itertools.count(1)


def utc(day: date, hour: int, minute: int = 0) -> datetime:
    """The stored (naive UTC) timestamp of a bank-local time."""
    return datetime.combine(day, time(hour, minute)) - timedelta(hours=8)


def entry(rm, customer, day, channel="visit", state="planned"):
    row = PlanEntry(rm_id=rm.id, customer_id=customer.id, day=day, channel=channel, state=state,
                    reasons=[], objective="联系", priority=50)
    db.session.add(row)
    return row


def moment(customer, kind, due_on, state="open", resolved_at=None):
    row = KeyMoment(customer_id=customer.id, kind=kind, event_ref=f"{kind}:{due_on}:{state}",
                    due_on=due_on, state=state, resolved_at=resolved_at)
    db.session.add(row)
    return row


def offer(customer, product, state, changed_at, amount=None, credited=None):
    row = Offer(customer_id=customer.id, product_id=product.id, as_of=changed_at.date(),
                score=0.5, expected_value=100, state=state, state_changed_at=changed_at,
                sold_amount=amount, credited_rm_id=credited.id if credited else None)
    db.session.add(row)
    db.session.flush()
    return row


def referral(referrer, rm, customer, created_at, state="new"):
    row = Referral(referrer_id=referrer.id, from_line="retail", customer_id=customer.id,
                   rm_id=rm.id, need="开户", state=state, created_at=created_at)
    db.session.add(row)
    return row


def survey(interaction, score, answered_at):
    row = Survey(token=f"t{next(_tokens):031d}", interaction_id=interaction.id,
                 customer_id=interaction.customer_id, rm_id=interaction.rm_id,
                 created_at=interaction.started_at,
                 expires_at=interaction.started_at + timedelta(days=14),
                 answered_at=answered_at, score=score)
    db.session.add(row)
    return row


@pytest.fixture
def world(app):
    p = factories.two_teams()
    rm_a, rm_a2, rm_b = p["rm_a"], p["rm_a2"], p["rm_b"]
    loan = factories.product("LOAN", family="loan", is_credit=True)
    c1, c2, c3 = (factories.customer(rm_a) for _ in range(3))
    d1 = factories.customer(rm_a2)
    b1 = factories.customer(rm_b)

    # Plan entries in May: rm_a 3 visits (2 done), 2 calls (1 done, 1 dismissed); one in April
    for c, state in ((c1, "done"), (c2, "done"), (c3, "missed")):
        entry(rm_a, c, date(2026, 5, 4), "visit", state)
    entry(rm_a, c2, date(2026, 5, 31), "call", "done")
    entry(rm_a, c2, date(2026, 5, 6), "call", "dismissed")
    entry(rm_a, c1, date(2026, 4, 30), "visit", "done")
    entry(rm_a2, d1, date(2026, 5, 12), "call", "done")
    entry(rm_b, b1, date(2026, 5, 12), "visit", "done")

    # Contacts: the first and last minutes of May in bank time count, June 1 00:30 does not
    i = factories.interaction
    visit = i(rm_a, c1, utc(date(2026, 5, 1), 0, 10), "visit", "sale", sales_amount=1000)
    i(rm_a, c1, utc(date(2026, 5, 31), 23, 50), "call", "not_reached")
    i(rm_a, c2, utc(date(2026, 6, 1), 0, 30), "call", "reached", sales_amount=99)
    i(rm_a, c3, utc(date(2026, 4, 30), 23, 59), "call", "reached")
    edited = i(rm_a, c2, utc(date(2026, 5, 10), 15), "call", "reached", sales_amount=10)
    i(rm_a, c2, utc(date(2026, 5, 10), 15), "call", "interested", sales_amount=250,
      replaces_id=edited.id, version=2)
    call_a2 = i(rm_a2, d1, utc(date(2026, 5, 12), 9), "call", "reached")
    i(rm_a2, d1, utc(date(2026, 5, 13), 9), "message", "reached")
    call_b = i(rm_b, b1, utc(date(2026, 5, 12), 9), "visit", "reached", sales_amount=7)

    # Moments due in May (the customer's RM): renewal handled on its due date (SLA 0),
    # retention handled 4 days after (SLA 2: late), activation open past its SLA (overdue),
    # dormancy due in June (not in May), and rm_a2's dismissed one within its SLA
    moment(c1, "renewal", date(2026, 5, 15), "done", utc(date(2026, 5, 15), 23, 30))
    moment(c2, "retention", date(2026, 5, 5), "done", utc(date(2026, 5, 9), 10))
    moment(c3, "activation", date(2026, 5, 28))
    moment(c3, "dormancy", date(2026, 6, 2), "done", utc(date(2026, 6, 2), 10))
    moment(d1, "dormancy", date(2026, 5, 20), "dismissed", utc(date(2026, 5, 24), 10))

    # Offers that moved in May: presented, accepted, declined, sold (credited to rm_a);
    # one sold in April and one only suggested do not count
    offer(c1, loan, "presented", utc(date(2026, 5, 2), 10))
    offer(c2, loan, "accepted", utc(date(2026, 5, 3), 10))
    offer(c3, loan, "declined", utc(date(2026, 5, 4), 10))
    sold = offer(c1, loan, "sold", utc(date(2026, 5, 5), 10), 5000, credited=rm_a)
    offer(c2, loan, "sold", utc(date(2026, 4, 5), 10), 800, credited=rm_a)
    offer(c3, loan, "suggested", utc(date(2026, 5, 6), 10))
    offer(b1, loan, "sold", utc(date(2026, 5, 6), 10), 300, credited=rm_b)

    # Referrals: two in to rm_a (one won), one out from rm_a to rm_a2, one in April
    referrer = p["referrer"]
    referral(referrer, rm_a, c1, utc(date(2026, 5, 3), 9), "won")
    referral(referrer, rm_a, c2, utc(date(2026, 5, 20), 9), "contacted")
    referral(rm_a, rm_a2, d1, utc(date(2026, 5, 21), 9), "won")
    referral(referrer, rm_a, c3, utc(date(2026, 4, 20), 9), "won")

    # Surveys answered in May: rm_a 5 and 4 (index 87.5), rm_a2 3 (index 50);
    # one answered in April and one never answered do not count
    survey(visit, 5, utc(date(2026, 5, 2), 9))
    survey(visit, 4, utc(date(2026, 5, 31), 23))
    survey(visit, 1, utc(date(2026, 4, 30), 9))
    survey(visit, None, None)
    survey(call_a2, 3, utc(date(2026, 5, 14), 9))
    survey(call_b, 1, utc(date(2026, 5, 14), 9))

    # Overdue as of 20 June: c2 missed on 15 June and not met since; c3 missed on 10 June
    # but done on 12 June; c1 missed 40 days ago (beyond the 30-day look-back)
    entry(rm_a, c2, date(2026, 6, 15), "call", "missed")
    entry(rm_a, c3, date(2026, 6, 10), "call", "missed")
    entry(rm_a, c3, date(2026, 6, 12), "call", "done")
    entry(rm_a, c1, date(2026, 5, 11), "call", "missed")

    # Risk cases and approvals for the dashboard
    risk = dict(opened_on=date(2026, 6, 1), signals=[], probability=0.3, tier_response="escalated")
    db.session.add_all([
        RiskCase(customer_id=c1.id, severity=3, exposure=1000, **risk),
        RiskCase(customer_id=c2.id, severity=2, exposure=500, state="pending_approval",
                 requested_by=rm_a.id, requested_action="waiver", **risk),
        RiskCase(customer_id=c3.id, severity=3, exposure=9999, state="closed", **risk),
        RiskCase(customer_id=b1.id, severity=1, exposure=70, **risk),
    ])
    db.session.add(PriceQuote(offer_id=sold.id, rm_id=rm_a2.id, price=0.05, unit="rate",
                              band_min=0.04, band_max=0.045,
                              expires_at=datetime.now() + timedelta(days=3)))
    db.session.add(PriceQuote(offer_id=sold.id, rm_id=rm_b.id, price=0.05, unit="rate",
                              band_min=0.04, band_max=0.045,
                              expires_at=datetime.now() + timedelta(days=3)))
    db.session.commit()
    return {**p, "loan": loan, "c1": c1, "c2": c2, "c3": c3, "d1": d1, "b1": b1}
