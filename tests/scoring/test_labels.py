"""Labels mean what they say: who is scored on a date, and what counts as the event after it."""

from datetime import date, datetime, time, timedelta

import pytest

from backend.scoring import features as feats
from backend.scoring.trained_models import AttritionModel
from tests import factories as make

AS_OF = date(2025, 6, 30)
HORIZON = 182


def at(day: date) -> datetime:
    return datetime.combine(day, time(4))  # noon in Shanghai, in UTC


def active_customer(rm, cur, *tx_days: date, **fields):
    customer = make.customer(rm, onboarded_on=date(2022, 1, 1), **fields)
    account = make.account(customer, cur, balance=1000, opened_on=date(2022, 1, 1))
    for day in tx_days:
        make.transaction(account, -10, at(day), customer_initiated=True)
    return customer


@pytest.fixture
def world(app):
    rm = make.user("rm_labels")
    cur = make.product("CURX", family="deposit")
    before = AS_OF - timedelta(days=5)
    later = AS_OF + timedelta(days=HORIZON)
    people = {
        # active on the date and after the horizon: stays
        "stays": active_customer(rm, cur, before, later + timedelta(days=40)),
        # active on the date, last own transaction 4 months later, silent since: leaves
        "leaves_in_4_months": active_customer(rm, cur, before, AS_OF + timedelta(days=120)),
        # stops 2 weeks after the horizon: not an exit inside the horizon
        "leaves_after": active_customer(rm, cur, before, later + timedelta(days=14)),
        # closes inside the horizon
        "closes": active_customer(rm, cur, before, closed_on=AS_OF + timedelta(days=60)),
        # silent for the 45 days before the date: already gone, not a warning to give
        "already_silent": active_customer(rm, cur, AS_OF - timedelta(days=45),
                                          AS_OF + timedelta(days=10)),
        # closed before the date: not a customer then
        "already_closed": active_customer(rm, cur, AS_OF - timedelta(days=100),
                                          closed_on=AS_OF - timedelta(days=1)),
    }
    return {name: c.id for name, c in people.items()}


def test_attrition_labels_an_exit_inside_the_horizon_of_customers_active_on_the_date(world):
    labels = feats.labels_attrition(AS_OF, HORIZON)
    got = {name: labels.get(cid) for name, cid in world.items()}
    assert got == {"stays": 0, "leaves_in_4_months": 1, "leaves_after": 0, "closes": 1,
                   "already_silent": None, "already_closed": None}


def test_attrition_scores_only_customers_who_are_not_already_silent(world):
    frame = feats.features(AS_OF)
    scored = frame.index[AttritionModel().population(frame)]
    assert world["already_silent"] not in scored
    assert {world["stays"], world["leaves_in_4_months"]} <= set(scored)


def test_attrition_trains_only_on_dates_whose_label_has_been_observed():
    """The label looks 90 days past the horizon, so the latest labelled date is that far back."""
    model = AttritionModel()
    today = date(2026, 12, 7)
    assert max(model._dates(today)) == today - timedelta(days=HORIZON + feats.DORMANT_DAYS)


# --------------------------------------------------------------------------- point in time


def write_csv(path, header: list[str], *rows: list) -> str:
    import csv

    with open(path, "w", newline="", encoding="utf-8") as f:
        out = csv.writer(f)
        out.writerow(header)
        out.writerows(rows)
    return str(path)


