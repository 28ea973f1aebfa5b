"""The red line, the channel and the day's placement as a bank states them
(backend/calendar/planner.py): no marketing without consent or too often, the customer's own
channel only where they consented to it, and every free slot used."""

from datetime import date, timedelta

import pytest

from backend.calendar.planner import (
    Candidate,
    Person,
    capacity_kind,
    channel_for,
    place,
    red_line_allows,
)
from backend.customers.models import ContactPolicy

DAY = date(2026, 12, 7)  # a Monday


def person(cid=1, **change) -> Person:
    values = {"id": cid, "rm_id": 9, "segment": "small", "consent_marketing": True,
              "consent_phone": True, "consent_email": True, "contacts": []}
    return Person(**{**values, **change})


def policy(**change) -> ContactPolicy:
    values = {"segment": "small", "cadence_days": 30, "max_marketing_30d": 2, "min_gap_days": 7,
              "decline_cooldown_days": 30, "preferred_channels": ["visit", "call", "email"]}
    return ContactPolicy(**{**values, **change})


# --------------------------------------------------------------------------- the channel

def test_the_customers_favourite_channel_when_the_segment_uses_it_and_they_consented():
    assert channel_for(person(), policy(), ("email", 16)) == ("email", 16)
    assert channel_for(person(), policy(), ("call", 10)) == ("call", 10)


def test_never_a_channel_the_customer_did_not_consent_to_even_their_favourite():
    assert channel_for(person(consent_phone=False), policy(preferred_channels=["call", "email"]),
                       ("call", 10)) == ("email", 10)
    assert channel_for(person(consent_email=False), policy(preferred_channels=["email", "call"]),
                       ("email", 9)) == ("call", 9)
    assert channel_for(person(consent_phone=False), policy(preferred_channels=["message"]),
                       None) == ("visit", None)


def test_a_favourite_the_segment_does_not_use_gives_the_segments_first():
    assert channel_for(person(), policy(preferred_channels=["visit", "call"]), ("email", 15)) \
        == ("visit", 15)


def test_without_a_policy_a_call_if_the_customer_takes_calls_else_a_visit():
    assert channel_for(person(), None, None) == ("call", None)
    assert channel_for(person(consent_phone=False), None, None) == ("visit", None)


@pytest.mark.parametrize("channel,kind", [("visit", "visit"), ("call", "call"),
                                          ("message", "call"), ("email", "call"),
                                          ("video", "call")])
def test_only_a_visit_uses_a_visit_slot(channel, kind):
    assert capacity_kind(channel) == kind


# --------------------------------------------------------------------------- the red line

def test_no_marketing_without_consent_with_or_without_a_policy():
    assert not red_line_allows(person(consent_marketing=False), None, DAY)
    assert not red_line_allows(person(consent_marketing=False), policy(), DAY)
    assert red_line_allows(person(), None, DAY)
    assert red_line_allows(person(), policy(), DAY)


@pytest.mark.parametrize("days_ago,allowed", [
    ([10, 20], False),   # two contacts in the last 30 days: the limit is 2
    ([10, 29], False),   # 29 days ago is inside the window
    ([10, 30], True),    # 30 days ago is outside
    ([10], True),
    ([10, 0], False),    # another contact planned on the day itself counts too
])
def test_at_most_max_marketing_30d_contacts_in_any_30_days(days_ago, allowed):
    someone = person(contacts=[DAY - timedelta(days=n) for n in days_ago])
    assert red_line_allows(someone, policy(min_gap_days=0), DAY) is allowed


@pytest.mark.parametrize("gap,allowed", [(7, True), (6, False), (0, False), (40, True)])
def test_a_minimum_gap_since_the_last_contact(gap, allowed):
    someone = person(contacts=[DAY - timedelta(days=gap)])
    assert red_line_allows(someone, policy(max_marketing_30d=5), DAY) is allowed


