"""The demo bank: contract users, consistent books, hidden truth, determinism, CLI guards."""

import csv
import json
from datetime import date, datetime, timedelta

import click
import pytest
import sqlalchemy as sa

from backend import demo, demo_models
from backend.calendar import planner
from backend.extensions import db
from backend.offers import ranking
from backend.products import catalog
from backend.products.models import Package, Product
from backend.timeutil import bank_today, start_of_bank_day
from tests.conftest import empty_tables

SMALL = {"customers": 40, "months": 6, "seed": 1, "progress": False}
TODAY = date(2025, 6, 15)
CLI_SMALL = ["demo", "load", "--customers", "40", "--months", "6", "--seed", "1"]


def load_small(**overrides) -> dict:
    return demo.load(**{**SMALL, **overrides})


def rows(sql: str, **params) -> list:
    return db.session.execute(sa.text(sql), params).all()


def scalar(sql: str, **params):
    return db.session.execute(sa.text(sql), params).scalar()


wipe = empty_tables  # to load twice in one test


def test_contract_users_exist_and_log_in(api):
    load_small()
    users = dict(rows("SELECT username, role FROM users"))
    assert users == {"rm1": "rm", "rm2": "rm", "rm3": "rm", "rm4": "rm", "rm5": "rm",
                     "lead1": "lead", "lead2": "lead", "analyst1": "analyst",
                     "referrer1": "referrer", "admin1": "admin"}
    assert scalar("SELECT line FROM users WHERE username = 'referrer1'") == "retail"
    me = api("rm1").get("/api/v1/auth/me")
    assert me.status_code == 200
    assert api("lead2").get("/api/v1/auth/me").status_code == 200
    assert api().login("rm1", "wrong-password").status_code == 401


def test_teams_follow_the_contract():
    load_small()
    team = dict(rows("SELECT username, team_id FROM users"))
    assert team["rm1"] == team["rm2"] == team["rm3"] == team["lead1"] is not None
    assert team["rm4"] == team["rm5"] == team["lead2"] is not None
    assert team["rm1"] != team["rm4"]
    grades = [g for (g,) in rows("SELECT grade FROM users WHERE role = 'rm'")]
    assert set(grades) <= {1, 2, 3, 4, 5} and len(set(grades)) > 1


def test_more_rms_come_in_teams_with_a_lead():
    load_small(customers=30, months=2, rms=12)
    rms = rows("SELECT username, team_id FROM users WHERE role = 'rm'")
    assert {u for u, _ in rms} == {f"rm{i}" for i in range(1, 13)}
    leads = dict(rows("SELECT team_id, username FROM users WHERE role = 'lead'"))
    assert set(leads.values()) == {"lead1", "lead2", "lead3", "lead4"}
    assert all(team in leads for _, team in rms)
    per_team = rows("SELECT team_id, count(*) FROM users WHERE role = 'rm' GROUP BY team_id")
    assert max(n for _, n in per_team) <= 5


def test_every_customer_has_an_rm_and_a_current_account():
    counts = load_small()
    assert counts["customers"] == scalar("SELECT count(*) FROM customers") == 40
    assert scalar("SELECT count(*) FROM customers c LEFT JOIN users u ON u.id = c.rm_id "
                  "WHERE u.id IS NULL OR u.role <> 'rm'") == 0
    without_current = scalar(
        "SELECT count(*) FROM customers c WHERE NOT EXISTS (SELECT 1 FROM accounts a "
        "JOIN products p ON p.id = a.product_id WHERE a.customer_id = c.id AND p.code = 'CUR')")
    assert without_current == 0
    # Customers are spread over all five RMs.
    assert scalar("SELECT count(DISTINCT rm_id) FROM customers") == 5
    assert scalar("SELECT count(*) FROM accounts") == counts["accounts"]
    assert scalar("SELECT count(*) FROM transactions") == counts["transactions"]
    assert counts["transactions"] > 40 * 6 * 8


