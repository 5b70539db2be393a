"""Plans to GeoPackage for QGIS (geopandas + pyogrio): layers ``routes``, ``stops``, ``schools`` and
``depots``, and ``walking_routes`` of decisions. Children appear only by pseudonymous id; homes
only as the pick-up stops of a route. Coordinates are WGS84 (EPSG:4326).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

import geopandas as gpd
from shapely.geometry import LineString, Point

from eligibility.rules import Decision
from transport.planning.plan import PlanDocument, clock

CRS = "EPSG:4326"


def _frame(rows: list[dict], geometry: list, columns: Sequence[str]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(rows or {c: [] for c in columns}, geometry=geometry, crs=CRS)


def plan_layers(doc: PlanDocument, pseudonym: Callable[[str], str],
                lines: dict[str, Sequence[Sequence[float]]] | None = None) -> dict[str, gpd.GeoDataFrame]:
    """The plan's layers; ``lines`` are the routes on the roads by reference (else straight stop to stop)."""
    lines = lines or {}
    schools = {s.id: s for s in doc.scenario.schools}
    route_rows, route_geoms, stop_rows, stop_geoms = [], [], [], []
    for i, route in enumerate(doc.plan.routes, start=1):
        ref = f"R{i:03d}"
        visits = [s for s in route.stops if doc.locations[s.location].kind != "depot"] or list(route.stops)
        coords = lines.get(ref) or [(doc.locations[s.location].point.lon, doc.locations[s.location].point.lat)
                                    for s in route.stops]
        route_rows.append({"route": ref, "vehicle_type": route.vehicle_type_id, "seats": route.layout.seats,
                           "wheelchair_spaces": route.layout.wheelchairs, "assistant": route.has_assistant,
                           "children": len(route.request_ids()), "start": clock(visits[0].arrival_s),
                           "end": clock(visits[-1].departure_s)})
        route_geoms.append(LineString(coords) if len(coords) >= 2 else None)
        for order, stop in enumerate(route.stops):
            loc = doc.locations[stop.location]
            stop_rows.append({"route": ref, "stop": order, "kind": stop.kind.value, "place": loc.kind,
                              "school": schools[loc.id].name if loc.kind == "school" and loc.id in schools else "",
                              "arrive": clock(stop.arrival_s), "depart": clock(stop.departure_s),
                              "child": pseudonym(stop.request_id) if stop.request_id else ""})
            stop_geoms.append(Point(loc.point.lon, loc.point.lat))
    school_rows, school_geoms, depot_rows, depot_geoms = [], [], [], []
    for loc in doc.locations:
        if loc.kind == "school" and loc.id in schools:
            s = schools[loc.id]
            school_rows.append({"urn": s.id, "name": s.name, "phase": s.phase,
                                "bell_start": s.bell_start.strftime("%H:%M"), "bell_finish": s.bell_finish.strftime("%H:%M")})
            school_geoms.append(Point(loc.point.lon, loc.point.lat))
        elif loc.kind == "depot":
            depot_rows.append({"fleet": loc.id, "name": next((v.name for v in doc.scenario.fleet if v.id == loc.id), loc.id)})
            depot_geoms.append(Point(loc.point.lon, loc.point.lat))
    return {"routes": _frame(route_rows, route_geoms, ["route"]),
            "stops": _frame(stop_rows, stop_geoms, ["route"]),
            "schools": _frame(school_rows, school_geoms, ["urn"]),
            "depots": _frame(depot_rows, depot_geoms, ["fleet"])}


def walking_routes_layer(decisions: Iterable[Decision], pseudonym: Callable[[str], str]) -> gpd.GeoDataFrame:
    """Each decision's measured walking route (application pseudonymised), with its outcome and distances."""
    rows, geoms = [], []
    for d in decisions:
        if len(d.route) < 2:
            continue
        rows.append({"application": pseudonym(d.application_id), "eligible": d.eligible,
                     "rule": ", ".join(d.bases) if d.eligible else (d.refusal or ""), "school_urn": d.school_id,
                     "school": d.school_name, "walking_miles": d.walking_miles,
                     "unsafe_avoided": ", ".join(d.unsafe_segments_avoided), "policy": d.policy_version})
        geoms.append(LineString([tuple(p) for p in d.route]))
    return _frame(rows, geoms, ["application"])


def write_geopackage(path: str | Path, layers: dict[str, gpd.GeoDataFrame]) -> Path:
    """Write each non-empty layer to one GeoPackage (replacing the file)."""
    path = Path(path)
    if path.exists():
        path.unlink()
    for name, frame in layers.items():
        if len(frame):
            frame.to_file(path, layer=name, driver="GPKG", engine="pyogrio")
    return path
