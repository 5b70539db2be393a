"""Postcode to point: OS Code-Point Open centroids (British National Grid) to WGS84."""

from __future__ import annotations

import csv
import gzip
import io
import re
from dataclasses import dataclass
from pathlib import Path

from transport.domain.config import get_settings
from transport.domain.errors import InputError, UnknownPostcodeError
from transport.domain.geo import LatLon, wgs_many

_POSTCODE = re.compile(r"^([A-Z]{1,2}[0-9][0-9A-Z]?)\s*([0-9][A-Z]{2})$")


def normalise_postcode(text: str) -> str:
    """Upper-case a UK postcode with one space before the inward code, or raise."""
    compact = re.sub(r"\s+", "", str(text).upper())
    m = _POSTCODE.match(compact)
    if not m:
        raise InputError("postcode is not a UK postcode (e.g. LE15 6RB)")
    return f"{m.group(1)} {m.group(2)}"


@dataclass(frozen=True, slots=True)
class PostcodeRecord:
    """One Code-Point Open row: centroid and administrative codes."""

    postcode: str
    quality: int
    easting: float
    northing: float
    district_code: str


def _open_text(path: Path) -> io.TextIOBase:
    if path.suffix == ".gz":
        return io.TextIOWrapper(gzip.open(path, "rb"), encoding="utf-8", newline="")
    return open(path, encoding="utf-8", newline="")


class PostcodeIndex:
    """Postcode centroids from one or more Code-Point Open CSV files (no header row)."""

    def __init__(self, records: dict[str, PostcodeRecord]):
        self._records = records
        self._centroids: dict[str, LatLon] = {}

    @classmethod
    def from_files(cls, paths: list[Path]) -> "PostcodeIndex":
        """Read Code-Point Open CSVs; quality 90 rows (no coordinates) are skipped."""
        records: dict[str, PostcodeRecord] = {}
        for path in paths:
            with _open_text(path) as fh:
                for row in csv.reader(fh):
                    if len(row) < 4 or row[0].strip().lower() == "postcode":
                        continue
                    quality = int(row[1])
                    if quality >= 90:
                        continue
                    pc = normalise_postcode(row[0])
                    records[pc] = PostcodeRecord(
                        pc, quality, float(row[2]), float(row[3]), row[8] if len(row) > 8 else ""
                    )
        return cls(records)

    @classmethod
    def load(cls) -> "PostcodeIndex":
        """The postcode files named by the settings."""
        return cls.from_files(get_settings().paths("postcodes"))

    def __len__(self) -> int:
        return len(self._records)

    def __contains__(self, postcode: str) -> bool:
        try:
            return normalise_postcode(postcode) in self._records
        except InputError:
            return False

    def record(self, postcode: str) -> PostcodeRecord:
        """The Code-Point record of a postcode, or a clear error."""
        pc = normalise_postcode(postcode)
        try:
            return self._records[pc]
        except KeyError:
            raise UnknownPostcodeError("postcode is not in the loaded postcode file (outside the area the data covers)") from None

    def lookup(self, postcode: str) -> LatLon:
        """The WGS84 centroid of a postcode (projected once per postcode)."""
        rec = self.record(postcode)
        if not self._centroids:
            self._project_all()
        return self._centroids.get(rec.postcode) or LatLon.from_bng(rec.easting, rec.northing)

    def _project_all(self) -> None:
        """Every centroid inside the grid projected to WGS84 in one call (outside ones raise on lookup)."""
        recs = [r for r in self._records.values() if 0 <= r.easting <= 800_000 and 0 <= r.northing <= 1_400_000]
        lons, lats = wgs_many([r.easting for r in recs], [r.northing for r in recs])
        self._centroids = {r.postcode: LatLon(lat=lat, lon=lon) for r, lon, lat in zip(recs, lons, lats)}

    def postcodes(self) -> list[str]:
        """Every loaded postcode, sorted."""
        return sorted(self._records)