def test_balances_are_the_sum_of_transactions_and_never_negative():
    load_small(today=TODAY)
    mismatched = scalar(
        "SELECT count(*) FROM accounts a LEFT JOIN (SELECT account_id, SUM(amount) AS s "
        "FROM transactions GROUP BY account_id) t ON t.account_id = a.id "
        "WHERE abs(a.balance - coalesce(t.s, 0)) > 0.005")
    assert mismatched == 0
    # Deposits and credit outstanding never dip below zero at any point in time.
    lowest = scalar(
        "SELECT min(running) FROM (SELECT SUM(amount) OVER (PARTITION BY account_id "
        "ORDER BY posted_at, id) AS running FROM transactions) AS x")
    assert float(lowest) > -0.005
    assert scalar("SELECT count(*) FROM accounts WHERE status = 'closed' "
                  "AND abs(balance) > 0.005") == 0
    # Nothing is posted on or after today (UTC timestamps of the bank's local days).
    assert scalar("SELECT max(posted_at) FROM transactions") is not None
    latest = scalar("SELECT count(*) FROM transactions WHERE posted_at >= :t",
                    t=datetime.combine(TODAY, datetime.min.time()))
    assert latest == 0


def test_status_matches_own_activity():
    load_small(customers=200, months=18, today=TODAY)
    last_own = dict(rows(
        "SELECT c.external_id, max(t.posted_at) FROM customers c JOIN accounts a "
        "ON a.customer_id = c.id JOIN transactions t ON t.account_id = a.id "
        "WHERE t.customer_initiated = :yes GROUP BY c.external_id", yes=True))
    status = dict(rows("SELECT external_id, status FROM customers"))
    assert set(status.values()) >= {"active", "dormant", "lapsed"}

    def when(value):
        return value if isinstance(value, datetime) else datetime.fromisoformat(value)

    day = datetime.combine(TODAY, datetime.min.time())
    for ext, state in status.items():
        last = when(last_own[ext]) if ext in last_own else None
        if state == "active":
            assert last is not None and last >= day - timedelta(days=90), ext
        elif state == "dormant":
            assert last is None or last < day - timedelta(days=89), ext
        elif state == "lapsed":
            assert last is None or last < day - timedelta(days=364), ext
    closed_open = scalar("SELECT count(*) FROM customers c JOIN accounts a ON a.customer_id = c.id "
                         "WHERE c.status = 'closed' AND a.status = 'open'")
    assert closed_open == 0


def test_truth_file_has_one_row_per_customer(app):
    counts = load_small()
    with open(counts["truth_path"], encoding="utf-8") as f:
        truth = list(csv.DictReader(f))
    assert counts["truth_path"] == app.config["DEMO_TRUTH_PATH"]
    assert len(truth) == 40
    assert {r["external_id"] for r in truth} == {e for (e,) in rows(
        "SELECT external_id FROM customers")}
    for row in truth:
        for column in ("attrition_hazard_12m", "default_prob_12m", "p_TD", "p_WCL", "p_POS",
                       "p_CGI", "p_RPL", "p_PWM"):
            assert 0.0 <= float(row[column]) <= 1.0


def test_same_seed_same_bank_other_seed_other_bank():
    def fingerprint(path):
        with open(path, encoding="utf-8") as f:
            truth = f.read()
        return {
            "truth": truth,
            "customers": rows(
                "SELECT c.external_id, c.name, c.name_en, c.segment, c.tier, c.status, "
                "u.username FROM customers c JOIN users u ON u.id = c.rm_id "
                "ORDER BY c.external_id"),
            "accounts": rows(
                "SELECT a.external_id, c.external_id, p.code, a.balance, a.opened_on, "
                "a.days_overdue FROM accounts a JOIN customers c ON c.id = a.customer_id "
                "JOIN products p ON p.id = a.product_id ORDER BY a.external_id"),
            "transactions": rows(
                "SELECT t.external_id, a.external_id, t.posted_at, t.amount, t.kind, t.channel "
                "FROM transactions t JOIN accounts a ON a.id = t.account_id "
                "ORDER BY t.external_id"),
            "interactions": rows(
                "SELECT i.client_id, c.external_id, i.started_at, i.outcome, i.notes "
                "FROM interactions i JOIN customers c ON c.id = i.customer_id "
                "ORDER BY i.client_id"),
            "parties": rows(
                "SELECT c.external_id, r.kind, o.external_id, r.person_name FROM related_parties r "
                "JOIN customers c ON c.id = r.customer_id LEFT JOIN customers o "
                "ON o.id = r.related_customer_id ORDER BY 1, 2, 3, 4"),
            "plan": rows(
                "SELECT c.external_id, p.day, p.state, p.channel, p.priority, p.objective, "
                "p.dismiss_reason, p.done_at FROM plan_entries p JOIN customers c "
                "ON c.id = p.customer_id ORDER BY 1, 2"),
            "offers": rows(
                "SELECT c.external_id, p.code, o.state, o.as_of, o.state_changed_at, o.score, "
                "o.sold_amount, o.decline_reason FROM offers o JOIN customers c "
                "ON c.id = o.customer_id JOIN products p ON p.id = o.product_id ORDER BY 1, 2"),
            "surveys": rows("SELECT token, created_at, answered_at, score, comment FROM surveys "
                            "ORDER BY token"),
            "referrals": rows(
                "SELECT c.external_id, r.state, r.created_at, r.acknowledged_at, r.closed_at, "
                "r.need FROM referrals r JOIN customers c ON c.id = r.customer_id "
                "ORDER BY 1, 3"),
        }

    first = fingerprint(load_small(today=TODAY)["truth_path"])
    assert first["plan"] and first["surveys"] and first["referrals"]
    wipe()
    second = fingerprint(load_small(today=TODAY)["truth_path"])
    assert first == second
    wipe()
    other = fingerprint(load_small(today=TODAY, seed=2)["truth_path"])
    assert other["customers"] != first["customers"]


