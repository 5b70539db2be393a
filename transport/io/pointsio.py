"""Reading points from CSV or .xlsx: an id and a postcode, lat/lon, or British National Grid easting/northing.

Every bad row is collected with its (Excel) row number and reason before anything is reported.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from transport.domain.errors import InputError
from transport.domain.geo import LatLon
from transport.domain.geocode import PostcodeIndex
from transport.io.tabular import RowErrors, read_table

__all__ = ["LabelledPoint", "RowErrors", "point_from_row", "read_points"]

POINT_COLUMNS = ("lat,lon", "easting,northing", "postcode")


@dataclass(frozen=True)
class LabelledPoint:
    """A point with the id it was given and the CSV row it came from."""

    id: str
    point: LatLon
    row: int


def _number(row: dict, key: str) -> float:
    text = (row.get(key) or "").strip()
    if not text:
        raise InputError(f"{key} is empty")
    try:
        return float(text)
    except ValueError:
        raise InputError(f"{key} {text!r} is not a number") from None


def point_from_row(row: dict, postcodes=None) -> LatLon:
    """The point of one CSV row: lat/lon, else easting/northing, else postcode."""
    if (row.get("lat") or "").strip() or (row.get("lon") or "").strip():
        return LatLon(_number(row, "lat"), _number(row, "lon"))
    if (row.get("easting") or "").strip() or (row.get("northing") or "").strip():
        return LatLon.from_bng(_number(row, "easting"), _number(row, "northing"))
    if (row.get("postcode") or "").strip():
        if postcodes is None:
            postcodes = PostcodeIndex.load()
        return postcodes.lookup(row["postcode"])
    raise InputError("no location: give lat,lon or easting,northing or postcode")


def read_points(path: Path) -> list[LabelledPoint]:
    """Read ``id`` plus one of lat/lon, easting/northing, postcode per row; all errors at once."""
    table = read_table(path)
    if not table.rows:
        raise InputError(f"{table.name} has no data rows")
    columns = set(table.columns)
    if not ({"lat", "lon"} <= columns or {"easting", "northing"} <= columns or "postcode" in columns):
        raise InputError(f"{table.name} needs columns id and one of {', '.join(POINT_COLUMNS)}")
    postcodes = None
    if "postcode" in columns:
        postcodes = PostcodeIndex.load()
    points, errors, seen = [], [], set()
    for row in table:
        pid = row.get("id") or f"row{row.number}"
        try:
            row.check()
            if pid in seen:
                raise InputError(f"duplicate id {pid!r}")
            seen.add(pid)
            points.append(LabelledPoint(pid, point_from_row(row.cells, postcodes), row.number))
        except InputError as exc:
            errors.append((row.number, str(exc)))
    if errors:
        raise RowErrors(table.name, errors)
    return points
