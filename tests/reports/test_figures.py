"""Each report figure computed by hand on factory data (tests/reports/conftest.py) and
compared with what the reports say."""

from datetime import date, datetime

import pytest

from backend.customers.portfolio import Viewer
from backend.extensions import db
from backend.offers.experiments import wilson
from backend.reports import service
from backend.scoring.models import Experiment, ExperimentAssignment, ModelVersion
from tests import factories
from tests.reports.conftest import TODAY, utc


def viewer(user):
    return Viewer.of(user)


EXPECTED_RM_A = {
    # 3 visits and 2 calls, and the call missed on 11 May (past the overdue look-back)
    "contacts_planned": 6, "contacts_done": 3, "plan_done_rate": 0.5,
    # May 1 00:10, May 31 23:50 and the edited call (once, as its latest version)
    "contacts_logged": 3, "calls": 2, "visits": 1, "reached": 2, "reach_rate": 0.6667,
    "sales_amount": 1250.0,
    "moments_due": 3, "moments_in_sla": 1, "moments_late": 1, "moments_overdue": 1,
    "sla_rate": 0.3333,
    "offers_presented": 4, "offers_accepted": 2, "offers_sold": 1, "sold_amount": 5000.0,
    "acceptance_rate": 0.5, "conversion_rate": 0.25,
    "referrals_in": 2, "referrals_in_won": 1, "referrals_out": 1, "referrals_out_won": 1,
    "satisfaction_responses": 2, "satisfaction_index": 87.5,
    "overdue_entries": 1,
}
EXPECTED_RM_A2 = {
    "contacts_planned": 1, "contacts_done": 1, "contacts_logged": 2, "calls": 1, "visits": 0,
    "reached": 2, "sales_amount": 0.0, "moments_due": 1, "moments_in_sla": 1,
    "offers_presented": 0, "referrals_in": 1, "referrals_in_won": 1, "referrals_out": 0,
    "satisfaction_responses": 1, "satisfaction_index": 50.0, "overdue_entries": 0,
}


def test_an_rms_figures_match_the_hand_count(world):
    body = service.rm_report(viewer(world["rm_a"]), None, "2026-05", TODAY)
    assert body["month"] == "2026-05" and body["from"] == "2026-05-01"
    assert body["to"] == "2026-05-31" and body["closed"] is True and body["snapshot"] is None
    for name, value in EXPECTED_RM_A.items():
        assert body["figures"][name] == value, name
    mate = service.rm_report(viewer(world["lead_a"]), world["rm_a2"].id, "2026-05", TODAY)
    for name, value in EXPECTED_RM_A2.items():
        assert mate["figures"][name] == value, name


def test_the_team_median_is_over_the_teams_rms_only(world):
    body = service.rm_report(viewer(world["rm_a"]), None, "2026-05", TODAY)
    median = body["team_median"]
    assert median["contacts_logged"] == 2.5  # rm_a 3, rm_a2 2 (rm_b's 1 is another team)
    assert median["satisfaction_index"] == 68.75  # (87.5 + 50) / 2
    assert median["offers_presented"] == 2.0  # rm_a 4, rm_a2 0
    assert median["sla_rate"] == pytest.approx((1 / 3 + 1) / 2, abs=1e-4)
    rows = {r["figure"]: r for r in body["tables"]["figures"]}
    assert rows["contacts_logged"] == {"figure": "contacts_logged", "value": 3,
                                       "team_median": 2.5}


def test_channels_and_funnel_tables(world):
    tables = service.rm_report(viewer(world["rm_a"]), None, "2026-05", TODAY)["tables"]
    channels = {r["channel"]: r for r in tables["channels"]}
    assert channels["visit"] == {"channel": "visit", "planned": 3, "done": 2, "logged": 1,
                                 "reached": 1}
    assert channels["call"] == {"channel": "call", "planned": 3, "done": 1, "logged": 2,
                                "reached": 1}
    assert channels["email"]["planned"] == channels["email"]["logged"] == 0
    assert [(r["stage"], r["count"], r["team_median"]) for r in tables["funnel"]] == [
        ("presented", 4, 2.0), ("accepted", 2, 1.0), ("sold", 1, 0.5)]


def test_weekly_and_monthly_trends_count_bank_days(world):
    tables = service.rm_report(viewer(world["rm_a"]), None, "2026-05", TODAY)["tables"]
    weekly = tables["weekly"]
    assert len(weekly) == 12 and weekly[-1]["week"] == "2026-05-25"  # Monday of May 31
    assert weekly[-1]["contacts"] == 1  # May 31 23:50 local; June 1 is past the month
    first_may_week = next(w for w in weekly if w["week"] == "2026-04-27")
    # April 30 23:59 and May 1 00:10 (bank time) are both in the week of 27 April
    assert first_may_week["contacts"] == 2
    monthly = {m["month"]: m for m in tables["monthly"]}
    assert len(monthly) == 12 and list(monthly)[-1] == "2026-05"
    assert monthly["2026-05"]["contacts"] == 3 and monthly["2026-04"]["contacts"] == 1
    assert monthly["2026-05"]["sales_amount"] == 1250.0
    assert monthly["2026-05"]["team_median_contacts"] == 2.5