def test_refuses_to_load_under_a_production_config(app, monkeypatch):
    monkeypatch.setitem(app.config, "ENV_NAME", "production")
    with pytest.raises(click.ClickException, match="production"):
        load_small()
    result = app.test_cli_runner().invoke(args=[*CLI_SMALL, "--if-empty"])
    assert result.exit_code != 0
    assert "production" in result.output
    assert scalar("SELECT count(*) FROM customers") == 0


def test_cli_loads_once_and_if_empty_then_does_nothing(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=CLI_SMALL)
    assert result.exit_code == 0, result.output
    assert "rm1" in result.output and "demo1234" in result.output
    before = (scalar("SELECT count(*) FROM customers"), scalar("SELECT count(*) FROM transactions"))
    assert before[0] == 40

    quiet = runner.invoke(args=[*CLI_SMALL, "--if-empty"])
    assert quiet.exit_code == 0
    assert quiet.output == ""
    refused = runner.invoke(args=CLI_SMALL)
    assert refused.exit_code != 0
    assert "already holds 40 customers" in refused.output
    after = (scalar("SELECT count(*) FROM customers"), scalar("SELECT count(*) FROM transactions"))
    assert after == before


def test_rm1_sees_a_full_360_card(api):
    load_small()
    rm1 = api("rm1")
    page = rm1.get("/api/v1/customers?per_page=100").get_json()
    assert page["total"] > 0
    mine = {c["id"] for c in page["items"]}
    customer_id = next(iter(sorted(mine)))
    response = rm1.get(f"/api/v1/customers/{customer_id}")
    assert response.status_code == 200
    card = response.get_json()
    assert card["accounts"] and card["transactions"]
    assert all(a["product"]["code"] and a["product"]["name"] for a in card["accounts"])
    assert card["segment"] in ("large", "medium", "small", "micro")
    assert card["tier"] in ("basic", "intermediate", "advanced")
    assert card["related_parties"][0]["kind"] == "owner"
    # The month-end series derived backwards from today's balance ends at today's balance.
    deposits = sum(float(a["balance"]) for a in card["accounts"]
                   if a["product"]["family"] == "deposit")
    assert card["series"]["deposit_balance"][-1] == pytest.approx(deposits, abs=0.05)
    # Another team's customer stays invisible.
    other = scalar("SELECT c.id FROM customers c JOIN users u ON u.id = c.rm_id "
                   "WHERE u.username = 'rm4' ORDER BY c.id LIMIT 1")
    assert rm1.get(f"/api/v1/customers/{other}").status_code == 404


def test_interactions_are_the_owning_rms_with_unique_client_ids():
    counts = load_small()
    assert counts["interactions"] > 0
    assert scalar("SELECT count(*) FROM interactions i JOIN customers c ON c.id = i.customer_id "
                  "WHERE i.rm_id <> c.rm_id") == 0
    assert scalar("SELECT count(DISTINCT client_id) FROM interactions") == counts["interactions"]
    outcomes = {o for (o,) in rows("SELECT DISTINCT outcome FROM interactions")}
    assert outcomes <= {"reached", "not_reached", "interested", "sale", "declined", "follow_up",
                        "complaint", "info"}


