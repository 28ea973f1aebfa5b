"""CSV import: good files land in the database, bad rows land in the rejects file."""

import csv
import sys
import threading
from datetime import date, datetime
from decimal import Decimal

import pytest
import sqlalchemy as sa
from sqlalchemy import func, select

from backend.customers.models import Account, Customer, RelatedParty, Transaction
from backend.errors import Invalid
from backend.extensions import db
from backend.importer import service as importer_service
from tests import factories
from tests.importer.conftest import FILES

KINDS = ("customers", "accounts", "transactions", "relationships")
MODELS = {"customers": Customer, "accounts": Account, "transactions": Transaction,
          "relationships": RelatedParty}


def run(kind, path, **kwargs):
    return importer_service.import_file(kind, path, **kwargs)


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def by_external_id(model, external_id):
    return db.session.scalar(select(model).where(model.external_id == external_id))


def test_customers_file_imports_every_column(staff, staged):
    summary = run("customers", staged("customers.csv"))

    assert (summary.read, summary.created, summary.rejected) == (4, 4, 0)
    assert summary.rejects_path is None
    c1 = by_external_id(Customer, "C000001")
    assert c1.name == "上海恒丰贸易有限公司"
    assert c1.founded_on == date(2012, 5, 18)
    assert c1.employees == 42
    assert Decimal(str(c1.annual_revenue)) == Decimal("18500000.00")
    assert c1.phone == "+86 21 5555 0101"
    assert c1.rm.username == "rm1"
    assert (c1.tier, c1.segment, c1.status) == ("advanced", "large", "active")
    c2 = by_external_id(Customer, "C000002")
    assert (c2.tier, c2.segment) == ("intermediate", "medium")  # any case in the file
    assert (c2.consent_marketing, c2.consent_phone, c2.consent_email) == (True, False, True)
    c3 = by_external_id(Customer, "C000003")
    assert c3.industry == "-"  # a leading "-" is not formula text
    assert c3.name_en is None and c3.founded_on is None and c3.annual_revenue is None
    assert (c3.consent_marketing, c3.consent_phone, c3.consent_email) == (False, True, False)
    assert c3.rm.username == "rm2"
    c4 = by_external_id(Customer, "C000004")
    assert c4.owner_name == "张伟, 张丽"  # a quoted cell with a comma
    assert c4.rm_id is None
    # Empty cells of columns with a default take the default on create.
    assert (c4.tier, c4.consent_marketing, c4.consent_phone) == ("basic", True, True)


def test_accounts_file_imports(bank):
    assert count(Account) == 5
    loan = by_external_id(Account, "A0000002")
    assert loan.customer.external_id == "C000001"
    assert loan.product.code == "WCL"
    assert loan.maturity_on == date(2025, 6, 30)
    assert Decimal(str(loan.limit_amount)) == Decimal("1000000.00")
    assert Decimal(str(loan.rate)) == Decimal("0.0435")
    overdraft = by_external_id(Account, "A0000003")
    assert Decimal(str(overdraft.balance)) == Decimal("-2500.75")
    assert overdraft.days_overdue == 0 and overdraft.rate is None
    assert by_external_id(Account, "A0000004").status == "closed"
    late = by_external_id(Account, "A0000005")
    assert (late.days_overdue, late.status) == (45, "open")


def test_transactions_file_imports_with_times_in_utc(bank, staged):
    summary = run("transactions", staged("transactions.csv"))

    assert (summary.created, summary.rejected) == (6, 0)
    rows = {t.external_id: t for t in db.session.scalars(select(Transaction))}
    assert rows["T000000001"].posted_at == datetime(2024, 3, 1, 1, 30)  # +08:00 -> UTC
    assert rows["T000000002"].posted_at == datetime(2024, 3, 2)  # a date is midnight UTC
    assert rows["T000000003"].posted_at == datetime(2024, 3, 5)  # Z
    assert rows["T000000005"].posted_at == datetime(2024, 3, 10, 14, 5, 30, 250000)
    assert rows["T000000006"].posted_at == datetime(2024, 3, 15, 13, 0)  # -05:00
    assert Decimal(str(rows["T000000002"].amount)) == Decimal("-1200.50")
    assert rows["T000000003"].customer_initiated is False
    assert rows["T000000004"].customer_initiated is False
    assert rows["T000000005"].customer_initiated is True  # empty: the default
    assert (rows["T000000005"].channel, rows["T000000005"].kind) == ("pos", "card")
    assert rows["T000000005"].description == "Café, 2 cups"
    assert rows["T000000002"].description is None
    assert rows["T000000006"].description == "- monthly fee"
    assert rows["T000000001"].account_id == by_external_id(Account, "A0000001").id


