"""The importer never dies on a row: whatever a row holds (a date past the calendar, bytes
that are not UTF-8, a quote that never closes, a value no check foresaw), that row goes to
the rejects file with its line and reason, every good row is imported, and the command
ends with its summary."""

import csv
from datetime import datetime

import pytest
from marshmallow import fields
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from backend.customers.models import Account, Transaction
from backend.errors import Invalid
from backend.extensions import db
from backend.importer import schemas
from backend.importer import service as importer_service
from tests.importer.conftest import FILES

MODELS = {"transactions": Transaction, "accounts": Account}
HEADER = "external_id,account_external_id,posted_at,amount,channel,kind,description\n"


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def imported(model) -> set[str]:
    return set(db.session.scalars(select(model.external_id)))


# Each golden file, with the ids of its good rows: all of them, and only them, get in.
GOLDEN = {
    "transactions_overflow": {"T200", "T205"},
    "transactions_far_dates": {"T300", "T301"},
    "accounts_far_dates": {"A300"},
    "transactions_unicode": {"T400", "T406"},
    "transactions_unclosed": {"T500", "T502", "T503", "T504", "T506"},
}


@pytest.mark.parametrize("batch_size", [2000, 1])
@pytest.mark.parametrize("name", GOLDEN)
def test_bad_rows_are_rejected_and_good_rows_imported(name, batch_size, bank, staged):
    kind = name.split("_")[0]
    model = MODELS[kind]
    before = imported(model)

    summary = importer_service.import_file(kind, staged(f"{name}.csv"), batch_size=batch_size)

    with open(summary.rejects_path, "rb") as handle:
        assert handle.read() == (FILES / f"{name}.expected.rejects.csv").read_bytes()
    assert imported(model) - before == GOLDEN[name]
    assert summary.created == len(GOLDEN[name])
    with open(summary.rejects_path, encoding="utf-8-sig", errors="surrogateescape",
              newline="") as handle:
        rejected = len(list(csv.DictReader(handle)))
    assert summary.rejected == rejected
    assert summary.read == summary.created + rejected


def test_dates_at_the_edges_of_the_range_are_stored_as_given(bank, staged):
    importer_service.import_file("transactions", staged("transactions_far_dates.csv"))
    importer_service.import_file("accounts", staged("accounts_far_dates.csv"))

    posted = dict(db.session.execute(select(Transaction.external_id,
                                              Transaction.posted_at)).all())
    assert posted["T300"] == datetime(1800, 1, 1)
    assert posted["T301"] == datetime(2199, 12, 31, 23, 59, 59, 999999)
    a300 = db.session.scalar(select(Account).where(Account.external_id == "A300"))
    assert (a300.opened_on.isoformat(), a300.maturity_on.isoformat()) == \
        ("1800-01-01", "2199-12-31")


def test_a_quote_spanning_lines_that_closes_cleanly_is_one_cell(bank, staged):
    importer_service.import_file("transactions", staged("transactions_unclosed.csv"))

    t503 = db.session.scalar(select(Transaction).where(Transaction.external_id == "T503"))
    assert t503.description == "two\nlines, closed"


def test_an_unclosed_quote_in_the_last_row_is_named(bank, tmp_path):
    path = tmp_path / "t.csv"
    path.write_text(HEADER + "T1,A0000001,2024-03-01,-1.00,mobile,payment,ok\n"
                    'T2,A0000001,2024-03-01,-1.00,mobile,payment,"no end', encoding="utf-8")

    summary = importer_service.import_file("transactions", path)

    assert (summary.read, summary.created, summary.rejected) == (2, 1, 1)
    with open(summary.rejects_path, encoding="utf-8-sig", newline="") as handle:
        (row,) = csv.DictReader(handle)
    assert (row["line"], row["reason"]) == ("3", "Unclosed quote at line 3.")


def test_an_unclosed_quote_longer_than_a_csv_field_is_named(bank, tmp_path):
    """Past csv's field limit (128 KiB) the reader raises instead of reaching the end."""
    good = [f"T{i},A0000001,2024-03-01,-1.00,mobile,payment,row {i}\n" for i in range(3000)]
    path = tmp_path / "t.csv"
    path.write_text(HEADER + 'T_BAD,A0000001,2024-03-01,-1.00,mobile,payment,"oops\n'
                    + "".join(good), encoding="utf-8")

    summary = importer_service.import_file("transactions", path)

    assert (summary.read, summary.created, summary.rejected) == (3001, 3000, 1)
    with open(summary.rejects_path, encoding="utf-8-sig", newline="") as handle:
        (row,) = csv.DictReader(handle)
    assert (row["line"], row["reason"]) == ("2", "Unclosed quote at line 2.")
    assert count(Transaction) == 3000


def test_an_unclosed_quote_in_the_header_refuses_the_file(bank, tmp_path):
    path = tmp_path / "t.csv"
    path.write_text('external_id,"account_external_id,posted_at\nT1,A0000001,2024-03-01\n',
                    encoding="utf-8")

    with pytest.raises(Invalid, match="quote that never closes"):
        importer_service.import_file("transactions", path)
    assert not (tmp_path / "t.rejects.csv").exists()