def test_features_of_a_past_date_do_not_change_with_todays_data(app, tmp_path):
    """What an import changes today (revenue, head count, consents, a credit limit, days
    overdue) and what happens today (a transaction, a contact) leave a past date's features
    as they were."""
    from backend.importer import service as importer
    from backend.scoring.features import snapshot_date

    today = snapshot_date()
    past = today - timedelta(days=120)
    rm = make.user("rm_pit")
    cur = make.product("CURP", family="deposit")
    loan = make.product("LOANP", family="loan", is_credit=True)
    customer = make.customer(rm, external_id="PIT1", onboarded_on=today - timedelta(days=900),
                             annual_revenue=5_000_000, employees=40, consent_marketing=True)
    current = make.account(customer, cur, balance=80_000, external_id="PITCUR",
                           opened_on=today - timedelta(days=900))
    make.account(customer, loan, balance=-300_000, external_id="PITLOAN",
                 opened_on=today - timedelta(days=400), limit_amount=500_000, days_overdue=0)
    for days in (300, 200, 130, 125, 60, 10):
        make.transaction(current, -1000, at(today - timedelta(days=days)),
                         customer_initiated=True)
    make.interaction(rm, customer, started_at=at(today - timedelta(days=140)), outcome="reached")
    db_commit()
    before = feats.features(past).loc[customer.id]

    write_csv(tmp_path / "customers.csv",
              ["external_id", "name", "employees", "annual_revenue", "consent_marketing"],
              ["PIT1", customer.name, 9, 900_000, "false"])
    write_csv(tmp_path / "accounts.csv",
              ["external_id", "customer_external_id", "product_code", "opened_on",
               "limit_amount", "days_overdue", "balance"],
              ["PITLOAN", "PIT1", "LOANP", (today - timedelta(days=400)).isoformat(), 100_000,
               45, -300_000])
    for kind in ("customers", "accounts"):
        summary = importer.import_file(kind, tmp_path / f"{kind}.csv")
        assert (summary.updated, summary.rejected) == (1, 0)
    make.transaction(current, -500, at(today - timedelta(days=1)), customer_initiated=True)
    current.balance = 80_000 - 500  # the books move with the transaction
    make.interaction(rm, customer, started_at=at(today - timedelta(days=1)), outcome="sale")
    db_commit()

    after = feats.features(past).loc[customer.id]
    assert after.to_dict() == before.to_dict()
    assert after["annual_revenue"] == 5_000_000 and after["days_overdue"] == 0
    assert after["credit_limit"] == 500_000
    now = feats.features(today).loc[customer.id]  # today reads today's values
    assert (now["annual_revenue"], now["employees"], now["credit_limit"],
            now["days_overdue"]) == (900_000, 9, 100_000, 45)


def test_an_overdue_spell_is_dated_from_the_value_it_replaced(app, tmp_path):
    """60 days overdue when replaced 10 days ago: 30 days overdue 40 days ago."""
    from backend.customers.models import FieldHistory
    from backend.scoring.features import snapshot_date

    today = snapshot_date()
    rm = make.user("rm_dpd")
    loan = make.product("LOAND", family="loan", is_credit=True)
    customer = make.customer(rm, onboarded_on=today - timedelta(days=900))
    account = make.account(customer, loan, balance=-1000, opened_on=today - timedelta(days=400),
                           limit_amount=5000, days_overdue=0)  # repaid since
    replaced_at = datetime.combine(today - timedelta(days=10), time(4))
    make.db.session.add(FieldHistory(table_name="accounts", row_id=account.id,
                                     field="days_overdue", value=60, replaced_at=replaced_at))
    db_commit()
    assert feats.features(today - timedelta(days=40)).loc[customer.id, "days_overdue"] == 30
    assert feats.features(today - timedelta(days=100)).loc[customer.id, "days_overdue"] == 0
    assert feats.features(today).loc[customer.id, "days_overdue"] == 0


def db_commit():
    make.db.session.commit()


def test_no_model_learns_from_a_contact_that_records_the_sale(app):
    """The RM logs the sale days before the account opens: that contact is the label."""
    from backend.scoring.trained_models import NUMERIC

    rm = make.user("rm_sale")
    customer = active_customer(rm, make.product("CURS"), AS_OF - timedelta(days=3))
    make.interaction(rm, customer, started_at=at(AS_OF - timedelta(days=40)), outcome="reached")
    make.interaction(rm, customer, started_at=at(AS_OF - timedelta(days=2)), outcome="sale")
    row = feats.features(AS_OF).loc[customer.id]
    assert 39 < row["days_since_contact"] < 41  # the sale is not the last contact it sees
    assert "contact_sales_12m" not in NUMERIC
