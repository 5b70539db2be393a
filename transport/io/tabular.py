"""One reader for every table a council hands in: CSV (UTF-8, UTF-8 with BOM, Windows-1252) or .xlsx.

Cohorts, children, points and route lists all come through ``read_table``, so the CLI and the
API number rows the same way: the number the user sees in Excel (the header is row 1, the first
data row is row 2; a CSV record spanning several lines is still one row). Column names are
compared stripped and lower-case; every cell comes back as stripped text ('' when blank).

Whole-file faults (not a table, undecodable bytes, a merged or repeated header) raise one
``InputError`` naming the file, the row and the byte or cell. Faults of one row (a cell longer
than a spreadsheet cell can be) are kept on that ``Row`` as ``problem``, so the caller reports
the row and goes on: rows in = results + errors.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import sys
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from transport.domain.errors import InputError

MAX_CELL_CHARS = 32_767
"""Longest cell accepted (Excel's own limit); a longer one is an error of its row."""

XLSX_MAGIC = b"PK\x03\x04"
_CP1252_UNDEFINED = frozenset(b"\x81\x8d\x8f\x90\x9d")


@dataclass(frozen=True)
class Row:
    """One data row: its number as Excel shows it, its cells by lower-case column name."""

    number: int
    cells: dict[str, str]
    problem: str | None = None

    def get(self, key: str, default: str = "") -> str:
        """The cell of a column ('' or ``default`` when the column is absent)."""
        return self.cells.get(key, default)

    def check(self) -> None:
        """Raise the row's own fault (an over-long cell) as an ``InputError``."""
        if self.problem:
            raise InputError(self.problem)


@dataclass(frozen=True)
class Table:
    """The rows of one sheet or CSV file, with its name for messages."""

    name: str
    columns: tuple[str, ...]
    rows: tuple[Row, ...]
    encoding: str = field(default="utf-8")

    def __iter__(self) -> Iterator[Row]:
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)

    def require(self, *columns: str, what: str = "table") -> None:
        """Raise one error naming every required column the header lacks (``what``: "an applications table")."""
        missing = [c for c in columns if c not in self.columns]
        if missing:
            raise InputError(f"{self.name}: not {what}: the header (row 1) has no column {', '.join(missing)}")


class RowErrors(InputError):
    """One or more rows could not be read; each is listed with its (Excel) row number."""

    def __init__(self, name: str | Path, errors: list[tuple[int, str]]):
        self.errors = errors
        first_row, first_reason = errors[0]
        more = f" (and {len(errors) - 1} more bad rows)" if len(errors) > 1 else ""
        super().__init__(f"{Path(name).name if isinstance(name, Path) else name} row {first_row}: "
                         f"{first_reason}{more}")


def read_table(source: str | Path | bytes, *, name: str | None = None, sheet: str | None = None) -> Table:
    """Read a CSV or .xlsx file (a path, or the bytes of an upload) into a ``Table``.

    The format is told by content, not by the name: a workbook is a zip file. ``sheet`` picks a
    worksheet by name (default: the first).
    """
    if isinstance(source, (str, Path)):
        path = Path(source)
        name = name or path.name
        if not path.exists():
            raise InputError(f"file {path} not found")
        if path.suffix.lower() == ".xls":
            raise InputError(f"{name}: old .xls workbooks are not read; save it as .xlsx or CSV")
        data = path.read_bytes()
    else:
        data, name = bytes(source), name or "upload"
    if data.startswith(XLSX_MAGIC):
        return _read_xlsx(data, name, sheet)
    return _read_csv(data, name)


# ------------------------------------------------------------------------------------------------
# CSV
# ------------------------------------------------------------------------------------------------
def _line_of(data: bytes, offset: int) -> tuple[int, int]:
    """1-based line and byte column of a byte offset."""
    line = data.count(b"\n", 0, offset) + 1
    start = data.rfind(b"\n", 0, offset) + 1
    return line, offset - start + 1


