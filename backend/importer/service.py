"""CSV import from core banking: customers, accounts, transactions and relationships.

The file is streamed: read in binary, decoded line by line, parsed by csv and handled in
batches. Each batch is validated row by row (backend.importer.schemas), its references
resolved with one query per referenced table, and its good rows upserted and committed
together; rejected rows go to FILE.rejects.csv with their line and reason. Whatever a row
holds costs that row only, never the import. Columns and rules: docs/import.md.
"""

import codecs
import csv
import logging
import re
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from marshmallow import Schema, ValidationError
from sqlalchemy import bindparam, insert, select, text, update
from sqlalchemy.exc import DataError, DBAPIError, IntegrityError
from tqdm import tqdm

from backend import csvfiles
from backend.auth.models import User
from backend.customers import history
from backend.customers.models import Account, Customer, FieldHistory, RelatedParty, Transaction
from backend.errors import Invalid
from backend.extensions import db
from backend.importer import schemas
from backend.models_base import utcnow
from backend.products.models import Product

log = logging.getLogger(__name__)

MAX_BATCH = 10_000  # keeps every IN (...) list well under SQLite's bound-parameter limit
_SURROGATE = re.compile("[\udc80-\udcff]")  # what undecodable bytes become (surrogateescape)
_REJECT_COLUMNS = ("line", "reason")


@dataclass(frozen=True)
class Ref:
    """A column that names another record by its key; imported as that record's id."""

    field: str  # column in the file
    column: str  # column in the table
    target: object  # the referenced key, e.g. Customer.external_id
    what: str  # the referenced record, in messages
    only: object = None  # a condition the referenced record must meet


@dataclass(frozen=True)
class Kind:
    name: str
    schema: type[Schema]
    table: object
    key: tuple[str, ...]  # file columns identifying a row, for duplicates in the file
    match: tuple[str, ...]  # table columns identifying a row, for the upsert
    key_label: str = "external_id"
    refs: tuple[Ref, ...] = ()
    one_of: tuple[str, ...] = ()  # the header needs at least one of these columns


_customer = Ref("customer_external_id", "customer_id", Customer.external_id, "customer")
KINDS = {
    "customers": Kind(
        "customers", schemas.CustomerRow, Customer.__table__, ("external_id",),
        ("external_id",),
        refs=(Ref("rm_username", "rm_id", User.username, "RM", User.role.in_(("rm", "lead"))),)),
    "accounts": Kind(
        "accounts", schemas.AccountRow, Account.__table__, ("external_id",), ("external_id",),
        refs=(_customer, Ref("product_code", "product_id", Product.code, "product"))),
    "transactions": Kind(
        "transactions", schemas.TransactionRow, Transaction.__table__, ("external_id",),
        ("external_id",),
        refs=(Ref("account_external_id", "account_id", Account.external_id, "account"),)),
    "relationships": Kind(
        "relationships", schemas.RelationshipRow, RelatedParty.__table__,
        ("customer_external_id", "kind", "related_customer_external_id", "person_name"),
        ("customer_id", "kind", "related_customer_id", "person_name"), key_label="link",
        refs=(_customer, Ref("related_customer_external_id", "related_customer_id",
                             Customer.external_id, "customer")),
        one_of=("related_customer_external_id", "person_name")),
}


@dataclass
class ImportSummary:
    kind: str
    path: str
    read: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    seconds: float = 0.0
    rejects_path: str | None = None
    warnings: list[str] = field(default_factory=list)

    @property
    def rows_per_second(self) -> float:
        return self.read / self.seconds if self.seconds else 0.0


class ImportStopped(Exception):
    """An error that is not about a row (the database went away) ended the import at `line`.
    The batches committed before it stay; `summary` counts them and names the rejects file."""

    def __init__(self, summary: ImportSummary, line: int, cause: str):
        super().__init__(f"import stopped at line {line}, in a batch not finished: {cause}. "
                         "Batches before it are committed; importing the file again is safe "
                         "(rows already in count as unchanged).")
        self.summary = summary
        self.line = line


def rejects_path_for(path: Path) -> Path:
    """Return where the rejects of `path` go: tx.csv -> tx.rejects.csv."""
    stem = path.name[:-4] if path.name.lower().endswith(".csv") else path.name
    return path.with_name(stem + ".rejects.csv")


