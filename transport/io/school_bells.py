"""Weekday bell times of schools from a CSV or .xlsx, one row per school and weekday.

Columns: ``school_urn``, ``weekday`` (``mon``..``fri``), ``bell_start`` and ``bell_finish``
(``HH:MM``; leave one blank to keep the school's usual time, e.g. an early Friday finish gives
only ``bell_finish``). A row overrides the school attributes file for that school and weekday.
Every bad row is reported with its (Excel) row number and the column at fault; nothing is
dropped silently.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from transport.domain.errors import InputError
from transport.domain.models import BellTimes, School
from transport.domain.scenario import WEEKDAYS
from transport.io import cells
from transport.io.tabular import RowErrors, read_table


@dataclass(frozen=True)
class BellRow:
    """One row: a school's bells on one weekday (``None``: the school's usual time)."""

    number: int
    school_id: str
    weekday: str
    bell_start: dt.time | None
    bell_finish: dt.time | None


def _clock(row: dict, key: str) -> dt.time | None:
    value = cells.text(row, key)
    if not value:
        return None
    try:
        return dt.datetime.strptime(value, "%H:%M").time()
    except ValueError:
        raise InputError(f"{key} must be a time HH:MM") from None


def read_school_bells(path: str | Path) -> list[BellRow]:
    """Every row of the file, or ``RowErrors`` listing each bad row with its reason."""
    table = read_table(path)
    table.require("school_urn", "weekday", what="a school bells table")
    if not table.rows:
        raise InputError(f"{table.name} has no data rows")
    out, errors, seen = [], [], {}
    for row in table:
        try:
            row.check()
            school_id = cells.text(row.cells, "school_urn")
            if not school_id:
                raise InputError("school_urn is required")
            day = cells.text(row.cells, "weekday").lower()[:3]
            if day not in WEEKDAYS:
                raise InputError("weekday must be mon, tue, wed, thu or fri")
            start, finish = _clock(row.cells, "bell_start"), _clock(row.cells, "bell_finish")
            if start is None and finish is None:
                raise InputError("give bell_start, bell_finish or both")
            if (school_id, day) in seen:
                raise InputError(f"school {school_id} on {day} is already given on row {seen[school_id, day]}")
            seen[school_id, day] = row.number
            out.append(BellRow(row.number, school_id, day, start, finish))
        except InputError as exc:
            errors.append((row.number, str(exc)))
    if errors:
        raise RowErrors(table.name, errors)
    return out


def with_weekday_bells(schools: dict[str, School], rows: list[BellRow], *, name: str = "school bells") -> dict[str, School]:
    """The schools with these rows' weekday bells over the attributes file's; a row naming an
    unknown school or giving a finish not after the start is reported with its row number."""
    out = dict(schools)
    errors = []
    for row in rows:
        school = out.get(row.school_id)
        if school is None:
            errors.append((row.number, f"school_urn {row.school_id} is not in the school attributes file"))
            continue
        usual = school.weekday_bell_times.get(row.weekday, school.bell_times)
        start, finish = row.bell_start or usual.start, row.bell_finish or usual.finish
        if finish <= start:
            reason = (f"bell_finish {finish:%H:%M} must be after bell_start {start:%H:%M} "
                      f"at school {school.id} on {row.weekday}")
            errors.append((row.number, reason))
            continue
        times = {**school.weekday_bell_times, row.weekday: BellTimes(start=start, finish=finish)}
        out[school.id] = school.model_copy(update={"weekday_bell_times": times})
    if errors:
        raise RowErrors(name, errors)
    return out
