"""No report export can carry a formula: text cells a spreadsheet would run (starting with
=, +, -, @, tab or carriage return) come out behind a quote, numbers stay numbers, and every
table of every report is written by the one function that escapes (backend/csvfiles.py)."""

import csv
import io
from collections import Counter
from datetime import date, datetime

import pytest

from backend import csvfiles
from backend.extensions import db
from backend.scoring.models import Experiment, ExperimentAssignment, ModelVersion
from tests import factories

MONTH = "2026-05"
# Names that would run as formulas, one per leading character, each where a report shows it.
RM_NAMES = {"rm_a": '=HYPERLINK("http://x","y")', "rm_a2": "+rm two"}
PRODUCT_NAMES = {"P-MINUS": ("-5% off", "@SUM(A1)"), "P-TAB": ("\tTabbed", "\rReturned")}
EXPERIMENT = "=pricing test"
MODEL = "@churn"
SEEDED = {*RM_NAMES.values(), *(n for names in PRODUCT_NAMES.values() for n in names),
          EXPERIMENT, MODEL}
KINDS = [("rm_a", "rm"), ("lead_a", "team"), ("analyst", "products")]


@pytest.fixture
def api(api_once):
    return api_once


@pytest.fixture
def named_world(world):
    for who, name in RM_NAMES.items():
        world[who].display_name = name
    for code, (name, name_en) in PRODUCT_NAMES.items():
        world[code] = factories.product(code, name=name, name_en=name_en)
    # one holder, a cost of 100 and 625 * 2% earned: a margin of -87.5, a negative number
    factories.account(world["c1"], world["P-MINUS"], balance=625)
    db.session.add(ModelVersion(name="attrition", version="20260401", kind="trained",
                                trained_at=datetime(2026, 4, 1, 2), metrics={"auc": 0.71}))
    db.session.add(ModelVersion(name=MODEL, version="20260402", kind="trained",
                                trained_at=datetime(2026, 4, 2, 2), metrics={"auc": 0.6}))
    experiment = Experiment(name=EXPERIMENT, model="attrition", state="running",
                            started_on=date(2026, 5, 1),
                            cells=[{"name": "champion", "share": 1.0, "version": "20260401"}])
    db.session.add(experiment)
    db.session.flush()
    db.session.add(ExperimentAssignment(experiment_id=experiment.id,
                                        customer_id=world["c1"].id, cell="champion",
                                        assigned_on=date(2026, 5, 1)))
    db.session.commit()
    return world


def export(client, path: str, table: str) -> list[list[str]]:
    """A table's CSV as the csv module reads it: the header, then the rows."""
    response = client.get(f"/api/v1/reports/{path}?month={MONTH}&format=csv&table={table}")
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "text/csv"
    text = response.get_data().decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text, newline="")))


def as_text(value) -> str:
    return "" if value is None else str(value)


@pytest.mark.parametrize("who, path", KINDS)
def test_formula_text_is_escaped_and_numbers_stay_numbers(named_world, api, who, path):
    client = api(who)
    body = client.get(f"/api/v1/reports/{path}?month={MONTH}").get_json()
    found, negatives = set(), []
    for name, rows in body["tables"].items():
        header, *cells = export(client, path, name)
        assert len(cells) == len(rows), name
        for got, want in zip(cells, rows, strict=True):
            exported = dict(zip(header, got, strict=True))
            assert set(exported) == set(want), name  # JSON sorts the keys, the CSV does not
            for column, value in want.items():
                cell = exported[column]
                if value in SEEDED:
                    assert cell == "'" + value, (name, column)  # shown, never run
                    found.add(value)
                else:
                    assert cell == as_text(value), (name, column)
                if isinstance(value, int | float) and value < 0:
                    assert float(cell) == value, (name, column)  # a number, not text
                    negatives.append(cell)
    if path == "team":
        assert found == set(RM_NAMES.values())
    if path == "products":
        assert found == SEEDED - set(RM_NAMES.values())
        assert "-87.5" in negatives  # the loss-making product's margin, unescaped


def test_the_team_export_shows_rm_names_behind_a_quote(named_world, api):
    header, *rows = export(api("lead_a"), "team", "rms")
    assert header[:2] == ["rm_id", "rm_name"]
    assert {row[1] for row in rows} == {"'" + name for name in RM_NAMES.values()}


@pytest.mark.parametrize("who, path", KINDS)
def test_every_table_is_written_through_the_one_escape(named_world, api, monkeypatch, who,
                                                       path):
    """The spy sees every header name and every value of every table: no report writes a
    cell another way."""
    seen = []

    def spy(cell):
        seen.append(cell)
        return escape(cell)

    escape = csvfiles.escape_cell
    monkeypatch.setattr(csvfiles, "escape_cell", spy)
    client = api(who)
    body = client.get(f"/api/v1/reports/{path}?month={MONTH}").get_json()
    assert body["tables"]
    for name, rows in body["tables"].items():
        seen.clear()
        export(client, path, name)
        columns = list(rows[0]) if rows else []
        expected = columns + [row[c] for row in rows for c in columns]
        assert Counter(map(as_text, seen)) == Counter(map(as_text, expected)), name