def import_file(kind: str, path, *, batch_size: int = 2000,
                progress: bool = False) -> ImportSummary:
    """Import a core-banking CSV file of one kind; good rows commit in batches, bad rows go
    to the rejects file. Raise Invalid, writing nothing, when the header is wrong."""
    spec = KINDS.get(kind)
    if spec is None:
        raise Invalid(f"Unknown kind {kind!r}: choose one of {', '.join(KINDS)}.")
    if not 1 <= batch_size <= MAX_BATCH:
        raise Invalid(f"batch_size must be between 1 and {MAX_BATCH}.")
    path = Path(path)
    started = time.perf_counter()
    summary = ImportSummary(kind=kind, path=str(path))
    with path.open("rb") as handle:
        source = _Lines(handle)
        reader = csv.reader(source)
        header = _Header.read(spec, reader, source)
        summary.warnings = header.warnings
        rejects_path = rejects_path_for(path)
        rejects_path.unlink(missing_ok=True)  # a stale file would pass for this run's rejects
        with _Rejects(rejects_path, header.names) as rejects, \
                tqdm(total=path.stat().st_size, unit="B", unit_scale=True, unit_divisor=1024,
                     desc=f"import {kind}", disable=not progress) as bar:
            run = _Run(spec, header, rejects, summary)
            batch = []
            try:
                for record in _records(reader, source, len(header.names)):
                    batch.append(record)
                    if len(batch) >= batch_size:
                        run.batch(batch)
                        batch = []
                        bar.update(source.bytes_read - bar.n)
                if batch:
                    run.batch(batch)
            except Exception as exc:
                # Not a row's doing (rows are caught one by one): stop, but say how far it got.
                db.session.rollback()
                stopped_at = batch[0][0] if batch else source.start
                cause = _database_message(exc) if isinstance(exc, DBAPIError) \
                    else f"{type(exc).__name__}: {exc}"
                # the terminal gets the reason, not a traceback; the stack is there for debugging
                log.error("import %s %s stopped at line %d: %s", kind, path, stopped_at, cause)
                log.debug("import %s stopped", kind, exc_info=True)
                _finish(summary, started, rejects_path)
                raise ImportStopped(summary, stopped_at, cause) from exc
            bar.update(source.bytes_read - bar.n)
    if summary.created or summary.updated:
        # refresh planner statistics: stale ones make the scoring queries quadratic
        db.session.execute(text("ANALYZE"))
        db.session.commit()
    _finish(summary, started, rejects_path)
    log.info("import %s %s: read %d, created %d, updated %d, unchanged %d, rejected %d "
             "in %.1f s", kind, path, summary.read, summary.created, summary.updated,
             summary.unchanged, summary.rejected, summary.seconds)
    return summary


def _finish(summary: ImportSummary, started: float, rejects_path: Path) -> None:
    summary.seconds = time.perf_counter() - started
    if summary.rejected:
        summary.rejects_path = str(rejects_path)


class _Lines:
    """The file's physical lines, decoded one at a time, for csv.reader.

    Undecodable bytes become surrogates so that only their row is rejected. The lines of the
    record being read are kept (`record`, the first being line `start`): when a quote turns
    out never to close, the lines it swallowed are handed out again to be read as rows.
    Counts bytes for the progress bar.
    """

    def __init__(self, handle):
        self.handle = handle
        self.bytes_read = 0
        self.number = 0  # the line last handed out
        self.start = 1  # the first line of the record being read
        self.record: list[str] = []
        self.ran_out = False  # the file ended inside the record being read
        self._again: deque[tuple[int, str]] = deque()  # (number, line) to hand out again
        self._read = 0  # lines read from the file

    def __iter__(self):
        return self

    def __next__(self) -> str:
        if self._again:
            self.number, line = self._again.popleft()
        else:
            raw = self.handle.readline()
            if not raw:
                self.ran_out = True
                raise StopIteration
            self.bytes_read += len(raw)
            if not self._read:
                raw = raw.removeprefix(codecs.BOM_UTF8)
            if not raw.endswith(b"\n"):
                # csv ends a record at a line end; with one after the last line too, a record
                # that only the end of the file completes is one whose quote never closed
                raw += b"\n"
            self._read += 1
            self.number = self._read
            line = raw.decode("utf-8", "surrogateescape")
        if not self.record:
            self.start = self.number
        self.record.append(line)
        return line

    def next_record(self) -> None:
        self.record.clear()
        self.ran_out = False

    def read_again(self, first: int) -> None:
        """Hand out the record's lines from its `first`-th (0-based) on again, before any
        other line. Always fewer lines than the record has: reading again cannot loop."""
        self._again.extendleft(reversed([(self.start + i, line)
                                         for i, line in enumerate(self.record) if i >= first]))


