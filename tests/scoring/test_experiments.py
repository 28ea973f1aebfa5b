"""Champion/challenger experiments: stable assignment, the report's figures, access."""


import pytest
from sqlalchemy import func, insert, select, union_all

from backend.customers.models import Customer
from backend.extensions import db
from backend.models_base import utcnow
from backend.offers import experiments as offer_experiments
from backend.offers.models import Offer
from backend.scoring import experiments
from backend.scoring.models import ExperimentAssignment
from backend.timeutil import bank_today
from tests import factories

CELLS = [{"name": "champion", "share": 0.5, "version": "1"},
         {"name": "challenger", "share": 0.5, "version": "2"}]


@pytest.fixture
def people(app):
    return factories.two_teams()


def create(client, **overrides):
    body = {"name": "attrition v2", "model": "attrition", "cells": CELLS, **overrides}
    return client.post("/api/v1/experiments", json=body)


@pytest.mark.parametrize("who,status", [("analyst", 201), ("admin", 201), ("rm_a", 403),
                                        ("lead_a", 403), ("referrer", 403), (None, 401)])
def test_only_analysts_define_experiments(api, people, who, status):
    assert create(api(who)).status_code == status


@pytest.mark.parametrize("cells", [
    [{"name": "a", "share": 1.0, "version": "1"}],
    [{"name": "a", "share": 0.5, "version": "1"}, {"name": "a", "share": 0.5, "version": "2"}],
    [{"name": "a", "share": 0.5, "version": "1"}, {"name": "b", "share": 0.6, "version": "2"}],
    [{"name": "a", "share": 0.5}, {"name": "b", "share": 0.5, "version": "2"}],
])
def test_bad_cells_are_422_naming_cells(api, people, cells):
    response = create(api("analyst"), cells=cells)
    assert response.status_code == 422 and "cells" in response.get_json()["fields"]


def test_assignment_is_stable_and_follows_the_shares(api, people):
    db.session.execute(insert(Customer), [
        {"external_id": f"X{i:05d}", "name": f"企业{i}", "rm_id": people["rm_a"].id,
         "status": "closed" if i % 50 == 0 else "active"} for i in range(2000)])
    db.session.commit()
    client = api("analyst")
    experiment_id = create(client).get_json()["id"]
    assert client.post(f"/api/v1/experiments/{experiment_id}/start").get_json() == {
        "assigned": 1960}
    counts = dict(db.session.execute(
        select(ExperimentAssignment.cell, func.count()).group_by(ExperimentAssignment.cell)).all())
    assert abs(counts["champion"] - 980) < 80 and counts["champion"] + counts["challenger"] == 1960
    # The same hash puts each customer in the same cell every time.
    experiment = experiments.get(user=people["analyst"], experiment_id=experiment_id)
    again = dict(db.session.execute(
        select(Customer.id, experiments._cell_case(experiment))
        .where(Customer.status != "closed")).all())
    stored = dict(db.session.execute(
        select(ExperimentAssignment.customer_id, ExperimentAssignment.cell)).all())
    assert again == stored
    assert client.post(f"/api/v1/experiments/{experiment_id}/start").status_code == 409
    versions = dict(db.session.execute(
        union_all(*experiments.versions_by_customer("attrition"))).all())
    assert {versions[cid] for cid, cell in stored.items() if cell == "challenger"} == {"2"}


def test_wilson_interval_matches_the_textbook():
    assert offer_experiments.wilson(8, 10) == {"rate": 0.8, "low": 0.4902, "high": 0.9433, "n": 10}
    assert offer_experiments.wilson(0, 0)["rate"] is None


def test_report_compares_the_arms(api, people):
    rm = people["rm_a"]
    product = factories.product("BCARD", family="card")
    customers = [factories.customer(rm) for _ in range(40)]
    db.session.commit()
    client = api("analyst")
    experiment_id = create(client).get_json()["id"]
    assert client.post(f"/api/v1/experiments/{experiment_id}/start").status_code == 200
    cells = dict(db.session.execute(
        select(ExperimentAssignment.customer_id, ExperimentAssignment.cell)).all())
    expected = {"champion": [0, 0, 0, 0.0, 0, 0], "challenger": [0, 0, 0, 0.0, 0, 0]}
    for i, customer in enumerate(customers):
        state = ("presented", "accepted", "sold", "declined")[i % 4]
        db.session.add(Offer(customer_id=customer.id, product_id=product.id, as_of=bank_today(),
                             score=0.5, expected_value=100, state=state,
                             sold_amount=1000 if state == "sold" else None))
        factories.interaction(rm, customer, started_at=utcnow(),
                              outcome="not_reached" if i % 3 == 0 else "reached")
        e = expected[cells[customer.id]]
        e[0] += 1
        e[1] += state in ("accepted", "sold")
        e[2] += state == "sold"
        e[3] += 1000 if state == "sold" else 0
        e[4] += 1
        e[5] += i % 3 != 0
    db.session.commit()
    body = client.get(f"/api/v1/experiments/{experiment_id}/report").get_json()
    for arm in body["arms"]:
        presented, accepted, sold, amount, contacts, reached = expected[arm["cell"]]
        assert arm["acceptance"] == offer_experiments.wilson(accepted, presented)
        assert arm["sales"] == {**offer_experiments.wilson(sold, presented), "amount": amount}
        assert arm["contact_success"] == offer_experiments.wilson(reached, contacts)
    assert sum(arm["customers"] for arm in body["arms"]) == 40
    assert "name" not in str(body["arms"])  # aggregates only

    stopped = client.post(f"/api/v1/experiments/{experiment_id}/stop").get_json()
    assert stopped["state"] == "ended" and stopped["results"]["arms"] == body["arms"]
    assert api("rm_a").get(f"/api/v1/experiments/{experiment_id}/report").status_code == 403


def test_experiments_command_line(app, people):
    for _ in range(10):
        factories.customer(people["rm_a"])
    db.session.commit()
    experiment = experiments.create(user=people["analyst"], name="cli", model="attrition",
                                    cells=CELLS)
    runner = app.test_cli_runner()
    assert "assigned 10 customers" in runner.invoke(
        args=["experiments", "start", str(experiment.id)]).output
    listing = runner.invoke(args=["experiments", "list"]).output
    assert "cli" in listing and "running" in listing and "champion=50%@1" in listing
    report = runner.invoke(args=["experiments", "report", str(experiment.id)])
    assert report.exit_code == 0 and "challenger" in report.output
