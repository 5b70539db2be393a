"""Reading points from CSV: an id and a postcode, lat/lon, or British National Grid easting/northing.

Every bad row is collected with its row number and reason before anything is reported.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from transport.domain.errors import InputError
from transport.domain.geo import LatLon

POINT_COLUMNS = ("lat,lon", "easting,northing", "postcode")


@dataclass(frozen=True)
class LabelledPoint:
    """A point with the id it was given and the CSV row it came from."""

    id: str
    point: LatLon
    row: int


class RowErrors(InputError):
    """One or more CSV rows could not be read; each is listed with its row number."""

    def __init__(self, path: Path, errors: list[tuple[int, str]]):
        self.errors = errors
        first_row, first_reason = errors[0]
        more = f" (and {len(errors) - 1} more bad rows)" if len(errors) > 1 else ""
        super().__init__(f"{path.name} row {first_row}: {first_reason}{more}")


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
            from transport.domain.geocode import PostcodeIndex

            postcodes = PostcodeIndex.load()
        return postcodes.lookup(row["postcode"])
    raise InputError("no location: give lat,lon or easting,northing or postcode")


def read_points(path: Path) -> list[LabelledPoint]:
    """Read ``id`` plus one of lat/lon, easting/northing, postcode per row; all errors at once."""
    path = Path(path)
    if not path.exists():
        raise InputError(f"points file {path} not found")
    try:
        with open(path, encoding="utf-8-sig", newline="") as fh:
            rows = list(csv.DictReader(fh))
    except (UnicodeDecodeError, csv.Error) as exc:
        raise InputError(f"{path.name} is not a readable CSV file: {exc}") from None
    if not rows:
        raise InputError(f"{path.name} has no data rows")
    columns = set(rows[0].keys())
    if not ({"lat", "lon"} <= columns or {"easting", "northing"} <= columns or "postcode" in columns):
        raise InputError(f"{path.name} needs columns id and one of {', '.join(POINT_COLUMNS)}")
    postcodes = None
    if "postcode" in columns:
        from transport.domain.geocode import PostcodeIndex

        postcodes = PostcodeIndex.load()
    points, errors, seen = [], [], set()
    for i, row in enumerate(rows, start=2):  # row 1 is the header
        pid = (row.get("id") or "").strip() or f"row{i}"
        try:
            if pid in seen:
                raise InputError(f"duplicate id {pid!r}")
            seen.add(pid)
            points.append(LabelledPoint(pid, point_from_row(row, postcodes), i))
        except InputError as exc:
            errors.append((i, str(exc)))
    if errors:
        raise RowErrors(path, errors)
    return points