def test_the_team_dashboard(world):
    body = service.team_report(viewer(world["lead_a"]), "2026-05", TODAY)
    rows = {r["rm_id"]: r for r in body["tables"]["rms"]}
    assert set(rows) == {world["rm_a"].id, world["rm_a2"].id}
    for name, value in EXPECTED_RM_A.items():
        assert rows[world["rm_a"].id][name] == value, name
    assert body["totals"]["contacts_logged"] == 5 and body["totals"]["offers_presented"] == 4
    assert body["totals"]["reach_rate"] == 0.8  # 4 reached of 5
    assert body["median"]["contacts_logged"] == 2.5
    assert body["approvals"] == {"risk_cases": 1, "quotes": 1, "total": 2}
    assert body["tables"]["risk_cases"] == [
        {"severity": 3, "open": 1, "pending_approval": 0, "exposure": 1000.0},
        {"severity": 2, "open": 1, "pending_approval": 1, "exposure": 500.0},
        {"severity": 1, "open": 0, "pending_approval": 0, "exposure": 0.0}]
    channels = {r["channel"]: r for r in body["tables"]["channels"]}
    assert channels["call"]["logged"] == 3 and channels["message"]["logged"] == 1
    weekly = {w["week"]: w for w in body["tables"]["weekly"]}
    assert weekly["2026-05-11"]["contacts"] == 2  # rm_a2's call and message
    assert weekly["2026-05-04"]["contacts"] == 1  # rm_a's edited call (Sunday 10 May), once


def test_the_running_month_stops_at_today(world):
    body = service.rm_report(viewer(world["rm_a"]), None, None, TODAY)
    assert body["month"] == "2026-06" and body["to"] == "2026-06-20"
    assert body["closed"] is False
    # June 1 00:30 call; the plan entries of 10, 12 and 15 June
    assert body["figures"]["contacts_logged"] == 1
    assert body["figures"]["contacts_planned"] == 3 and body["figures"]["contacts_done"] == 1


def test_products_report(world):
    db.session.add(ModelVersion(name="attrition", version="20260401", kind="trained",
                                trained_at=datetime(2026, 4, 1, 2),
                                metrics={"auc": 0.71, "validation": {"n": 900, "lift_10": 2.5}}))
    db.session.add(ModelVersion(name="attrition", version="20260501", kind="trained",
                                trained_at=datetime(2026, 5, 1, 2),
                                metrics={"auc": 0.74, "validation": {"n": 950}}))
    db.session.add(ModelVersion(name="attrition", version="20260701", kind="trained",
                                trained_at=datetime(2026, 7, 1, 2), metrics={"auc": 0.9}))
    experiment = Experiment(name="pricing-test", model="attrition", state="running",
                            started_on=date(2026, 5, 1),
                            cells=[{"name": "champion", "share": 0.5, "version": "20260401"},
                                   {"name": "challenger", "share": 0.5,
                                    "version": "20260501"}])
    db.session.add(experiment)
    db.session.flush()
    for c, cell in ((world["c1"], "champion"), (world["c2"], "challenger"),
                    (world["c3"], "challenger")):
        db.session.add(ExperimentAssignment(experiment_id=experiment.id, customer_id=c.id,
                                            cell=cell, assigned_on=date(2026, 5, 1)))
    db.session.commit()
    body = service.products_report(viewer(world["analyst"]), "2026-05", TODAY)
    models = body["tables"]["models"]
    assert [(m["version"], m["auc"]) for m in models] == [("20260401", 0.71), ("20260501", 0.74)]
    assert models[0]["lift_10"] == 2.5 and models[0]["n"] == 900
    arms = {a["cell"]: a for a in body["tables"]["experiments"]}
    # champion: c1's presented and sold offers; challenger: c2 accepted + c3 declined
    champion = wilson(1, 2)
    assert arms["champion"]["acceptance_rate"] == champion["rate"]
    assert arms["champion"]["acceptance_low"] == champion["low"]
    assert arms["champion"]["acceptance_high"] == champion["high"]
    assert arms["challenger"]["customers"] == 2
    assert arms["challenger"]["acceptance_n"] == 2
    portfolio = {p["code"]: p for p in body["tables"]["portfolio"]}
    assert set(portfolio) == {"LOAN"}
    monthly = {m["month"]: m for m in body["tables"]["monthly"]}
    assert monthly["2026-05"]["offers_sold"] == 2  # rm_a's and rm_b's
    assert monthly["2026-05"]["sold_amount"] == 5300.0
    assert monthly["2026-04"]["offers_sold"] == 1


def test_snapshots_keep_a_past_month_as_it_was(world):
    taken = service.take_snapshots("2026-05", TODAY)
    db.session.commit()
    assert taken == 2 + 3 + 1  # two teams, their three RMs, and the products report
    factories.interaction(world["rm_a"], world["c1"], utc(date(2026, 5, 20), 10), "visit")
    db.session.commit()
    body = service.rm_report(viewer(world["rm_a"]), None, "2026-05", TODAY)
    assert body["snapshot"]["taken_at"] and body["figures"]["contacts_logged"] == 3
    assert service.team_report(viewer(world["lead_a"]), "2026-05", TODAY)["snapshot"]
    # taking it again keeps the first one
    service.take_snapshots("2026-05", TODAY)
    db.session.commit()
    again = service.rm_report(viewer(world["rm_a"]), None, "2026-05", TODAY)
    assert again["figures"]["contacts_logged"] == 3
    # a month without a snapshot is computed from today's data
    assert service.rm_report(viewer(world["rm_a"]), None, "2026-04", TODAY)["snapshot"] is None


def test_the_running_month_cannot_be_snapshot(world):
    from backend.errors import Invalid

    with pytest.raises(Invalid) as error:
        service.take_snapshots("2026-06", TODAY)
    assert "month" in error.value.fields


def test_the_nightly_step_snapshots_last_month_once(world):
    from backend.reports.steps import snapshot_step

    assert snapshot_step(date(2026, 6, 1)) > 0
    db.session.commit()
    assert snapshot_step(date(2026, 6, 2)) == 0
    assert service.has_snapshots("2026-05") and not service.has_snapshots("2026-04")
