"""Points on the ground: WGS84 latitude/longitude and British National Grid (EPSG:27700)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

from pyproj import Transformer

from transport.domain.errors import InputError

WGS84 = "EPSG:4326"
BNG = "EPSG:27700"


@lru_cache(maxsize=1)
def _to_bng() -> Transformer:
    """WGS84 (lon, lat) to BNG (easting, northing), built once."""
    return Transformer.from_crs(WGS84, BNG, always_xy=True)


@lru_cache(maxsize=1)
def _from_bng() -> Transformer:
    """BNG (easting, northing) to WGS84 (lon, lat), built once."""
    return Transformer.from_crs(BNG, WGS84, always_xy=True)


@dataclass(frozen=True, slots=True)
class LatLon:
    """A WGS84 point. Validated on creation."""

    lat: float
    lon: float

    def __post_init__(self) -> None:
        for name, value, bound in (("lat", self.lat, 90.0), ("lon", self.lon, 180.0)):
            if not isinstance(value, (int, float)) or math.isnan(value) or abs(value) > bound:
                raise InputError(f"{name} must be a number within ±{bound:g}, got {value!r}")

    @classmethod
    def from_bng(cls, easting: float, northing: float) -> "LatLon":
        """From British National Grid easting/northing in metres."""
        if not (0 <= easting <= 800_000 and 0 <= northing <= 1_400_000):
            raise InputError(
                f"easting/northing {easting:g},{northing:g} is outside the British National Grid"
            )
        lon, lat = _from_bng().transform(easting, northing)
        return cls(lat=float(lat), lon=float(lon))

    def to_bng(self) -> tuple[float, float]:
        """British National Grid (easting, northing) in metres."""
        e, n = _to_bng().transform(self.lon, self.lat)
        return float(e), float(n)

    @classmethod
    def parse(cls, text: str) -> "LatLon":
        """Parse ``"LAT,LON"``; a clear error names the bad text."""
        parts = [p.strip() for p in str(text).split(",")]
        if len(parts) != 2:
            raise InputError(f"expected LAT,LON but got {text!r}")
        try:
            lat, lon = float(parts[0]), float(parts[1])
        except ValueError:
            raise InputError(f"expected LAT,LON numbers but got {text!r}") from None
        return cls(lat=lat, lon=lon)

    def __str__(self) -> str:
        return f"{self.lat:.6f},{self.lon:.6f}"


def wgs_many(eastings: "list[float]", northings: "list[float]") -> tuple[list[float], list[float]]:
    """Project many British National Grid points to WGS84 (lon, lat) at once."""
    lons, lats = _from_bng().transform(eastings, northings)
    return list(map(float, lons)), list(map(float, lats))


def bng_many(points: "list[LatLon]") -> tuple[list[float], list[float]]:
    """Project many WGS84 points to BNG at once."""
    xs, ys = _to_bng().transform([p.lon for p in points], [p.lat for p in points])
    return list(map(float, xs)), list(map(float, ys))


def straight_line_m(a: LatLon, b: LatLon) -> float:
    """Straight-line distance in metres, measured on the British National Grid."""
    (ax, ay), (bx, by) = a.to_bng(), b.to_bng()
    return math.hypot(ax - bx, ay - by)
