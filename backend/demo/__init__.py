"""The synthetic demo bank: `flask demo load`.

Every customer gets a hidden truth drawn from their traits: a propensity per product, a
yearly attrition hazard (and, for some, the day they leave), a default probability and a
preferred contact channel and hour. Holdings, transactions, overdue days, statuses and
the RMs' contact history are simulated FROM that truth, and the truth is written to a CSV
so that scoring models can be checked against it.

Invariant: every account's balance equals the sum of all its transactions. An account
opened before the simulated window carries one "balance brought forward" transaction
(kind transfer, channel system) one second before the window starts, so the month-end
series the 360 card derives backwards from today's balance is exact, and deposit and
credit balances never go below zero.

Generation is vectorised with numpy, one batch of customers at a time (a fixed batch size,
so a seed gives the same bank whatever the size), and written with Core bulk inserts.

On top of the contacts, the bank gets a history of app use over the last HISTORY_DAYS, so
that reports have months to show: the plan entries behind the contacts (done, and some
missed or dismissed), an offer funnel, satisfaction surveys and referrals. Each missed
entry is followed by the contact made later, so the planner carries none of them today.
"""

from backend.demo.bank import load
from backend.demo.cli import demo_cli
from backend.demo.history import HISTORY_DAYS

__all__ = ["HISTORY_DAYS", "demo_cli", "load"]