def test_catalog_seed_is_idempotent_and_keeps_edits():
    first = catalog.seed_catalog()
    assert first["products_created"] >= 14 and first["packages_created"] == 3
    product = db.session.scalar(sa.select(Product).where(Product.code == "WCL"))
    product.rate = 0.05
    db.session.commit()
    again = catalog.seed_catalog()
    assert again["products_created"] == again["packages_created"] == 0
    assert float(db.session.scalar(sa.select(Product.rate).where(Product.code == "WCL"))) == 0.05
    advanced = db.session.scalar(sa.select(Package).where(Package.tier == "advanced"))
    assert advanced.counts_linked_accounts
    assert {p.code for p in advanced.products} >= {"CUR", "MMF", "TD", "INST", "UCC", "BCARD",
                                                   "CGI", "WCL"}
    ladder = advanced.fee_rules
    fees = [catalog.package_fee(ladder, advanced.min_balance, advanced.monthly_fee, b)
            for b in (10_000, 100_000, 200_000, 400_000)]
    assert fees == [100, 50, 25, 0]
    basic = db.session.scalar(sa.select(Package).where(Package.tier == "basic"))
    assert (float(basic.min_balance), basic.free_transactions) == (7500, 100)


# --------------------------------------------------------------------------- app-use history

HISTORY = {"customers": 300, "months": 8, "seed": 5, "progress": False, "today": TODAY}


def when(value):
    return value if value is None or isinstance(value, datetime) else \
        datetime.fromisoformat(value)


def day_of(value) -> date:
    return value if isinstance(value, date) else date.fromisoformat(value)


def test_history_of_plan_entries_follows_the_contacts():
    counts = demo.load(**HISTORY)
    assert counts["plan_entries"] == scalar("SELECT count(*) FROM plan_entries")
    states = dict(rows("SELECT state, count(*) FROM plan_entries GROUP BY state"))
    assert set(states) == {"done", "missed", "dismissed"}
    assert 0.05 < states["missed"] / counts["plan_entries"] < 0.12
    assert 0.08 < states["dismissed"] / counts["plan_entries"] < 0.16
    start = TODAY - timedelta(days=demo.HISTORY_DAYS)
    days = rows("SELECT min(day), max(day) FROM plan_entries")[0]
    assert str(days[0]) >= start.isoformat() and str(days[1]) < TODAY.isoformat()
    # Every contact of the window is linked to a done entry of its RM, customer and day.
    window = datetime.combine(start, datetime.min.time()) + timedelta(hours=8)
    assert scalar("SELECT count(*) FROM interactions WHERE started_at >= :w "
                  "AND plan_entry_id IS NULL", w=window) == 0
    assert scalar("SELECT count(*) FROM interactions i JOIN plan_entries p "
                  "ON p.id = i.plan_entry_id WHERE p.state <> 'done' OR p.rm_id <> i.rm_id "
                  "OR p.customer_id <> i.customer_id") == 0
    assert scalar("SELECT count(*) FROM plan_entries WHERE state = 'dismissed' "
                  "AND (dismiss_reason IS NULL OR dismiss_reason = '')") == 0
    # Reasons are the planner's chips.
    for (reasons,) in rows("SELECT reasons FROM plan_entries"):
        chips = reasons if isinstance(reasons, list) else json.loads(reasons)
        assert chips and all(set(c) == {"code", "zh", "en", "value"} for c in chips)
    # Each missed entry was made up later: none of them comes back in today's plan.
    assert scalar("SELECT count(*) FROM plan_entries m WHERE m.state = 'missed' AND NOT EXISTS "
                  "(SELECT 1 FROM plan_entries d WHERE d.customer_id = m.customer_id "
                  "AND d.state = 'done' AND d.day > m.day)") == 0
    assert planner.plan(TODAY) > 0
    assert scalar("SELECT count(*) FROM plan_entries WHERE state = 'planned'") > 0
    assert scalar("SELECT count(*) FROM plan_entries WHERE state = 'planned' "
                  "AND carried_days > 0") == 0