def decode(data: bytes, name: str) -> tuple[str, str]:
    """Text and encoding of a CSV: UTF-8 (with or without BOM), UTF-16 with BOM, else Windows-1252."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError:
            raise InputError(f"{name}: starts as UTF-16 but is not valid UTF-16; save it as CSV UTF-8") from None
    if b"\x00" in data:
        line, col = _line_of(data, data.index(b"\x00"))
        raise InputError(f"{name} row {line}: byte 0x00 at byte {col}: this is not a CSV text file "
                         f"(save it as CSV UTF-8 or .xlsx)")
    bom = data.startswith(b"\xef\xbb\xbf")
    body = data[3:] if bom else data
    try:
        return body.decode("utf-8"), "utf-8-sig" if bom else "utf-8"
    except UnicodeDecodeError as exc:
        offset = exc.start + (3 if bom else 0)  # a BOM promises UTF-8: its first bad byte is the fault
    if not bom:
        bad = next((i for i, b in enumerate(data) if b in _CP1252_UNDEFINED), None)
        if bad is None:
            return data.decode("cp1252"), "cp1252"
        offset = bad
    line, col = _line_of(data, offset)
    raise InputError(f"{name} row {line}: byte 0x{data[offset]:02x} at byte {col} is neither UTF-8 nor "
                     f"Windows-1252 text; save the file as CSV UTF-8")


def _read_csv(data: bytes, name: str) -> Table:
    text, encoding = decode(data, name)
    if not text.strip():
        raise InputError(f"{name} is empty")
    old = csv.field_size_limit()
    csv.field_size_limit(sys.maxsize)  # over-long cells become row errors below, not a failed file
    try:
        reader = csv.reader(io.StringIO(text, newline=""))
        try:
            records = list(reader)
        except csv.Error as exc:
            raise InputError(f"{name} row {reader.line_num}: not readable as CSV ({exc})") from None
    finally:
        csv.field_size_limit(old)
    header = records[0]
    return _table(name, header, ((i, rec) for i, rec in enumerate(records[1:], start=2)), encoding)


# ------------------------------------------------------------------------------------------------
# xlsx
# ------------------------------------------------------------------------------------------------
def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    return str(value)


def _read_xlsx(data: bytes, name: str, sheet: str | None) -> Table:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        wb = load_workbook(io.BytesIO(data), read_only=False, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError) as exc:
        raise InputError(f"{name}: not a readable .xlsx workbook ({exc.__class__.__name__})") from None
    try:
        if sheet is not None and sheet not in wb.sheetnames:
            raise InputError(f"{name}: no sheet {sheet!r} (sheets: {', '.join(wb.sheetnames)})")
        ws = wb[sheet] if sheet is not None else wb.worksheets[0]
        where = f"{name} sheet {ws.title!r}"
        for rng in ws.merged_cells.ranges:
            if rng.min_row <= 1:
                raise InputError(f"{where}: header cells {rng.coord} are merged; unmerge them so each "
                                 f"column has its own name in row 1")
        rows = ws.iter_rows(values_only=True)
        header = next(rows, None)
        if header is None:
            raise InputError(f"{where} is empty")
        body = ((i, [_cell_text(v) for v in rec]) for i, rec in enumerate(rows, start=2))
        return _table(where, [_cell_text(v) for v in header], body, "xlsx")
    finally:
        wb.close()


# ------------------------------------------------------------------------------------------------
# shared
# ------------------------------------------------------------------------------------------------
def _table(name: str, header: list[str], records: Iterable[tuple[int, list[str]]], encoding: str) -> Table:
    columns = [h.strip().lower() for h in header]
    while columns and not columns[-1]:
        columns.pop()
    if not any(columns):
        raise InputError(f"{name}: row 1 must hold the column names, and it is empty")
    seen: set[str] = set()
    for c in columns:
        if c and c in seen:
            raise InputError(f"{name}: column {c!r} appears twice in the header (row 1)")
        seen.add(c)
    rows = []
    for number, rec in records:
        values = [v.strip() if isinstance(v, str) else _cell_text(v) for v in rec]
        if not any(values):
            continue  # a blank row: nothing to read, and its number is kept by the next row
        problem = None
        long = [(columns[j] if j < len(columns) and columns[j] else f"column {j + 1}")
                for j, v in enumerate(values) if len(v) > MAX_CELL_CHARS]
        if long:
            problem = f"cell {long[0]} holds more than {MAX_CELL_CHARS:,} characters"
            values = [v[:MAX_CELL_CHARS] for v in values]
        extra = [v for v in values[len(columns):] if v]
        if extra and problem is None:
            problem = f"{len(values)} cells but the header names {len(columns)} columns"
        cells = {c: (values[j] if j < len(values) else "") for j, c in enumerate(columns) if c}
        rows.append(Row(number, cells, problem))
    return Table(name, tuple(c for c in columns if c), tuple(rows), encoding)
