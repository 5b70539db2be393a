"""Documents for schools and operators: the school list (per school and run, which vehicles
arrive and leave when, with which children by first name and pseudonymous id) and the operator
route pack (per awarded route: stops, times, access notes, equipment and the map).

Both hold only what the contractor feed allows: a first name, a pseudonymous id, the pick-up
point and access needs. No dates of birth, application references, diagnoses or addresses.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any

from transport.documents.journeys import Award, journeys, plan_ref, route_ref
from transport.documents.maps import Marker, svg_map
from transport.documents.render import Document, render
from transport.domain.errors import InputError
from transport.planning.day import DayPlanDocument
from transport.planning.day_views import day_routes
from transport.planning.plan import PlanDocument, clock

Pseudonym = Callable[[str], str]


def needs_text(child) -> str:
    """Access needs as the operator and school may see them."""
    parts = (["wheelchair user"] * child.wheelchair + ["needs a passenger assistant"] * child.passenger_assistant
             + ["travels alone"] * child.travel_alone)
    if child.equipment:
        parts.append("equipment: " + ", ".join(child.equipment))
    if child.access_notes:
        parts.append(child.access_notes)
    return "; ".join(parts)


def _run(doc: PlanDocument, school_id: str, pseudonym: Pseudonym, awards: dict[str, Award]) -> dict[str, Any]:
    children = {c.id: c for c in doc.scenario.children}
    by_route: dict[str, dict[str, Any]] = {}
    to_school = True
    for j in sorted(journeys(doc).values(), key=lambda j: (j.school_time_s, j.route_ref)):
        if j.school_id != school_id:
            continue
        to_school = j.to_school
        row = by_route.setdefault(j.route_ref, {
            "route_ref": j.route_ref, "vehicle": j.vehicle_text, "assistant": j.assistant,
            "operator": awards[j.route_ref].operator if j.route_ref in awards else "not yet awarded",
            "time_s": j.school_time_s, "children": []})
        # a vehicle arrives with its first set-down and leaves after its last pick-up
        row["time_s"] = min(row["time_s"], j.school_time_s) if j.to_school else max(row["time_s"], j.school_time_s)
        c = children[j.child_id]
        row["children"].append({"first_name": c.first_name or "-", "pseudonym": pseudonym(c.id),
                                 "needs": needs_text(c)})
    label = "Arrives" if to_school else "Leaves"
    title = "Morning: vehicles arriving" if to_school else "Afternoon: vehicles leaving"
    vehicles = sorted(by_route.values(), key=lambda v: v["time_s"])
    for v in vehicles:
        v["time"] = clock(v["time_s"])
    return {"title": title, "time_label": label, "vehicles": vehicles}


def school_list(school_id: str, plans: Sequence[PlanDocument], *, pseudonym: Pseudonym, issued_on: dt.date,
                awards: dict[str, Award] | None = None, plan_ids: Sequence[int | str | None] = (),
                council: str = "Home to school transport") -> Document:
    """The list for one school from its morning (and afternoon) plans."""
    if not plans:
        raise InputError("a school list needs at least one plan")
    school = next((s for s in plans[0].scenario.schools if s.id == school_id), None)
    if school is None:
        raise InputError(f"school {school_id} is not in the plan")
    ids = list(plan_ids) + [None] * (len(plans) - len(plan_ids))
    runs = [r for r in (_run(doc, school_id, pseudonym, awards or {}) for doc in plans) if r["vehicles"]]
    kids = {c["pseudonym"] for r in runs for v in r["vehicles"] for c in v["children"]}
    context = {"council": council, "service": "Home to school transport: school list", "issued_on": issued_on,
               "school": school.name or school.id, "urn": school.id, "bell_start": school.bell_start.strftime("%H:%M"),
               "bell_finish": school.bell_finish.strftime("%H:%M"), "runs": runs,
               "vehicles": sorted({v["route_ref"] for r in runs for v in r["vehicles"]}), "children": len(kids),
               "plan_ref": ", ".join(plan_ref(d, i) for d, i in zip(plans, ids))}
    return render("school_list", school_id, f"Transport list for {school.name or school.id}", "school_list.html",
                  context, audience="school",
                  sources={"school": school_id, "plan": plan_ref(plans[0], ids[0]),
                           "plans": [plan_ref(d, i) for d, i in zip(plans, ids)]})


def route_pack(doc: PlanDocument, ref: str, award: Award, *, pseudonym: Pseudonym, issued_on: dt.date,
               line: Sequence[Sequence[float]] = (), network=None, plan_id: int | str | None = None,
               postcodes: dict[str, str] | None = None, council: str = "Home to school transport") -> Document:
    """The operator's pack for one awarded route (``line``: the route on the roads as ``(lon, lat)``)."""
    index = int(ref.lstrip("R")) - 1 if ref.startswith("R") and ref[1:].isdigit() else -1
    if not 0 <= index < len(doc.plan.routes):
        raise InputError(f"route {ref} is not in the plan (it has {len(doc.plan.routes)} routes)")
    route = doc.plan.routes[index]
    children = {c.id: c for c in doc.scenario.children}
    schools = {s.id: s for s in doc.scenario.schools}
    names = {v.id: v.name or v.id for v in doc.scenario.fleet}
    postcodes = postcodes or {}
    stops, markers, equipment = [], [], set()
    visits = [s for s in route.stops if doc.locations[s.location].kind != "depot"] or list(route.stops)
    for order, stop in enumerate(route.stops):
        loc = doc.locations[stop.location]
        child = children.get(stop.request_id or "")
        if loc.kind == "school":
            place = schools[loc.id].name if loc.id in schools else "school"
        elif loc.kind == "home" and child is not None:
            code = postcodes.get(child.id) or child.home.postcode
            place = f"pick-up point {code}" if code else f"pick-up point {loc.point.lat:.5f}, {loc.point.lon:.5f}"
            if stop.kind.value == "delivery":
                place = place.replace("pick-up", "drop-off")
        else:
            place = "depot"
        if child is not None:
            equipment.update(child.equipment)
        stops.append({"order": order, "time": clock(stop.service_start_s), "kind": stop.kind.value, "place": place,
                      "first_name": (child.first_name or "-") if child else "",
                      "pseudonym": pseudonym(child.id) if child else "",
                      "notes": needs_text(child) if child else ""})
        if loc.kind != "depot":
            markers.append(Marker(loc.point.lon, loc.point.lat, "" if loc.kind == "school" else str(order),
                                  "school" if loc.kind == "school" else "stop"))
    if not line:
        line = [(doc.locations[s.location].point.lon, doc.locations[s.location].point.lat) for s in route.stops]
    space = f" + {route.layout.wheelchairs} wheelchair" if route.layout.wheelchairs else ""
    context = {"council": council, "service": "Home to school transport: operator route pack",
               "operator": award.operator, "issued_on": issued_on, "route_ref": ref,
               "vehicle": f"{names.get(route.vehicle_type_id, route.vehicle_type_id)} ({route.layout.seats} seats{space})",
               "assistant": "yes: the council's contract requires a passenger assistant" if route.has_assistant else "no",
               "start_time": clock(visits[0].arrival_s), "end_time": clock(visits[-1].departure_s),
               "equipment": ", ".join(sorted(equipment)), "stops": stops,
               "map_svg": svg_map([line], markers, network=network, title=f"Route {ref}"),
               "plan_ref": plan_ref(doc, plan_id), "lot_ref": award.lot or "-"}
    return render("route_pack", ref,
                  f"Route pack {ref} for {award.operator}", "route_pack.html", context, audience="operator",
                  sources={"plan": plan_ref(doc, plan_id), "route": ref, "operator": award.operator,
                           "lot": award.lot})