def _records(reader, lines: _Lines, width: int):
    """Yield (line, cells, error) per record, line being where the record starts; skip
    blank lines and lines of empty cells (",,,").

    A quote that never closes swallows the lines after it: csv reads on to the end of the
    file (or to its field limit, 128 KiB), or to the next quote in the file, taking it for
    the closing one. Such a record is rejected up to the line where the quote opened, and
    the lines after that one are read again as rows.
    """
    while True:
        lines.next_record()
        error = None
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            cells, error = [], f"Not valid CSV: {exc}."
        if lines.ran_out or error or len(lines.record) > 1:
            opened = _unclosed_quote(lines.record, lines.ran_out or error is not None,
                                     cells_fit=error is None and len(cells) == width)
            if opened is not None:
                cells = _cells(lines.record[:opened + 1])
                error = f"Unclosed quote at line {lines.start + opened}."
                lines.read_again(opened + 1)
        if error or any(cells):
            yield lines.start, cells, error


# csv's states: a field begins, inside one, inside quotes, just after a quote inside quotes
_START, _FIELD, _QUOTED, _QUOTE = range(4)


def _unclosed_quote(record: list[str], cut_short: bool, cells_fit: bool) -> int | None:
    """The index of the line of `record` where a quote that never closed opened, if any.

    Walks the lines as csv.reader does (excel dialect, not strict). A quote still open at
    the end counts when the record was cut short (the file ended, or csv gave up). A quoted
    cell spanning lines counts when text follows its closing quote (that quote opened a
    later cell) or when the row has not the header's number of cells.
    """
    state, opened, spanning, stray = _START, 0, None, False
    for index, line in enumerate(record):
        for char in line:
            if state == _QUOTED:
                if char == '"':
                    state = _QUOTE
            elif state == _QUOTE:  # after a quote inside quotes: a doubled one, or the close
                if char == '"':
                    state = _QUOTED
                    continue
                ends = char in ",\r\n"
                if index > opened and spanning is None:
                    spanning, stray = opened, not ends
                state = _START if ends else _FIELD
            elif char == '"' and state == _START:
                state, opened = _QUOTED, index
            else:
                state = _START if char in ",\r\n" else _FIELD
    if cut_short and state in (_QUOTED, _QUOTE):
        return opened
    if spanning is not None and (stray or not cells_fit):
        return spanning
    return None


def _cells(lines: list[str]) -> list[str]:
    """The cells of the lines a rejected record kept, for the rejects file."""
    try:
        return next(csv.reader(lines), [])
    except csv.Error:
        return []


@dataclass
class _Header:
    names: list[str]  # as written in the file
    fields: list[tuple[str, int]]  # (schema field, cell index) of each known column
    key: list[int]  # cell index of each key column present
    casefold: list[bool]  # key columns compared case-insensitively
    warnings: list[str]

    @classmethod
    def read(cls, spec: Kind, reader, lines: _Lines) -> "_Header":
        try:
            cells = next(reader)
        except StopIteration:
            raise _refused("The file is empty: its first line must name the columns.") from None
        except csv.Error as exc:
            raise _refused(f"The header line is not valid CSV: {exc}.") from exc
        if lines.ran_out:
            raise _refused("The header line has a quote that never closes.")
        if _SURROGATE.search("".join(cells)):
            raise _refused("The header line is not valid UTF-8.")
        names = [cell.strip().lower() for cell in cells]
        known = spec.schema().fields
        twice = sorted({name for name in names if name and names.count(name) > 1})
        if twice:
            raise _refused(f"Columns named twice: {', '.join(twice)}.")
        missing = [name for name, f in known.items() if f.required and name not in names]
        if spec.one_of and not set(spec.one_of) & set(names):
            missing.append(" or ".join(spec.one_of))
        if missing:
            raise _refused(f"The header lacks the required column(s) {', '.join(missing)}. "
                           f"Columns of a {spec.name} file: {', '.join(known)}.")
        index = {name: i for i, name in enumerate(names)}
        key = [index[name] for name in spec.key if name in index]
        return cls(
            names=[cell.strip() for cell in cells],
            fields=[(name, index[name]) for name in known if name in index],
            key=key,
            casefold=[isinstance(known[names[i]], schemas.Choice) for i in key],
            warnings=[f"column {i + 1} has no name; ignored" if not name
                      else f"unknown column {name!r} ignored"
                      for i, name in enumerate(names) if name not in known],
        )


