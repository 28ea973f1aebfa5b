"""backend/csvfiles.py: the one escape every CSV file the product writes goes through."""

import csv
import io

import pytest

from backend import csvfiles


@pytest.mark.parametrize(("cell", "escaped"), [
    ("=1+1", "'=1+1"), ("+cmd", "'+cmd"), ("-cmd", "'-cmd"), ("@SUM(A1)", "'@SUM(A1)"),
    ("\tx", "'\tx"), ("\rx", "'\rx"), ("-12.50", "-12.50"), ("-12.5", "-12.5"), ("+5", "+5"),
    ("-1e3", "-1e3"), ("-.5", "-.5"), ("-", "'-"), ("--1", "'--1"), ("-1-2", "'-1-2"),
    ("text", "text"), ("", ""), ("a=b", "a=b"),
])
def test_escape_cell(cell, escaped):
    assert csvfiles.escape_cell(cell) == escaped


@pytest.mark.parametrize("value", [-12.5, -3, 0, None, True])
def test_values_that_are_not_text_are_left_to_the_csv_module(value):
    assert csvfiles.escape_cell(value) is value


@pytest.mark.parametrize("cell", ["=1+1", "+cmd", "-cmd", "@x", "\tx", "\rx", "-", "'plain"])
def test_unescape_reverses_escape(cell):
    assert csvfiles.unescape_cell(csvfiles.escape_cell(cell)) == cell


def test_the_writer_escapes_every_cell_and_keeps_numbers():
    out = io.StringIO()
    writer = csvfiles.writer(out, lineterminator="\n")
    writer.writerow(["=name", "-12.5", -7.25, None])
    writer.writerows([["@x", "+5"], ["\r", "ok"]])

    rows = list(csv.reader(io.StringIO(out.getvalue(), newline="")))

    assert rows == [["'=name", "-12.5", "-7.25", ""], ["'@x", "+5"], ["'\r", "ok"]]
    assert out.getvalue().endswith('"\'\r",ok\n')  # quoted, though the file ends lines with \n