def test_relationships_file_imports(bank, staged):
    summary = run("relationships", staged("relationships.csv"))

    assert (summary.created, summary.rejected) == (5, 0)
    ids = dict(db.session.execute(select(Customer.external_id, Customer.id)).all())
    links = {(r.customer_id, r.kind, r.related_customer_id, r.person_name): r.note
             for r in db.session.scalars(select(RelatedParty))}
    assert links == {
        (ids["C000001"], "owner", None, "王建国"): "法定代表人",
        (ids["C000001"], "supplier", ids["C000002"], None): "Supplies packaged food",
        (ids["C000002"], "buyer", ids["C000001"], None): None,
        (ids["C000004"], "guarantor", None, "张丽"): "Personal guarantee 2022",
        (ids["C000003"], "affiliate", ids["C000001"], None): "Same family group",
    }


@pytest.mark.parametrize("kind", KINDS)
def test_reimporting_a_file_changes_nothing(kind, bank, staged):
    if kind in ("transactions", "relationships"):
        run(kind, staged(f"{kind}.csv"))
    model = MODELS[kind]
    before = db.session.execute(select(model.__table__)).all()

    summary = run(kind, staged(f"{kind}.csv"))

    assert (summary.created, summary.updated, summary.rejected) == (0, 0, 0)
    assert summary.unchanged == summary.read > 0
    db.session.expire_all()
    assert db.session.execute(select(model.__table__)).all() == before  # updated_at too


def test_a_changed_row_is_updated_and_only_it(bank, tmp_path):
    path = tmp_path / "customers.csv"
    text = (FILES / "customers.csv").read_text(encoding="utf-8")
    # C000002: a new name, employee count, RM and segment; name_en and consents emptied.
    text = text.replace("C000002,杭州绿源食品厂,Hangzhou Lvyuan Foods,food,Hangzhou,2018-09-01,12",
                        "C000002,杭州绿源食品有限公司,,food,Hangzhou,2018-09-01,14")
    text = text.replace(",rm1,Intermediate,MEDIUM,active,yes,no,yes,",
                        ",rm2,Intermediate,SMALL,active,,,,")
    path.write_text(text, encoding="utf-8")
    before = by_external_id(Customer, "C000001").updated_at

    summary = run("customers", path)

    assert (summary.created, summary.updated, summary.unchanged) == (0, 1, 3)
    db.session.expire_all()
    c2 = by_external_id(Customer, "C000002")
    assert (c2.name, c2.employees, c2.segment) == ("杭州绿源食品有限公司", 14, "small")
    assert c2.name_en is None  # an empty cell clears a column that may be empty
    assert c2.rm.username == "rm2"
    # An empty cell of a column with a default keeps the stored value (consent_phone was no).
    assert (c2.consent_marketing, c2.consent_phone) == (True, False)
    assert by_external_id(Customer, "C000001").updated_at == before


@pytest.mark.parametrize("batch_size", [2000, 1])
@pytest.mark.parametrize("kind", KINDS)
def test_bad_rows_go_to_the_rejects_file(kind, batch_size, bank, staged):
    if kind == "relationships":
        assert run("relationships", staged("relationships.csv")).rejected == 0
    before = count(MODELS[kind])

    summary = run(kind, staged(f"{kind}_bad.csv"), batch_size=batch_size)

    expected = (FILES / f"{kind}_bad.expected.rejects.csv").read_bytes()
    assert summary.rejects_path == str(staged(f"{kind}_bad.csv").with_suffix("")) + \
        ".rejects.csv"
    with open(summary.rejects_path, "rb") as handle:
        assert handle.read() == expected
    rejected = expected.count(b"\n") - 1
    assert summary.rejected == rejected
    assert summary.read == summary.created + summary.updated + summary.unchanged + rejected
    assert count(MODELS[kind]) == before + summary.created


def test_good_rows_of_a_bad_file_are_imported(bank, staged):
    summary = run("transactions", staged("transactions_bad.csv"))

    assert summary.created == 3
    imported = set(db.session.scalars(select(Transaction.external_id)))
    assert imported == {"T100", "T108", "T109"}  # all rows after the bad bytes too
    assert by_external_id(Transaction, "T100").account_id == by_external_id(Account, "A0000001").id


