"""The one CSV writer neutralises spreadsheet formulas in every cell it writes."""

import csv
import io

from hypothesis import given, settings
from hypothesis import strategies as st

from transport.io.csv_out import FORMULA_TRIGGERS, SafeWriter, csv_text, safe_cell, write_csv_file


def test_each_trigger_gets_a_leading_quote():
    """= + - @ tab and CR at the start of a text cell are prefixed with '."""
    for t in FORMULA_TRIGGERS:
        assert safe_cell(t + "HYPERLINK(\"http://x\")") == "'" + t + "HYPERLINK(\"http://x\")"
    assert safe_cell("Oakham C of E") == "Oakham C of E"
    assert safe_cell("a=b") == "a=b"


def test_program_numbers_stay_numbers():
    """Negative ints and floats the program writes are not turned into text."""
    assert safe_cell(-3) == -3 and safe_cell(-2.5) == -2.5 and safe_cell(None) is None
    assert safe_cell("-2.5") == "'-2.5"


def test_file_header_and_cells_are_safe(tmp_path):
    """write_csv_file neutralises the header as well as the cells."""
    path = tmp_path / "x.csv"
    write_csv_file(path, ["id", "=name"], [{"id": "@SUM(A1)", "=name": "=1+1"}])
    rows = list(csv.reader(path.open(encoding="utf-8", newline="")))
    assert rows == [["id", "'=name"], ["'@SUM(A1)", "'=1+1"]]


@settings(deadline=None)  # the shared 2-core machine: no timing in tests
@given(st.lists(st.lists(st.text(), min_size=1, max_size=4), min_size=1, max_size=5))
def test_no_cell_read_back_starts_a_formula(rows):
    """Property: read back, no cell starts with a trigger, and stripping the added quote gives the input."""
    buf = io.StringIO(newline="")
    SafeWriter(buf).writerows(rows)
    back = list(csv.reader(io.StringIO(buf.getvalue(), newline="")))
    assert len(back) == len(rows)
    for got_row, want_row in zip(back, rows, strict=True):
        for got, want in zip(got_row, want_row, strict=True):
            assert not got.startswith(FORMULA_TRIGGERS)
            assert got == want or (got == "'" + want and want.startswith(FORMULA_TRIGGERS))


@settings(deadline=None)
@given(st.dictionaries(st.sampled_from(["a", "b", "c"]), st.text(), min_size=3))
def test_csv_text_round_trips_safe_dicts(row):
    """Property: csv_text (API responses) is the same writer."""
    back = list(csv.DictReader(io.StringIO(csv_text(["a", "b", "c"], [row]), newline="")))
    assert len(back) == 1
    for k, want in row.items():
        assert not back[0][k].startswith(FORMULA_TRIGGERS)
        assert back[0][k] in (want, "'" + want)
