"""CSV files the product writes (report exports, the importer's rejects files), written so
that opening one in a spreadsheet runs nothing.

A spreadsheet runs a cell starting with =, +, -, @ (and, after a tab or carriage return,
whatever follows) as a formula. Such text is written behind a single quote, which
spreadsheets show as text and do not run; plain numbers ("-12.5") are left alone, so
negative amounts stay numbers. Every CSV writer of the product goes through `writer`, so
this is the one place the rule lives.
"""

import csv
import io
import re

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")
_ESCAPED = re.compile("'[" + re.escape("".join(FORMULA_START)) + "]")


def escape_cell(cell):
    """Prefix a quote to a text a spreadsheet would run as a formula; plain numbers, and
    values that are not text (the csv module writes those as numbers), stay as they are."""
    if isinstance(cell, str) and cell.startswith(FORMULA_START) \
            and not _PLAIN_NUMBER.fullmatch(cell):
        return "'" + cell
    return cell


def unescape_cell(cell: str) -> str:
    """Undo escape_cell, so a file the product wrote reads back as the original text."""
    return cell[1:] if _ESCAPED.match(cell) else cell


class _Writer:
    """csv.writer whose every cell goes through escape_cell, and whose cells holding a line
    break are always quoted."""

    def __init__(self, handle, lineterminator: str = "\r\n", **kwargs):
        self._handle = handle
        self._end = lineterminator
        self._row = io.StringIO()
        # csv quotes a cell only for the characters of its own line terminator: with "\n",
        # a cell holding "\r" would go out bare and split its row in two when read back.
        # Each row is written with "\r\n", which quotes both, then given the file's ending.
        self._writer = csv.writer(self._row, lineterminator="\r\n", **kwargs)

    def writerow(self, cells) -> None:
        self._row.seek(0)
        self._row.truncate()
        self._writer.writerow([escape_cell(cell) for cell in cells])
        self._handle.write(self._row.getvalue()[:-2] + self._end)

    def writerows(self, rows) -> None:
        for cells in rows:
            self.writerow(cells)


def writer(handle, **kwargs) -> _Writer:
    """A CSV writer (arguments as csv.writer's) that escapes formula text in every cell."""
    return _Writer(handle, **kwargs)