def test_the_rejects_file_names_line_reason_and_original_cells(bank, staged):
    summary = run("customers", staged("customers_bad.csv"))

    with open(summary.rejects_path, encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    by_line = {row["line"]: row for row in rows}
    assert by_line["8"]["reason"] == "external_id: Duplicate of line 2."
    assert by_line["9"]["reason"] == "name: Longer than maximum length 200."
    assert by_line["9"]["name"] == "长" * 10_000
    assert by_line["10"]["name"] == "'=HYPERLINK(\"http://x\",\"y\")"  # escaped, not live
    assert by_line["5"]["employees"] == "-3"  # a plain number stays as it was
    assert summary.warnings == ["unknown column 'branch_code' ignored"]
    assert {c.external_id for c in db.session.scalars(select(Customer))} >= {"C100", "C114"}
    assert count(Customer) == 4 + 2


def test_a_corrected_rejects_file_imports(bank, staged, tmp_path):
    """The rejects file is itself an import file: fix the cells, import it again."""
    rejects = run("accounts", staged("accounts_bad.csv")).rejects_path
    with open(rejects, encoding="utf-8-sig") as handle:
        text = handle.read()
    fixed = tmp_path / "accounts_fixed.csv"
    fixed.write_text(text.replace(",GOLD,", ",CUR,").replace("'=cmd|' /C calc'!A0", "TD"),
                     encoding="utf-8-sig")

    summary = run("accounts", fixed)

    assert summary.warnings == ["unknown column 'line' ignored",
                                "unknown column 'reason' ignored"]
    assert {by_external_id(Account, e).product.code for e in ("A101", "A110")} == {"CUR", "TD"}
    assert summary.created == 2
    with open(summary.rejects_path, encoding="utf-8-sig") as handle:
        header = handle.readline().strip()
    assert header == "line,reason,external_id,customer_external_id,product_code,opened_on," \
                     "closed_on,balance,limit_amount,rate,status"


@pytest.mark.parametrize(("header", "missing"), [
    ("external_id,customer_external_id,opened_on", "product_code"),
    ("id,name", "external_id"),
    ("", None),
])
def test_a_wrong_header_refuses_the_whole_file(header, missing, bank, tmp_path):
    path = tmp_path / "wrong.csv"
    path.write_text(header + "\nA9,C000001,2024-01-01\n" if header else "", encoding="utf-8")
    before = count(Account)

    with pytest.raises(Invalid) as refused:
        run("accounts", path)

    assert (missing or "empty") in refused.value.message
    assert count(Account) == before
    assert not (tmp_path / "wrong.rejects.csv").exists()


def test_relationships_need_a_party_column(bank, tmp_path):
    path = tmp_path / "links.csv"
    path.write_text("customer_external_id,kind,note\nC000001,owner,x\n", encoding="utf-8")

    with pytest.raises(Invalid, match="related_customer_external_id or person_name"):
        run("relationships", path)


def test_a_bom_and_crlf_line_ends_are_accepted(staff, tmp_path):
    path = tmp_path / "customers.csv"
    text = (FILES / "customers.csv").read_text(encoding="utf-8").replace("\n", "\r\n")
    path.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))

    summary = run("customers", path)

    assert (summary.created, summary.rejected, summary.warnings) == (4, 0, [])
    assert by_external_id(Customer, "C000004").onboarded_on == date(2021, 6, 30)


def test_blank_lines_are_skipped_and_line_numbers_stay_physical(staff, tmp_path):
    path = tmp_path / "customers.csv"
    path.write_text('external_id,name,owner_name\n\nC1,甲,"two\nlines"\n,,\nC2,=乙,\n',
                    encoding="utf-8")

    summary = run("customers", path)

    assert (summary.read, summary.created, summary.rejected) == (2, 1, 1)
    assert by_external_id(Customer, "C1").owner_name == "two\nlines"
    with open(summary.rejects_path, encoding="utf-8-sig") as handle:
        assert handle.read().splitlines()[1].startswith("6,name: Formula text")


def test_a_stale_rejects_file_is_removed(bank, staged):
    path = staged("accounts.csv")
    stale = path.with_name("accounts.rejects.csv")
    stale.write_text("line,reason\n2,old\n", encoding="utf-8")

    summary = run("accounts", path)

    assert summary.rejected == 0 and summary.rejects_path is None
    assert not stale.exists()