def test_history_of_offers_is_a_funnel_the_nightly_ranking_keeps():
    counts = demo.load(**HISTORY)
    states = dict(rows("SELECT state, count(*) FROM offers GROUP BY state"))
    assert sum(states.values()) == counts["offers"]
    assert set(states) <= {"presented", "accepted", "declined", "sold"}
    presented = sum(states.values())
    assert 0.3 < (states.get("accepted", 0) + states["sold"]) / presented < 0.6
    assert scalar("SELECT count(*) FROM offers WHERE state = 'declined' "
                  "AND decline_reason IS NULL") == 0
    assert scalar("SELECT count(*) FROM offers o JOIN customers c ON c.id = o.customer_id "
                  "WHERE o.state = 'sold' AND (o.sold_amount IS NULL OR o.sold_amount <= 0 "
                  "OR o.credited_rm_id <> c.rm_id)") == 0
    # Offered products were not held when offered.
    assert scalar("SELECT count(*) FROM offers o JOIN accounts a ON a.customer_id = o.customer_id "
                  "AND a.product_id = o.product_id WHERE a.opened_on <= o.as_of "
                  "AND (a.closed_on IS NULL OR a.closed_on > o.as_of)") == 0
    latest = when(scalar("SELECT max(state_changed_at) FROM offers"))
    assert latest < datetime.combine(TODAY, datetime.min.time())
    before = rows("SELECT id, state, state_changed_at FROM offers ORDER BY id")
    ranking._store(TODAY, {})  # a nightly run: only suggestions expire
    assert rows("SELECT id, state, state_changed_at FROM offers ORDER BY id") == before


def test_history_of_surveys_and_referrals():
    counts = demo.load(**HISTORY)
    surveys = rows("SELECT token, created_at, sent_at, expires_at, answered_at, score "
                   "FROM surveys")
    assert len(surveys) == counts["surveys"] > 0
    assert len({s[0] for s in surveys}) == len(surveys)
    answered = [s for s in surveys if s[4] is not None]
    assert 0.4 < len(answered) / len(surveys) < 0.8
    for token, created, sent, expires, answered_at, score in surveys:
        created, expires, answered_at = when(created), when(expires), when(answered_at)
        assert len(token) == 32 and when(sent) == created
        assert expires == created + timedelta(days=14)
        if answered_at is not None:
            assert created < answered_at <= created + timedelta(days=3) and 1 <= score <= 5
    assert scalar("SELECT count(*) FROM surveys s JOIN interactions i ON i.id = s.interaction_id "
                  "WHERE i.outcome = 'not_reached' OR i.rm_id <> s.rm_id") == 0
    per_rm = rows("SELECT rm_id, avg(score) FROM surveys WHERE score IS NOT NULL "
                  "GROUP BY rm_id")
    assert len({round(float(a), 2) for _, a in per_rm}) > 1

    referrals = rows("SELECT r.state, r.created_at, r.ack_due_at, r.contact_due_at, "
                     "r.acknowledged_at, r.first_contact_at, r.closed_at, r.lost_reason, "
                     "r.credit, r.from_line, u.username, c.rm_id = r.rm_id FROM referrals r "
                     "JOIN users u ON u.id = r.referrer_id JOIN customers c "
                     "ON c.id = r.customer_id")
    assert len(referrals) == counts["referrals"] > 0
    assert {r[0] for r in referrals} >= {"won", "lost", "contacted"}
    tomorrow = start_of_bank_day(TODAY + timedelta(days=1))  # nothing after "now"
    for state, created, ack_due, contact_due, ack, first, closed, lost, credit, line, who, own \
            in referrals:
        created, ack_due, contact_due = when(created), when(ack_due), when(contact_due)
        steps = [when(x) for x in (created, ack, first, closed) if x is not None]
        assert steps == sorted(steps) and steps[-1] < tomorrow
        assert created < ack_due < contact_due
        assert who == "referrer1" and line in ("retail", "private") and own
        assert (closed is not None) == (state in ("won", "lost"))
        assert (lost is not None) == (state == "lost")
        credit = credit if isinstance(credit, dict | None) else json.loads(credit)
        assert (credit is not None) == (state == "won")
        if credit:
            assert set(credit) == {"rm_id", "referrer_id", "offer_id", "amount"}
    won = scalar("SELECT count(*) FROM referrals WHERE state = 'won'")
    assert scalar("SELECT count(*) FROM referrals r JOIN offers o ON o.referral_id = r.id "
                  "WHERE r.state = 'won' AND o.state = 'sold'") == won


