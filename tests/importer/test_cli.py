"""`flask import KIND FILE.csv`."""

from sqlalchemy import func, select

from backend.customers.models import Account, Customer
from backend.extensions import db


def test_import_lists_the_four_kinds(cli):
    result = cli("--help")

    assert result.exit_code == 0
    for kind in ("customers", "accounts", "transactions", "relationships"):
        assert kind in result.output


def test_import_prints_the_summary(cli, staff, staged):
    result = cli("customers", staged("customers.csv"))

    assert result.exit_code == 0, result.output
    assert "customers: read 4, created 4, updated 0, unchanged 0, rejected 0" in result.output
    assert "rows/s" in result.output
    assert "rejected rows" not in result.output
    assert db.session.scalar(select(func.count()).select_from(Customer)) == 4


def test_import_names_the_rejects_file_and_warns_of_unknown_columns(cli, bank, staged):
    path = staged("customers_bad.csv")

    result = cli("customers", path, "--batch-size", "3")

    assert result.exit_code == 0, result.output
    assert "read 17, created 2, updated 0, unchanged 0, rejected 15" in result.output
    assert f"rejected rows: {path.with_name('customers_bad.rejects.csv')}" in result.output
    assert "warning: unknown column 'branch_code' ignored" in result.output


def test_a_wrong_header_exits_non_zero_and_writes_nothing(cli, bank, tmp_path):
    path = tmp_path / "wrong.csv"
    path.write_text("external_id,customer_external_id\nA9,C000001\n", encoding="utf-8")
    before = db.session.scalar(select(func.count()).select_from(Account))

    result = cli("accounts", path)

    assert result.exit_code != 0
    assert "import refused, nothing written" in result.output
    assert "product_code, opened_on" in result.output
    assert db.session.scalar(select(func.count()).select_from(Account)) == before
    assert not (tmp_path / "wrong.rejects.csv").exists()


def test_a_missing_file_is_an_error(cli, tmp_path):
    result = cli("transactions", tmp_path / "nope.csv")

    assert result.exit_code != 0
    assert "does not exist" in result.output
