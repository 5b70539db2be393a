"""Where to go for a pick-up, in words: the home's postcode when the family gave one; for a home
given as coordinates (or a grid reference or UPRN), the nearest named street in the OSM drive
network and the nearest postcode unit (Code-Point Open centroid) instead of a blank."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import shapely
from scipy.spatial import cKDTree

from routing.network import Network
from transport.domain.geo import LatLon
from transport.domain.geocode import PostcodeIndex

STREET_WITHIN_M = 150.0
"""A street further than this from the home is not named ("near …" would mislead)."""


def nearest_street_names(network: Network, points: Sequence[LatLon], *, within_m: float = STREET_WITHIN_M) -> list[str | None]:
    """For each point, the name of the nearest named way within ``within_m`` metres, or None."""
    out: list[str | None] = []
    for p in points:
        x, y = p.to_bng()
        here = shapely.Point(x, y)
        near = network.tree.query(here.buffer(within_m))
        best, best_d = None, np.inf
        for e in near:
            name = network.edge_name[int(e)]
            if not name:
                continue
            d = network.edge_geometry[int(e)].distance(here)
            if d < best_d:
                best, best_d = str(name), d
        out.append(best)
    return out


class NearestPostcode:
    """The postcode unit whose Code-Point centroid is nearest a point (the unit it most likely falls in)."""

    def __init__(self, postcodes: PostcodeIndex):
        codes = postcodes.postcodes()
        recs = [postcodes.record(c) for c in codes]
        self.codes = codes
        self.tree = cKDTree(np.array([[r.easting, r.northing] for r in recs])) if recs else None

    def __call__(self, point: LatLon) -> str | None:
        if self.tree is None:
            return None
        _, i = self.tree.query(point.to_bng())
        return self.codes[int(i)]


def describe(given_postcode: str | None, street: str | None, nearest_postcode: str | None) -> str:
    """"LE15 6AB" when the postcode was given; else "Oakham Road, near LE15 6AB" (or what is known)."""
    if given_postcode:
        return given_postcode
    parts = [street] if street else []
    if nearest_postcode:
        parts.append(f"near {nearest_postcode}" if street else f"in or near postcode {nearest_postcode}")
    return ", ".join(parts) or "the map point given (no street or postcode nearby in the loaded data)"


def pickup_descriptions(doc, *, network: Network, postcodes: PostcodeIndex,
                        given: dict[str, str] | None = None) -> dict[str, str]:
    """Each child's pick-up in words, by child id (``doc`` is a ``PlanDocument``): the postcode the
    scenario (or ``given``, e.g. the application) names, else street and nearest postcode."""
    given = given or {}
    children = list(doc.scenario.children)
    homes = {stop.request_id: doc.locations[stop.location].point for route in doc.plan.routes for stop in route.stops
             if stop.request_id and doc.locations[stop.location].kind == "home"}
    need = [c for c in children if not (c.home.postcode or given.get(c.id)) and c.id in homes]
    streets = dict(zip([c.id for c in need], nearest_street_names(network, [homes[c.id] for c in need])))
    nearest = NearestPostcode(postcodes) if need else None
    out = {}
    for c in children:
        if c.id not in homes:
            continue
        if c.id in streets:
            out[c.id] = describe(None, streets[c.id], nearest(homes[c.id]) if nearest else None)
        else:
            out[c.id] = describe(c.home.postcode or given.get(c.id), None, None)
    return out


def bell_text(school, session: str) -> str:
    """The bell that the run is timed to: "bell 08:45" (morning) or "bell 15:15" (afternoon)."""
    t = school.bell_finish if session == "pm" else school.bell_start
    return f"bell {t.strftime('%H:%M')}"