def awarded_route_refs(doc: PlanDocument, awards: dict[str, Award]) -> list[str]:
    """Route references of the plan that have an award, in order."""
    return [route_ref(i) for i in range(1, len(doc.plan.routes) + 1) if route_ref(i) in awards]


DAY_NAMES = {"mon": "Mon", "tue": "Tue", "wed": "Wed", "thu": "Thu", "fri": "Fri"}


def _days(days: Sequence[str]) -> str:
    return "Monday to Friday" if len(days) == 5 else ", ".join(DAY_NAMES.get(d, d) for d in days)


def day_route_pack(doc: DayPlanDocument, ref: str, award: Award, *, pseudonym: Pseudonym, issued_on: dt.date,
                   lines: Sequence[Sequence[Sequence[float]]] = (), network=None, plan_id: int | str | None = None,
                   postcodes: dict[str, str] | None = None, council: str = "Home to school transport") -> Document:
    """The operator's pack for one awarded route of a day plan (``ref`` ``D001``...): both runs, the weekdays it
    runs, each stop's time (one column, or one per weekday where they differ) and who is not carried when."""
    routes = {r["route"]: r for r in day_routes(doc, pseudonymise=str)}
    if ref not in routes:
        raise InputError(f"route {ref} is not in the day plan (it has {len(routes)} routes)")
    route = routes[ref]
    children = {c.id: c for c in doc.scenario.children}
    names = {v.id: v.name or v.id for v in doc.scenario.fleet}
    postcodes = postcodes or {}
    runs, markers, equipment = [], [], set()
    for run in ("am", "pm"):
        r = route[run]
        if not r["weekdays"]:
            continue
        columns = [DAY_NAMES[d] for d in r["weekdays"]] if r["times_differ"] else ["Time"]
        stops = []
        for s in r["stops"]:
            child = children.get(s["child"])
            if child is None:
                continue
            equipment.update(child.equipment)
            if s["place"] == "home":
                code = postcodes.get(child.id) or child.home.postcode
                place = f"{'pick-up' if s['kind'] == 'pickup' else 'drop-off'} point " + (
                    code or f"{s['lat']:.5f}, {s['lon']:.5f}")
            else:
                place = s["place"]
            times = ([s["times"][d] or "not today" for d in r["weekdays"]] if r["times_differ"]
                     else [next((t for t in s["times"].values() if t), "-")])
            stops.append({"order": s["stop"], "times": times, "kind": s["kind"], "place": place,
                          "first_name": child.first_name or "-", "pseudonym": pseudonym(child.id),
                          "days": _days(s["days"]), "notes": needs_text(child)})
            if run == "am" and s["lat"] is not None:
                markers.append(Marker(s["lon"], s["lat"], "" if s["place"] != "home" else str(s["stop"]),
                                      "stop" if s["place"] == "home" else "school"))
        skipped = "; ".join(f"{DAY_NAMES[d]}: " + ", ".join(pseudonym(c) for c in ids) for d, ids in r["skipped"].items())
        runs.append({"title": "Morning run: home to school" if run == "am" else "Afternoon run: school to home",
                     "days": _days(r["weekdays"]), "columns": columns, "stops": stops, "skipped": skipped})
    drawn = [line for line in lines if line]
    if not drawn:
        drawn = [[(s["lon"], s["lat"]) for s in route[run]["stops"] if s["lat"] is not None] for run in ("am", "pm")]
    space = f" + {route['wheelchair_spaces']} wheelchair" if route["wheelchair_spaces"] else ""
    context = {"council": council, "service": "Home to school transport: operator route pack (school day)",
               "operator": award.operator, "issued_on": issued_on, "route_ref": ref, "days": _days(route["weekdays"]),
               "vehicle": f"{names.get(route['vehicle_type'], route['vehicle_type'])} ({route['seats']} seats{space})",
               "assistant": "yes: the council's contract requires a passenger assistant" if route["assistant"] else "no",
               "between": "waits near the school" if route["between"] == "wait" else "back to base",
               "equipment": ", ".join(sorted(equipment)), "runs": runs,
               "map_svg": svg_map(drawn, markers, network=network, title=f"Route {ref}"),
               "plan_ref": f"plan {plan_id}" if plan_id is not None else doc.scenario.digest()[:19], "lot_ref": award.lot or "-"}
    return render("route_pack", ref, f"Route pack {ref} for {award.operator}", "day_route_pack.html", context,
                  audience="operator", sources={"plan": context["plan_ref"], "route": ref, "operator": award.operator,
                                                "lot": award.lot})