def _refused(message: str) -> Invalid:
    return Invalid(message, fields={"header": [message]})


class _Row:
    __slots__ = ("line", "cells", "readable", "problems", "data", "values", "insert", "update",
                 "replaced")

    def __init__(self, line: int, cells: list[str], error: str | None):
        self.line = line
        self.cells = cells
        self.readable = error is None  # cells match the header and decode; worth validating
        self.problems = [error] if error else []
        self.data = self.values = self.insert = self.update = self.replaced = None

    def reject(self, problem: str) -> None:
        self.readable = False
        self.problems.append(problem)


class _Run:
    """One import in progress: the state kept from batch to batch."""

    def __init__(self, spec: Kind, header: _Header, rejects: "_Rejects", summary: ImportSummary):
        self.spec, self.header, self.rejects, self.summary = spec, header, rejects, summary
        self.seen = SeenKeys()
        present = {name for name, _ in header.fields}
        # Only the columns in the file: marshmallow visits every field of a schema per row.
        self.schema = spec.schema(only=present)
        self.refs = {ref.field: ref for ref in spec.refs if ref.field in present}
        table = spec.table
        # (file column, table column, empty cell clears it) for every known column present.
        self.columns = []
        for name, _ in header.fields:
            column = self.refs[name].column if name in self.refs else name
            self.columns.append((name, column, table.c[column].nullable))
        # Columns an empty cell sets to NULL; other empty cells keep the value (or default).
        self.clearable = [column for _, column, nullable in self.columns if nullable]
        self.defaults = {column: table.c[column].default.arg
                         for _, column, nullable in self.columns
                         if not nullable and table.c[column].default is not None}

    def batch(self, records) -> None:
        rows = [_Row(*record) for record in records]
        self.summary.read += len(rows)
        self._check_cells(rows)
        self._check_duplicates(rows)
        self._load(rows)
        good = [row for row in rows if not row.problems]
        self._resolve(good)
        good = [row for row in good if not row.problems]
        self._plan(good)
        self._write([row for row in good if row.insert or row.update])
        db.session.commit()  # also ends the read-only transaction of a batch with no writes
        rejected = [row for row in rows if row.problems]
        for row in sorted(rejected, key=lambda r: r.line):
            self.rejects.add(row.line, "; ".join(row.problems), row.cells)
        self.summary.rejected += len(rejected)

    def _check_cells(self, rows) -> None:
        width = len(self.header.names)
        for row in rows:
            if not row.readable:
                continue
            if len(row.cells) != width:
                row.reject(f"Row has {len(row.cells)} cells; the header has {width}.")
            elif _SURROGATE.search("".join(row.cells)):
                bad = next(i for i, cell in enumerate(row.cells) if _SURROGATE.search(cell))
                row.reject(f"{self.header.names[bad] or bad + 1}: Not valid UTF-8.")

    def _check_duplicates(self, rows) -> None:
        key, casefold = self.header.key, self.header.casefold
        keyed = []
        for row in rows:
            if not row.readable:
                continue
            parts = [row.cells[i].strip() for i in key]
            if any(parts):
                if any(casefold):
                    parts = [p.lower() if fold else p
                             for p, fold in zip(parts, casefold, strict=True)]
                keyed.append((row, _hash("\x1f".join(parts))))
        if not keyed:
            return
        earlier = self.seen.first_lines(np.array([h for _, h in keyed], dtype=np.uint64))
        in_batch: dict[int, int] = {}
        for (row, h), before in zip(keyed, earlier.tolist(), strict=True):
            first = before or in_batch.get(h)
            if first:
                row.problems.append(f"{self.spec.key_label}: Duplicate of line {first}.")
            else:
                in_batch[h] = row.line
        self.seen.add(np.fromiter(in_batch.keys(), np.uint64, len(in_batch)),
                      np.fromiter(in_batch.values(), np.uint32, len(in_batch)))

    def _load(self, rows) -> None:
        """Validate each readable row with the kind's schema."""
        # One load per row, not many=True: that skips every row's schema-level checks as
        # soon as any row of the batch has a field error.
        schema, fields = self.schema, self.header.fields
        order = {name: n for n, (name, _) in enumerate(fields)}
        for row in rows:
            if not row.readable:
                continue
            data = {name: cell for name, i in fields if (cell := row.cells[i].strip())}
            try:
                row.data = schema.load(data)
            except ValidationError as exc:
                messages = exc.messages
                for name in sorted(messages, key=lambda n: order.get(n, -1)):
                    row.problems.extend(f"{name}: {m}" for m in _flatten(messages[name]))
            except Exception as exc:
                # A value no check foresaw (as an overflowing date once was) costs its row,
                # never the import nor the rows after it.
                log.warning("import %s: line %d could not be read: %r", self.spec.name,
                            row.line, exc)
                log.debug("import %s: line %d", self.spec.name, row.line, exc_info=True)
                row.problems.append(f"Row could not be read: {type(exc).__name__}: {exc}.")

    def _resolve(self, rows) -> None:
        """Turn references into ids: one query per referenced table for the whole batch."""
        groups: dict[str, list[Ref]] = {}
        for ref in self.refs.values():
            groups.setdefault(ref.what, []).append(ref)
        ids: dict[str, dict] = {}
        for what, refs in groups.items():
            wanted = {row.data[ref.field] for row in rows for ref in refs
                      if row.data.get(ref.field) is not None}
            target = refs[0].target
            query = select(target, target.class_.id).where(target.in_(wanted))
            if refs[0].only is not None:
                query = query.where(refs[0].only)
            ids[what] = dict(db.session.execute(query).all()) if wanted else {}
        for row in rows:
            values = row.data  # becomes the row's table values, in place: millions of rows
            for name, ref in self.refs.items():
                if name in values:
                    key = values.pop(name)
                    values[ref.column] = ids[ref.what].get(key)
                    if values[ref.column] is None:
                        row.problems.append(f"{name}: Unknown {ref.what} {key!r}.")
            for column in self.clearable:
                if column not in values:
                    values[column] = None
            row.values = values

    def _plan(self, rows) -> None:
        """Decide per row: insert, update (only what changed) or nothing at all."""
        if not rows:
            return
        table, match = self.spec.table, self.spec.match
        wanted = {row.values[match[0]] for row in rows}
        existing = {tuple(old[c] for c in match): old for old in db.session.execute(
            select(table).where(table.c[match[0]].in_(wanted))).mappings()}
        columns = [column for _, column, _ in self.columns]
        now = utcnow()
        for row in rows:
            values = row.values
            old = existing.get(tuple(values.get(c) for c in match)) if existing else None
            if old is None:
                # Every column present in the file is in each insert: executemany needs one shape.
                row.insert = values if len(values) == len(columns) else \
                    {c: values[c] if c in values else self.defaults[c] for c in columns}
            elif any(old[c] != value for c, value in values.items()):
                row.update = {c: values[c] if c in values else old[c] for c in columns}
                row.update["_id"] = old["id"]
                row.replaced = history.replaced(table.name, old["id"], old, values, now)
            else:
                self.summary.unchanged += 1

    def _write(self, rows) -> None:
        """Commit the batch at once; if the database refuses it, retry row by row so only
        the offending rows are rejected."""
        try:
            self._execute(rows)
            db.session.commit()
        except Exception:
            db.session.rollback()
            log.warning("import %s: a batch failed; retrying its %d rows one by one",
                        self.spec.name, len(rows))
            for row in rows:
                try:
                    self._execute([row])
                    db.session.commit()
                except (IntegrityError, DataError) as exc:
                    db.session.rollback()
                    row.problems.append(f"database: {_database_message(exc)}")
                except DBAPIError:
                    raise  # the connection or the server, not this row: the import stops
                except Exception as exc:
                    # a value the driver cannot send: this row's problem, not the import's
                    db.session.rollback()
                    row.problems.append(f"database: {type(exc).__name__}: {exc}")
        for row in rows:
            if not row.problems:
                if row.insert:
                    self.summary.created += 1
                else:
                    self.summary.updated += 1

    def _execute(self, rows) -> None:
        table = self.spec.table
        inserts = [row.insert for row in rows if row.insert]
        updates = [row.update for row in rows if row.update]
        connection = db.session.connection()
        if inserts:
            connection.execute(insert(table), inserts)
        if updates:
            connection.execute(update(table).where(table.c.id == bindparam("_id")), updates)
        replaced = [old for row in rows if row.update and row.replaced for old in row.replaced]
        if replaced:  # the values these updates replace, for features of past dates
            connection.execute(insert(FieldHistory), replaced)