def test_every_date_column_is_held_to_the_range():
    """One field type for dates and one for date-times: no column escapes the range."""
    for schema in (schemas.CustomerRow, schemas.AccountRow, schemas.TransactionRow,
                   schemas.RelationshipRow):
        for name, field in schema().fields.items():
            if isinstance(field, (fields.Date, fields.DateTime)):
                assert isinstance(field, schemas.Day), f"{schema.__name__}.{name}"
    assert isinstance(schemas.TransactionRow().fields["posted_at"], schemas.UtcDateTime)


def test_a_value_no_check_foresaw_costs_its_row_only(bank, tmp_path, monkeypatch):
    real = schemas.Flag._deserialize

    def fragile(self, value, attr, data, **kwargs):
        if value == "boom":
            raise ArithmeticError("nobody expected this")
        return real(self, value, attr, data, **kwargs)

    monkeypatch.setattr(schemas.Flag, "_deserialize", fragile)
    path = tmp_path / "t.csv"
    path.write_text("external_id,account_external_id,posted_at,amount,channel,kind,"
                    "customer_initiated\n"
                    "T1,A0000001,2024-03-01,-1.00,mobile,payment,yes\n"
                    "T2,A0000001,2024-03-01,-1.00,mobile,payment,boom\n"
                    "T3,A0000001,2024-03-01,-1.00,mobile,payment,no\n", encoding="utf-8")

    summary = importer_service.import_file("transactions", path)

    assert (summary.created, summary.rejected) == (2, 1)
    assert imported(Transaction) == {"T1", "T3"}
    with open(summary.rejects_path, encoding="utf-8-sig", newline="") as handle:
        (row,) = csv.DictReader(handle)
    assert row["line"] == "3"
    assert row["reason"] == "Row could not be read: ArithmeticError: nobody expected this."


def test_a_row_the_driver_cannot_send_costs_its_row_only(bank, tmp_path, monkeypatch):
    real = importer_service._Run._execute

    def fragile(self, rows):
        if any(row.values.get("external_id") == "T2" for row in rows):
            raise ValueError("cannot adapt this value")
        return real(self, rows)

    monkeypatch.setattr(importer_service._Run, "_execute", fragile)
    path = tmp_path / "t.csv"
    path.write_text(HEADER + "".join(f"T{i},A0000001,2024-03-01,-1.00,mobile,payment,\n"
                                     for i in range(1, 5)), encoding="utf-8")

    summary = importer_service.import_file("transactions", path)

    assert (summary.created, summary.rejected) == (3, 1)
    assert imported(Transaction) == {"T1", "T3", "T4"}
    with open(summary.rejects_path, encoding="utf-8-sig", newline="") as handle:
        (row,) = csv.DictReader(handle)
    assert row["line"] == "3"
    assert row["reason"] == "database: ValueError: cannot adapt this value"


# --------------------------------------------------------------------------- the command


def test_one_bad_row_among_thousands(cli, bank, tmp_path):
    """The reported case: 3,010 rows, one of them at line 2,502 overflowing in UTC. Before,
    the import died there with a traceback, 2,000 rows committed and no rejects file."""
    path = tmp_path / "transactions.csv"
    rows = [f"T{i:05d},A000000{i % 5 + 1},2024-03-{i % 28 + 1:02d}T10:00:00+08:00,"
            f"-{i}.25,mobile,payment,row {i}\n" for i in range(3010)]
    rows[2500] = "T02500,A0000001,9999-12-31T23:59:59-08:00,-1.00,mobile,payment,bad\n"
    path.write_text(HEADER + "".join(rows), encoding="utf-8")

    result = cli("transactions", path)

    assert result.exit_code == 0, result.output  # rejects do not change the exit status
    assert "transactions: read 3010, created 3009, updated 0, unchanged 0, rejected 1" \
        in result.output
    rejects = tmp_path / "transactions.rejects.csv"
    assert f"rejected rows: {rejects}" in result.output
    assert "Traceback" not in result.output
    with open(rejects, encoding="utf-8-sig", newline="") as handle:
        (row,) = csv.DictReader(handle)
    assert row["line"] == "2502" and row["external_id"] == "T02500"
    assert row["reason"] == "posted_at: Must be between 1800-01-01 and 2199-12-31 (in UTC)."
    assert count(Transaction) == 3009
    assert "T02500" not in imported(Transaction)


def test_an_import_stopped_by_the_database_still_ends_with_its_summary(cli, bank, tmp_path,
                                                                     monkeypatch):
    real = importer_service._Run._execute

    def gone(self, rows):
        if any(row.values["external_id"] == "T5" for row in rows):
            raise OperationalError("INSERT", {}, Exception("server closed the connection"))
        return real(self, rows)

    monkeypatch.setattr(importer_service._Run, "_execute", gone)
    path = tmp_path / "t.csv"
    body = [f"T{i},A0000001,2024-03-01,-1.00,mobile,payment,\n" for i in range(1, 8)]
    body[1] = "T2,A0000001,2024-03-01,-1.00,fax,payment,\n"
    path.write_text(HEADER + "".join(body), encoding="utf-8")

    result = cli("transactions", path, "--batch-size", "2")

    assert result.exit_code == 1
    assert "transactions: read 6, created 3, updated 0, unchanged 0, rejected 1" \
        in result.output
    assert f"rejected rows: {tmp_path / 't.rejects.csv'}" in result.output
    assert "import stopped at line 6" in result.output
    assert "server closed the connection" in result.output
    assert "Traceback" not in result.output
    assert imported(Transaction) == {"T1", "T3", "T4"}