def test_history_of_key_moments_as_the_detectors_raised_them_and_what_the_rms_did(app):
    counts = demo.load(**HISTORY)
    moments = rows("SELECT m.kind, m.state, m.due_on, m.created_at, m.resolved_at, m.resolved_by, "
                   "m.resolution, c.rm_id FROM key_moments m JOIN customers c "
                   "ON c.id = m.customer_id")
    assert len(moments) == counts["moments"] > 0
    states = {state for _, state, *_ in moments}
    assert states == {"open", "done", "dismissed"}
    start = start_of_bank_day(TODAY - timedelta(days=demo.HISTORY_DAYS))
    now = datetime.now()
    sla = app.config["MOMENT_SLA_DAYS"]
    in_sla = late = 0
    for kind, state, due, created, resolved, by, why, rm in moments:
        due, created, resolved = day_of(due), when(created), when(resolved)
        assert start <= created < start_of_bank_day(TODAY)  # a nightly run of the window
        if state == "open":
            assert resolved is None and by is None
            # an open moment is not yet due, or due within the overdue look-back
            assert due >= TODAY - timedelta(days=app.config["OVERDUE_LOOKBACK_DAYS"])
            continue
        assert created < resolved < now and by == rm and due < TODAY
        assert (why is not None) == (state == "dismissed")
        deadline = start_of_bank_day(due + timedelta(days=sla.get(kind, sla["default"]) + 1))
        in_sla, late = in_sla + (resolved < deadline), late + (resolved >= deadline)
    # most were handled in time, some late: the lead's "in SLA" figure has a past
    assert 0.55 < in_sla / (in_sla + late) < 0.95
    # tonight's detectors leave what the RMs handled as it is
    handled = rows("SELECT id, state, resolved_at FROM key_moments WHERE state <> 'open' "
                   "ORDER BY id")
    from backend.moments import detectors
    detectors.detect(TODAY)
    assert rows("SELECT id, state, resolved_at FROM key_moments WHERE id <= :last "
                "AND state <> 'open' ORDER BY id", last=handled[-1][0]) == handled


def test_demo_models_have_a_past_and_an_experiment_the_nightly_scoring_follows(app):
    from backend.auth.models import User
    from backend.customers.portfolio import Viewer
    from backend.reports import service as reports
    from backend.scoring import service as scoring

    demo.load(**{**HISTORY, "months": 24, "today": None})
    runner = app.test_cli_runner()
    result = runner.invoke(args=["demo", "models", "--if-untrained"])
    assert result.exit_code == 0, result.output
    versions = rows("SELECT name, version, role, trained_at FROM model_versions")
    today = bank_today()  # the demo trains as of the bank's day, not the machine's (UTC)
    champions = {f"{today - timedelta(days=d):%Y%m%d}" for d in demo_models.CHAMPIONS_DAYS_AGO}
    challenger = f"{today - timedelta(days=demo_models.CHALLENGER_DAYS_AGO):%Y%m%d}"
    by_role = {role: {v for _, v, r, _ in versions if r == role} for _, _, role, _ in versions}
    assert by_role == {"champion": champions, "challenger": {challenger}}
    assert {n for n, _, r, _ in versions if r == "challenger"} == {"attrition"}
    for _, version, _, trained_at in versions:  # the night after the data date
        assert when(trained_at) > start_of_bank_day(datetime.strptime(version, "%Y%m%d").date())
        assert when(trained_at) < start_of_bank_day(today)

    experiment = rows("SELECT id, model, state, started_on, cells FROM experiments")
    assert len(experiment) == 1
    eid, model, state, started_on, cells = experiment[0]
    assert (model, state) == ("attrition", "running")
    cells = cells if isinstance(cells, list) else json.loads(cells)
    assert [c["version"] for c in cells] == [
        f"{today - timedelta(days=min(demo_models.CHAMPIONS_DAYS_AGO)):%Y%m%d}", challenger]
    arms = dict(rows("SELECT cell, count(*) FROM experiment_assignments GROUP BY cell"))
    assert 0.1 < arms["challenger"] / sum(arms.values()) < 0.3

    # the nightly scoring scores each arm with its version
    scoring.score_all(as_of=today, names=["attrition"])
    scored = dict(rows("SELECT a.cell, count(DISTINCT s.version) || ':' || min(s.version) "
                       "FROM scores s JOIN experiment_assignments a "
                       "ON a.customer_id = s.customer_id WHERE s.model = 'attrition' "
                       "GROUP BY a.cell"))
    assert scored == {"champion": f"1:{cells[0]['version']}", "challenger": f"1:{challenger}"}

    # the analysts' report has arms to compare and each model's metrics over time
    analyst = Viewer.of(db.session.scalar(sa.select(User).where(User.username == "analyst1")))
    report = reports.products_report(analyst, None, today)
    assert {r["cell"] for r in report["tables"]["experiments"]} == {"champion", "challenger"}
    assert len({r["version"] for r in report["tables"]["models"]
                if r["model"] == "attrition"}) == 3

    again = runner.invoke(args=["demo", "models", "--if-untrained"])
    assert again.exit_code == 0 and again.output == ""
    assert len(rows("SELECT id FROM model_versions")) == len(versions)
