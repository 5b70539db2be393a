"""A day plan as its readers see it: each route's morning and afternoon duty, timed on every
weekday, and both runs drawn on the real roads.

One place for what the API (plan routes, map, lots, contractor feed) and ``sen-transport routes
export`` show of a :class:`~transport.planning.day.DayPlanDocument`:

- :func:`day_routes` - per route (``D001``...): vehicle, layout, PA, where it waits between runs,
  the weekdays it runs, and per run its stops in the weekly order with the time of each stop on
  every weekday (``None`` on a weekday the child does not attend: skipped), the run's start and
  end per weekday, and the children skipped on each weekday;
- :func:`day_routes_geojson` - GeoJSON (RFC 7946): one LineString per route **and run** (property
  ``run``: ``am`` or ``pm``) on the real roads, and its stops, children pseudonymous.

A run is drawn as driven on its fullest weekday (the most stops); the times of other weekdays are
in :func:`day_routes`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from routing.network import load_network
from routing.plan import Route, StopKind
from transport.domain.privacy import pseudonym
from transport.domain.scenario import WEEKDAYS
from transport.planning.day import DayPlanDocument
from transport.planning.plan import clock, layout_text, road_line

RUNS = ("am", "pm")


def route_label(k: int) -> str:
    """The planner's name of the ``k``-th duty (1-based): ``D001``, as on the route sheets."""
    return f"D{k:03d}"


def timed_runs(doc: DayPlanDocument) -> list[dict[str, dict[str, Route]]]:
    """Per duty (plan order): run -> weekday -> the timed route driven that day (absent when not driven)."""
    where = {(d.vehicle_type_id, d.vehicle_index): k for k, d in enumerate(doc.plan.duties)}
    out: list[dict[str, dict[str, Route]]] = [{"am": {}, "pm": {}} for _ in doc.plan.duties]
    for day in doc.plan.days:
        for run, plan in (("am", day.am), ("pm", day.pm)):
            for route in plan.routes:
                k = where.get((route.vehicle_type_id, route.vehicle_index))
                if k is not None:
                    out[k][run][day.weekday] = route
    return out


def _visits(route: Route) -> list:
    return [s for s in route.stops if s.kind in (StopKind.PICKUP, StopKind.DELIVERY)] or list(route.stops)


def fullest_weekday(runs: dict[str, Route]) -> str | None:
    """The weekday a run carries most stops (the first such weekday of the week)."""
    days = [d for d in WEEKDAYS if d in runs]
    return max(days, key=lambda d: len(runs[d].stops), default=None)


def day_routes(doc: DayPlanDocument, pseudonymise: Callable[[str], str] | None = None) -> list[dict[str, Any]]:
    """Every route of a day plan with its morning and afternoon duty and its times on each weekday."""
    alias = pseudonymise or pseudonym
    children = {c.id: c for c in doc.scenario.children}
    schools = {s.id: s for s in doc.scenario.schools}
    weekdays = [d.weekday for d in doc.plan.days]
    out = []
    for k, (duty, timed) in enumerate(zip(doc.plan.duties, timed_runs(doc)), start=1):
        runs = []
        for run in RUNS:
            order = duty.am if run == "am" else duty.pm
            by_day = timed[run]
            stops_by_day = {d: {(s.kind.value, s.request_id): s for s in r.stops} for d, r in by_day.items()}
            stops = []
            for i, (kind, rid) in enumerate(order, start=1):
                child = children.get(rid)
                at_school = (kind == "delivery") == (run == "am")
                times = {}
                where = None
                for d in weekdays:
                    s = stops_by_day.get(d, {}).get((kind, rid))
                    times[d] = clock(s.service_start_s) if s is not None else None
                    where = where if s is None or where is not None else doc.locations[s.location].point
                needs = []
                if child is not None:
                    needs += ["wheelchair"] * child.wheelchair + ["travels alone"] * child.travel_alone
                    needs += ["PA"] * child.passenger_assistant
                school = schools.get(child.school_id) if child is not None else None
                stops.append({"stop": i, "kind": kind, "child": alias(rid),
                              "place": (school.name if at_school and school is not None else "home"),
                              "school_id": school.id if school is not None else None,
                              "lat": round(where.lat, 5) if where is not None else None,
                              "lon": round(where.lon, 5) if where is not None else None,
                              "days": list(child.attends) if child is not None else [],
                              "needs": "; ".join(needs), "times": times})
            riders = [rid for kind, rid in order if kind == "pickup"]
            skipped = {d: [alias(c) for c in riders if c in children and d not in children[c].attends]
                       for d in weekdays}
            starts, ends = {}, {}
            for d in weekdays:
                route = by_day.get(d)
                visits = _visits(route) if route is not None else []
                starts[d] = clock(visits[0].arrival_s) if visits else None
                ends[d] = clock(visits[-1].departure_s) if visits else None
            driven = [d for d in weekdays if d in by_day]
            timings = {tuple(s["times"][d] for s in stops) for d in driven}
            runs.append({"run": run, "weekdays": driven, "children": len(riders), "start": starts, "end": ends,
                         "times_differ": len(timings) > 1, "stops": stops,
                         "skipped": {d: ids for d, ids in skipped.items() if ids}})
        school_ids = sorted({children[c].school_id for c in duty.children("am") + duty.children("pm") if c in children})
        out.append({
            "route": route_label(k), "vehicle_type": duty.vehicle_type_id, "vehicle_index": duty.vehicle_index,
            "layout": layout_text(duty.layout.seats, duty.layout.wheelchairs), "seats": duty.layout.seats,
            "wheelchair_spaces": duty.layout.wheelchairs, "assistant": duty.has_assistant,
            "between": duty.between, "school_ids": school_ids,
            "children": len(set(duty.children("am")) | set(duty.children("pm"))),
            "weekdays": [d for d in weekdays if any(d in r["weekdays"] for r in runs)],
            "am": runs[0], "pm": runs[1],
        })
    return out


def day_routes_geojson(doc: DayPlanDocument, network=None,
                       pseudonymise: Callable[[str], str] | None = None) -> dict[str, Any]:
    """Both runs of every route on the real roads (property ``run``), and their stops."""
    alias = pseudonymise or pseudonym
    net = network or load_network("drive")
    snaps = net.snap_many([loc.point for loc in doc.locations])
    features: list[dict[str, Any]] = []
    for k, (duty, timed) in enumerate(zip(doc.plan.duties, timed_runs(doc)), start=1):
        label = route_label(k)
        for run in RUNS:
            weekday = fullest_weekday(timed[run])
            if weekday is None:
                continue
            route = timed[run][weekday]
            coords = road_line(net, snaps, route)
            features.append({"type": "Feature", "geometry": {"type": "LineString", "coordinates": coords},
                             "properties": {"route": label, "run": run, "weekday": weekday,
                                            "vehicle_type": duty.vehicle_type_id, "assistant": duty.has_assistant,
                                            "children": len(duty.children(run)), "between": duty.between}})
            for order, stop in enumerate(route.stops):
                loc = doc.locations[stop.location]
                features.append({"type": "Feature",
                                 "geometry": {"type": "Point", "coordinates": [loc.point.lon, loc.point.lat]},
                                 "properties": {"route": label, "run": run, "weekday": weekday, "stop": order,
                                                "kind": stop.kind.value, "time": clock(stop.service_start_s),
                                                "child": alias(stop.request_id) if stop.request_id else ""}})
    return {"type": "FeatureCollection", "features": features}
