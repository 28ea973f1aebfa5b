"""The report routes: who may see what, errors naming the field, CSV exports that match
the JSON, and snapshots served for past months (the world is in tests/reports/conftest.py;
its report month, May 2026, has ended whatever day the tests run)."""

import csv
import io
from datetime import date

import pytest

from backend.extensions import db
from backend.reports import service
from tests import factories
from tests.reports.conftest import utc

MONTH = "2026-05"


@pytest.fixture
def api(api_once):
    return api_once


def parse_csv(response) -> list[dict]:
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "text/csv"
    assert response.get_data()[:3] == b"\xef\xbb\xbf"  # the byte-order mark Excel needs
    return list(csv.DictReader(io.StringIO(response.get_data().decode("utf-8-sig"))))


def as_text(value) -> str:
    return "" if value is None else str(value)


def test_an_rm_gets_their_own_report(world, api):
    body = api("rm_a").get(f"/api/v1/reports/rm?month={MONTH}").get_json()
    assert body["rm"]["id"] == world["rm_a"].id and body["figures"]["contacts_logged"] == 3
    assert body["team"]["name"] == "A"


def test_an_rm_never_sees_another_rms_report(world, api):
    rm_a = api("rm_a")
    for other in ("rm_a2", "rm_b", "lead_a"):
        response = rm_a.get(f"/api/v1/reports/rm?rm={world[other].id}")
        assert response.status_code == 403, other
    assert rm_a.get(f"/api/v1/reports/rm?rm={world['rm_a'].id}").status_code == 200
    assert rm_a.get("/api/v1/reports/team").status_code == 403
    assert rm_a.get("/api/v1/reports/products").status_code == 403


def test_a_lead_sees_their_team_only(world, api):
    lead = api("lead_a")
    mate = lead.get(f"/api/v1/reports/rm?rm={world['rm_a2'].id}&month={MONTH}").get_json()
    assert mate["rm"]["id"] == world["rm_a2"].id and mate["figures"]["contacts_logged"] == 2
    for outsider in ("rm_b", "lead_b", "lead_a", "analyst"):
        response = lead.get(f"/api/v1/reports/rm?rm={world[outsider].id}")
        assert response.status_code == 404, outsider
    missing = lead.get("/api/v1/reports/rm")
    assert missing.status_code == 422 and "rm" in missing.get_json()["fields"]
    team = lead.get(f"/api/v1/reports/team?month={MONTH}").get_json()
    assert {r["rm_id"] for r in team["tables"]["rms"]} == {world["rm_a"].id, world["rm_a2"].id}
    other = api("lead_b").get(f"/api/v1/reports/team?month={MONTH}").get_json()
    assert [r["rm_id"] for r in other["tables"]["rms"]] == [world["rm_b"].id]


def test_analysts_get_aggregates_without_customer_data(world, api):
    analyst = api("analyst")
    assert analyst.get("/api/v1/reports/rm").status_code == 403
    assert analyst.get(f"/api/v1/reports/rm?rm={world['rm_a'].id}").status_code == 403
    assert analyst.get("/api/v1/reports/team").status_code == 403
    response = analyst.get(f"/api/v1/reports/products?month={MONTH}")
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    for key in ("c1", "c2", "c3", "d1", "b1"):
        assert world[key].name not in text and world[key].external_id not in text
    assert api("lead_a").get("/api/v1/reports/products").status_code == 200


@pytest.mark.parametrize("who", ["referrer", "admin"])
def test_other_roles_get_no_rm_or_team_report(world, api, who):
    client = api(who)
    assert client.get("/api/v1/reports/rm").status_code == 403
    assert client.get("/api/v1/reports/team").status_code == 403


def test_the_referrer_gets_no_products_report(world, api):
    assert api("referrer").get("/api/v1/reports/products").status_code == 403


def test_signed_out_gets_401(world, api):
    for path in ("rm", "team", "products"):
        assert api().get(f"/api/v1/reports/{path}").status_code == 401


@pytest.mark.parametrize("query, field", [
    ("month=2026-13", "month"), ("month=May", "month"), ("month=2999-01", "month"),
    ("format=xml", "format"), ("format=csv&table=nope", "table"), ("rm=abc", "rm"),
])
def test_bad_queries_name_the_field(world, api, query, field):
    response = api("rm_a").get(f"/api/v1/reports/rm?{query}")
    assert response.status_code == 422, response.get_data(as_text=True)
    body = response.get_json()
    assert body["error"] and field in str(body["fields"])


@pytest.mark.parametrize("who, path", [
    ("rm_a", "rm"), ("lead_a", "team"), ("analyst", "products")])
def test_every_table_exports_as_csv_matching_the_json(world, api, who, path):
    client = api(who)
    body = client.get(f"/api/v1/reports/{path}?month={MONTH}").get_json()
    assert body["tables"]
    for name, rows in body["tables"].items():
        exported = parse_csv(client.get(f"/api/v1/reports/{path}?month={MONTH}"
                                        f"&format=csv&table={name}"))
        assert len(exported) == len(rows), name
        for got, want in zip(exported, rows, strict=True):
            assert got == {k: as_text(v) for k, v in want.items()}, name


def test_csv_by_accept_header_gives_the_first_table_as_a_download(world, api):
    response = api("lead_a").get(f"/api/v1/reports/team?month={MONTH}",
                                 headers={"Accept": "text/csv"})
    rows = parse_csv(response)
    assert {r["rm_name"] for r in rows} == {"rm_a", "rm_a2"}
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="team-team{world["rm_a"].team_id}-{MONTH}-rms.csv"')
    # a browser's Accept (*/*, html first) still gets JSON
    browser = api("lead_a").get("/api/v1/reports/team",
                                headers={"Accept": "text/html,*/*;q=0.8"})
    assert browser.mimetype == "application/json"


def test_a_past_month_is_served_from_its_snapshot(world, api, app):
    from backend.timeutil import bank_today

    service.take_snapshots(MONTH, bank_today())
    db.session.commit()
    factories.interaction(world["rm_a"], world["c1"], utc(date(2026, 5, 20), 10), "visit")
    db.session.commit()
    body = api("rm_a").get(f"/api/v1/reports/rm?month={MONTH}").get_json()
    assert body["snapshot"]["taken_at"] and body["figures"]["contacts_logged"] == 3
    # scoping still applies to snapshots
    assert api("rm_a2").get(f"/api/v1/reports/rm?rm={world['rm_a'].id}"
                            f"&month={MONTH}").status_code == 403
    live = api("rm_a").get("/api/v1/reports/rm").get_json()
    assert live["snapshot"] is None and live["closed"] is False


def test_the_reports_are_in_the_openapi_spec(app, client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    for path in ("rm", "team", "products"):
        assert f"/api/v1/reports/{path}" in paths
