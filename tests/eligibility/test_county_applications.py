"""The synthetic county's mainstream applications (benchmarks/synthetic_county.py) go to schools near home."""

from __future__ import annotations

import random

import numpy as np
from pyproj import Transformer

from tests.conftest import synthetic_county_module

_synthetic_county = synthetic_county_module


def test_applications_go_to_a_school_of_their_kind_within_the_radius_else_the_nearest():
    sc = _synthetic_county()
    to_ll = Transformer.from_crs("EPSG:27700", "EPSG:4326", always_xy=True)
    to_bng = Transformer.from_crs("EPSG:4326", "EPSG:27700", always_xy=True)

    def at(x, y):
        lon, lat = to_ll.transform(x, y)
        return {"lat": lat, "lon": lon}

    schools = {f"P{i}": {"phase": "primary", **at(480_000 + 40_000 * i, 300_000)} for i in range(4)}
    schools |= {f"S{i}": {"phase": "secondary", **at(480_000 + 40_000 * i, 310_000)} for i in range(4)}
    schools["X"] = {"phase": "secondary", "type": "special", **at(600_000, 300_000)}
    homes = [tuple(reversed(to_ll.transform(482_000 + 37_000 * (i % 4), 301_000))) for i in range(400)]
    rows = sc.applications(schools, homes, random.Random(1))
    assert len(rows) == 400 and len({r["school_urn"] for r in rows}) > 4
    for r in rows:
        s = schools[r["school_urn"]]
        hx, hy = to_bng.transform(r["home_lon"], r["home_lat"])
        sx, sy = to_bng.transform(s["lon"], s["lat"])
        if r["ehc_plan"] == "yes":
            assert r["school_urn"] == "X" == r["ehc_named_school"]   # the only special school, however far
        else:
            assert np.hypot(sx - hx, sy - hy) <= sc.SCHOOL_RADIUS_M
