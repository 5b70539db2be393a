"""The one CSV writer: every CSV the project writes goes through here.

Cells are neutralised against spreadsheet formula injection (OWASP "CSV injection"): a text cell
that begins with ``=``, ``+``, ``-``, ``@``, tab or carriage return gets a leading ``'``, so Excel,
LibreOffice and Sheets show it as text instead of running it (``=HYPERLINK(...)``). Numbers the
program itself writes (``int``/``float``, e.g. ``-3.5``) are left as numbers; a *text* cell
``"-3.5"`` is quoted like any other text, because it may have come from a person.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, TextIO

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """The value as a spreadsheet will read it safely: text starting a formula gets a leading ``'``."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def safe_row(values: Iterable[Any]) -> list[Any]:
    """Every cell of a row through :func:`safe_cell`."""
    return [safe_cell(v) for v in values]


class SafeWriter:
    """``csv.writer`` whose rows are neutralised (header included)."""

    def __init__(self, fh: TextIO) -> None:
        self._w = csv.writer(fh)

    def writerow(self, values: Iterable[Any]) -> None:
        self._w.writerow(safe_row(values))

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


class SafeDictWriter:
    """``csv.DictWriter`` whose cells are neutralised (header included)."""

    def __init__(self, fh: TextIO, fieldnames: Sequence[str], *, extrasaction: str = "raise") -> None:
        self.fieldnames = list(fieldnames)
        self._w = csv.DictWriter(fh, fieldnames=self.fieldnames, extrasaction=extrasaction)

    def writeheader(self) -> None:
        self._w.writer.writerow(safe_row(self.fieldnames))

    def writerow(self, row: Mapping[str, Any]) -> None:
        self._w.writerow({k: safe_cell(v) for k, v in row.items()})

    def writerows(self, rows: Iterable[Mapping[str, Any]]) -> None:
        for row in rows:
            self.writerow(row)


def write_dicts(fh: TextIO, fieldnames: Sequence[str], rows: Iterable[Mapping[str, Any]], *,
                extrasaction: str = "raise") -> None:
    """A header and one line per mapping, to an open text file."""
    w = SafeDictWriter(fh, fieldnames, extrasaction=extrasaction)
    w.writeheader()
    w.writerows(rows)


def write_csv_file(path: Path, fieldnames: Sequence[str], rows: Iterable[Mapping[str, Any]], *,
                   extrasaction: str = "raise") -> None:
    """Write ``rows`` to ``path`` (UTF-8, ``newline=''`` as the csv module requires)."""
    with open(path, "w", newline="", encoding="utf-8") as fh:
        write_dicts(fh, fieldnames, rows, extrasaction=extrasaction)


def csv_text(fieldnames: Sequence[str], rows: Iterable[Mapping[str, Any]], *,
             extrasaction: str = "raise") -> str:
    """The CSV as a string, for an HTTP response body."""
    buf = io.StringIO(newline="")
    write_dicts(buf, fieldnames, rows, extrasaction=extrasaction)
    return buf.getvalue()