@pytest.fixture
def refusing_database(app):
    """A trigger refusing customers named BOOM: an error only the database sees."""
    dialect = db.engine.dialect.name
    with db.engine.begin() as conn:
        if dialect == "postgresql":
            conn.execute(sa.text(
                "CREATE FUNCTION refuse_boom() RETURNS trigger AS $$ BEGIN "
                "IF NEW.name = 'BOOM' THEN RAISE EXCEPTION 'boom refused' "
                "USING ERRCODE = 'check_violation'; END IF; RETURN NEW; END $$ "
                "LANGUAGE plpgsql"))
            conn.execute(sa.text("CREATE TRIGGER refuse_boom BEFORE INSERT ON customers "
                                 "FOR EACH ROW EXECUTE FUNCTION refuse_boom()"))
        else:
            conn.execute(sa.text("CREATE TRIGGER refuse_boom BEFORE INSERT ON customers "
                                 "WHEN NEW.name = 'BOOM' BEGIN "
                                 "SELECT RAISE(ABORT, 'boom refused'); END"))
    yield
    db.session.rollback()  # the test's open read would block DROP TRIGGER on PostgreSQL
    with db.engine.begin() as conn:
        conn.execute(sa.text("DROP TRIGGER refuse_boom" +
                             (" ON customers" if dialect == "postgresql" else "")))
        if dialect == "postgresql":
            conn.execute(sa.text("DROP FUNCTION refuse_boom()"))


def test_a_batch_the_database_refuses_is_retried_row_by_row(staff, refusing_database,
                                                           tmp_path):
    path = tmp_path / "customers.csv"
    path.write_text("external_id,name\nC1,甲\nC2,乙\nC3,BOOM\nC4,丁\nC5,戊\n", encoding="utf-8")

    summary = run("customers", path, batch_size=10)

    assert (summary.created, summary.rejected) == (4, 1)
    assert set(db.session.scalars(select(Customer.external_id))) == {"C1", "C2", "C4", "C5"}
    with open(summary.rejects_path, encoding="utf-8-sig") as handle:
        rejected = list(csv.DictReader(handle))
    assert [r["line"] for r in rejected] == ["4"]
    assert rejected[0]["reason"].startswith("database: ")
    assert "boom refused" in rejected[0]["reason"]


def test_references_are_resolved_with_one_query_per_table_per_batch(bank, staged):
    statements = []

    def record(conn, cursor, statement, *args):
        statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", record)
    try:
        run("customers", staged("customers_bad.csv"), batch_size=2000)
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", record)

    selects = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    assert len([s for s in selects if "FROM users" in s]) == 1
    assert len([s for s in selects if "FROM customers" in s]) == 1
    assert len(selects) == 2


def test_an_unknown_kind_is_refused(tmp_path):
    with pytest.raises(Invalid):
        run("branches", tmp_path / "x.csv")


class PeakObjects:
    """Sample sys.getallocatedblocks() (live small objects) from a thread; keep the peak.

    Not tracemalloc: tracing every allocation slows this import five-fold (50,000 rows:
    11 s on SQLite, 20 s on PostgreSQL). bench/bench_import.py reports the tracemalloc peak.
    """

    def __enter__(self):
        self.base = self.peak = sys.getallocatedblocks()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample)
        self._thread.start()
        return self

    def _sample(self):
        while not self._stop.wait(0.002):
            self.peak = max(self.peak, sys.getallocatedblocks())

    def __exit__(self, *exc_info):
        self._stop.set()
        self._thread.join()

    @property
    def growth(self) -> int:
        return self.peak - self.base


def test_a_large_transactions_file_is_streamed(app, tmp_path):
    """50,000 rows: the import holds a batch, never the file."""
    rows = 50_000
    customer = factories.customer(factories.user("rm1"))
    product = factories.product("CUR")
    accounts = [factories.account(customer, product, external_id=f"A{i:03d}") for i in range(20)]
    db.session.commit()
    path = tmp_path / "transactions.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["external_id", "account_external_id", "posted_at", "amount", "channel",
                         "kind"])
        for i in range(rows):
            writer.writerow([f"T{i:08d}", accounts[i % 20].external_id,
                             f"2024-{i % 12 + 1:02d}-{i % 28 + 1:02d}T10:00:00",
                             f"{(i % 5000) - 2500}.25", "mobile", "payment"])

    with PeakObjects() as memory:
        summary = run("transactions", path, batch_size=500)

    assert (summary.created, summary.rejected) == (rows, 0)
    assert count(Transaction) == rows
    # A row held until the end costs ~24 live objects (cells, dicts, values); a streamed
    # import holds one batch of them, so well under one object per row of the file.
    assert memory.growth < rows, f"{memory.growth:,} more objects alive at the peak"