def _flatten(messages):
    if isinstance(messages, dict):
        for value in messages.values():
            yield from _flatten(value)
    elif isinstance(messages, list):
        for value in messages:
            yield from _flatten(value)
    else:
        yield str(messages)


def _database_message(exc: DBAPIError) -> str:
    text = str(exc.orig if exc.orig is not None else exc).strip()
    return (text.splitlines() or ["refused"])[0][:200]


def _hash(key: str) -> int:
    # Python's own 64-bit string hash (SipHash, salted per process) is enough within one
    # run and costs no allocation; two ids sharing it by chance: ~n²/2⁶⁵ (3e-8 for 1M ids).
    return hash(key) & 0xFFFF_FFFF_FFFF_FFFF


class SeenKeys:
    """Keys met so far, as 8-byte hashes with the line where each was first met.

    Kept as sorted numpy runs merged like a binary counter: 12 bytes a key (a million keys
    take 12 MB where a dict of them takes ~100 MB), and a batch is looked up with one
    binary search per run, of which there are O(log n).
    """

    def __init__(self):
        self._runs: list[tuple[np.ndarray, np.ndarray]] = []

    def first_lines(self, hashes: np.ndarray) -> np.ndarray:
        """Return the first line of each hash, 0 for hashes not seen."""
        found = np.zeros(len(hashes), dtype=np.uint32)
        for keys, lines in self._runs:
            at = np.minimum(np.searchsorted(keys, hashes), len(keys) - 1)
            hit = keys[at] == hashes
            found[hit] = lines[at[hit]]
        return found

    def add(self, hashes: np.ndarray, lines: np.ndarray) -> None:
        """Remember hashes not seen before, with their lines."""
        if not len(hashes):
            return
        order = np.argsort(hashes)
        keys, lines = hashes[order], lines[order]
        while self._runs and len(self._runs[-1][0]) <= len(keys):
            old_keys, old_lines = self._runs.pop()
            at = np.searchsorted(old_keys, keys)
            keys, lines = np.insert(old_keys, at, keys), np.insert(old_lines, at, lines)
        self._runs.append((keys, lines))


class _Rejects:
    """FILE.rejects.csv: line, reason and the row's original cells, opened at the first
    reject. UTF-8 with a BOM (spreadsheets need it); undecodable input bytes are written
    back as they came; cells a spreadsheet would run as formulas are escaped (csvfiles)."""

    def __init__(self, path: Path, header: list[str]):
        self.path = path
        self.header = header
        # Columns of an earlier rejects file being re-imported are not carried over.
        self.keep = [i for i, name in enumerate(header)
                     if name.lower() not in _REJECT_COLUMNS]
        self._file = self._writer = None

    def add(self, line: int, reason: str, cells: list[str]) -> None:
        if self._writer is None:
            self._file = self.path.open("w", encoding="utf-8-sig", errors="surrogateescape",
                                        newline="")
            self._writer = csvfiles.writer(self._file, lineterminator="\n")
            self._writer.writerow([*_REJECT_COLUMNS, *(self.header[i] for i in self.keep)])
        if len(cells) == len(self.header):
            cells = [cells[i] for i in self.keep]
        self._writer.writerow([line, reason, *cells])

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        if self._file is not None:
            self._file.close()