def test_the_day_is_judged_on_the_contacts_up_to_it():
    """Days are placed in order, so a later contact is judged when its own day comes."""
    later = person(contacts=[DAY + timedelta(days=3)])
    assert red_line_allows(later, policy(max_marketing_30d=1), DAY)
    mixed = person(contacts=[DAY - timedelta(days=40), DAY + timedelta(days=1),
                             DAY - timedelta(days=8)])
    assert red_line_allows(mixed, policy(max_marketing_30d=1), DAY) is False
    assert red_line_allows(mixed, policy(max_marketing_30d=2), DAY) is True


# --------------------------------------------------------------------------- placement

def candidate(cid, priority=50, marketing=False, available_from=DAY) -> Candidate:
    return Candidate(customer_id=cid, priority=priority, available_from=available_from,
                     marketing=marketing, reasons=[], objective=("", ""),
                     sources=[])


def run(candidates, days, capacity, channels, people=None, leave=(), taken=None, busy=()):
    people = people or {c.customer_id: person(c.customer_id) for c in candidates}
    placed = place(candidates, days, capacity, people, {"small": policy()}, set(leave),
                   taken or {}, set(busy), channels)
    return [(day, c.customer_id) for day, c in placed]


DAYS = [DAY + timedelta(days=n) for n in range(3)]


def test_each_day_is_filled_by_priority_up_to_capacity_and_the_rest_goes_next_day():
    cands = [candidate(i, priority=90 - i) for i in range(1, 6)]
    channels = {i: ("call", None) for i in range(1, 6)}
    assert run(cands, DAYS, {"visit": 0, "call": 3}, channels) == [
        (DAYS[0], 1), (DAYS[0], 2), (DAYS[0], 3), (DAYS[1], 4), (DAYS[1], 5)]


def test_a_full_call_slot_does_not_end_the_day_for_visits():
    cands = [candidate(1, 90), candidate(2, 80), candidate(3, 70)]
    channels = {1: ("call", None), 2: ("call", None), 3: ("visit", None)}
    assert run(cands, DAYS, {"visit": 1, "call": 1}, channels) == [
        (DAYS[0], 1), (DAYS[0], 3), (DAYS[1], 2)]


def test_leave_days_busy_customers_and_later_starts_are_respected():
    cands = [candidate(1), candidate(2, available_from=DAYS[2]), candidate(3)]
    channels = {i: ("call", None) for i in (1, 2, 3)}
    placed = run(cands, DAYS, {"visit": 0, "call": 5}, channels, leave=[DAYS[0]],
                 busy=[(3, DAYS[1])])
    assert placed == [(DAYS[1], 1), (DAYS[2], 2), (DAYS[2], 3)]


def test_what_is_already_taken_on_a_day_leaves_only_the_rest():
    cands = [candidate(1, 90), candidate(2, 80)]
    channels = {1: ("call", None), 2: ("call", None)}
    assert run(cands, DAYS, {"visit": 0, "call": 2}, channels,
               taken={DAYS[0]: {"call": 1}}) == [(DAYS[0], 1), (DAYS[1], 2)]


def test_a_marketing_contact_waits_for_the_day_the_red_line_allows():
    someone = person(1, contacts=[DAY - timedelta(days=5)])  # gap of 7: allowed from day +2
    placed = run([candidate(1, marketing=True)], DAYS, {"visit": 0, "call": 5},
                 {1: ("call", None)}, people={1: someone})
    assert placed == [(DAYS[2], 1)]
    assert someone.contacts[-1] == DAYS[2]  # the plan counts for the next contacts' red line


def test_the_red_line_holds_no_service_contact_back():
    someone = person(1, consent_marketing=False, contacts=[DAY])
    assert run([candidate(1)], DAYS, {"visit": 0, "call": 1}, {1: ("call", None)},
               people={1: someone}) == [(DAYS[0], 1)]


def test_a_marketing_contact_held_back_does_not_end_the_day_for_the_others():
    held = person(1, consent_marketing=False)
    cands = [candidate(1, 90, marketing=True), candidate(2, 50)]
    placed = run(cands, DAYS, {"visit": 0, "call": 5}, {1: ("call", None), 2: ("call", None)},
                 people={1: held, 2: person(2)})
    assert placed == [(DAYS[0], 2)]
