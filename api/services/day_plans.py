"""Day plans in the service: a plan of both runs on every weekday, read, drawn, compared and
imported from today's network.

A stored plan is a day plan when its document is ``sen-transport/dayplan/1`` (made by a job on a
day scenario, or today's network imported). Everything here reads that document through
``transport.planning`` (``day_views`` for the routes and the map, ``today`` for import and
compare); children appear as the planners' pseudonymous ids.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from api.errors import ConflictError, FieldError, RowsError
from api.models import PlanRecord
from api.schemas.day_plans import DayComparisonPublic, DayRoutesPublic
from transport.domain.errors import InputError
from transport.domain.privacy import pseudonym
from transport.domain.scenario import Scenario
from transport.io.tabular import RowErrors
from transport.planning.day import DAY_PLAN_FORMAT, DayPlanDocument
from routing.plan import Stop
from transport.planning.day_views import day_routes, day_routes_geojson, fullest_weekday, timed_runs
from transport.planning.plan import clock
from transport.planning.today import breaches_by_route, compare_days, import_today


def is_day_document(document: Mapping[str, Any]) -> bool:
    """Whether a stored plan document is a day plan."""
    return document.get("format") == DAY_PLAN_FORMAT


def is_day(plan: PlanRecord) -> bool:
    """Whether a stored plan is a day plan."""
    return is_day_document(plan.document)


def kind(plan: PlanRecord) -> str:
    """``day`` or ``session``."""
    return "day" if is_day(plan) else "session"


def cost_pence(kpis: Mapping[str, Any]) -> int:
    """A plan's headline cost in pence: a mean school day for a day plan, the day's cost of a session plan."""
    return int(kpis["day_cost_pence"] if "day_cost_pence" in kpis else kpis["daily_cost_pence"])


def document(plan: PlanRecord) -> DayPlanDocument:
    """The day plan document of a stored day plan (409 for a single-session plan)."""
    if not is_day(plan):
        raise ConflictError(f"plan {plan.id} is a single-session plan, not a day plan: its routes are in "
                            f"/v1/plans/{plan.id}/route-sheets")
    return DayPlanDocument.from_dict(plan.document)


def routes_public(plan: PlanRecord) -> DayRoutesPublic:
    """Every route of a day plan with its morning and afternoon duty on each weekday."""
    doc = document(plan)
    rows = day_routes(doc)
    return DayRoutesPublic.model_validate({"plan_id": plan.id, "afternoon": doc.plan.afternoon, "data": rows,
                                           "count": len(rows)})


def route_sheet_rows(plan: PlanRecord) -> list[dict[str, Any]]:
    """A day plan's route sheets: one row per stop of each run (``run``), timed on the run's fullest
    weekday (``arrive``/``depart``, ``weekday``), with the time on every weekday (``times``)."""
    rows = []
    for route in day_routes(document(plan)):
        for run in ("am", "pm"):
            r = route[run]
            usual = fullest_day(r)
            for stop in r["stops"]:
                at = stop["times"].get(usual) if usual else None
                rows.append({"route": route["route"], "run": run, "weekday": usual, "vehicle_type": route["vehicle_type"],
                             "layout": route["layout"], "assistant": route["assistant"], "stop": stop["stop"],
                             "kind": stop["kind"], "arrive": at or "", "depart": at or "", "place": stop["place"],
                             "lat": stop["lat"], "lon": stop["lon"], "child": stop["child"], "needs": stop["needs"],
                             "days": " ".join(stop["days"]), "times": stop["times"]})
    return rows


def fullest_day(run: Mapping[str, Any]) -> str | None:
    """The weekday a run (as in ``day_routes``) carries most children (the first such day)."""
    days = run["weekdays"]
    return max(days, key=lambda d: sum(s["times"].get(d) is not None for s in run["stops"]), default=None)


def route_summaries(doc: DayPlanDocument) -> list[dict[str, Any]]:
    """Per route (plan order), what the ``routes`` table keeps: vehicle, layout, PA, schools, the day's
    first and last stop times (morning start, afternoon end on their fullest weekdays) and the homes."""
    children = {c.id: c for c in doc.scenario.children}
    out = []
    for duty, timed in zip(doc.plan.duties, timed_runs(doc)):
        ids = duty.children("am") + duty.children("pm")
        homes = [doc.locations[s.location].point for run in ("am", "pm") for r in timed[run].values()
                 for s in r.stops if s.kind.value == ("pickup" if run == "am" else "delivery")]
        times = []
        for run in ("am", "pm"):
            day = fullest_weekday(timed[run])
            if day is not None:
                stops = [s for s in timed[run][day].stops if s.request_id]
                times.append((stops[0].arrival_s, stops[-1].departure_s) if stops else None)
        times = [t for t in times if t]
        out.append({"vehicle_type": duty.vehicle_type_id, "seats": duty.layout.seats,
                    "wheelchair_spaces": duty.layout.wheelchairs, "assistant": duty.has_assistant,
                    "passengers": len(set(ids)), "school_ids": sorted({children[c].school_id for c in ids if c in children}),
                    "start_s": times[0][0] if times else 0, "end_s": times[-1][1] if times else 0, "homes": homes})
    return out


def compare(a: PlanRecord, b: PlanRecord) -> DayComparisonPublic:
    """Two day plans side by side: saving per day and year, vehicles, miles, over-limit, children moved."""
    if is_day(a) != is_day(b):
        raise ConflictError("compare two day plans or two single-session plans, not one of each")
    try:
        c = compare_days(document(a), document(b))
    except InputError as exc:
        raise ConflictError(str(exc)) from None
    body = c.to_dict()
    return DayComparisonPublic(a_id=a.id, b_id=b.id, a=body["a"], b=body["b"], saving_day_pence=c.saving_day_pence,
                               saving_year_pence=c.saving_year_pence, school_days_per_year=c.school_days,
                               children_moved=len(c.children_moved),
                               children_moved_ids=[pseudonym(x) for x in c.children_moved],
                               a_scenario_id=a.scenario_id, b_scenario_id=b.scenario_id,
                               same_scenario=a.scenario_id == b.scenario_id)


def today_result(scenario: Scenario, data: bytes, *, network=None) -> dict[str, Any]:
    """Today's routes (CSV or .xlsx bytes) as a stored plan's parts; every bad row a 422, nothing built."""
    if scenario.session != "day":
        raise FieldError(("path", "scenario_id"), "today's routes are imported against a day scenario (session 'day')")
    if not data.strip():
        raise FieldError(("body",), "the file is empty")
    try:
        doc = import_today(scenario, data, network=network)
    except RowErrors as exc:
        raise RowsError(exc.errors) from None
    return {"kind": "day", "document": doc.to_dict(), "geojson": day_routes_geojson(doc, network), "kpis": doc.kpis(),
            "violations": doc.violations, "breaches_by_route": breaches_by_route(doc)}


WEEKDAY_NAMES = {"mon": "Monday", "tue": "Tuesday", "wed": "Wednesday", "thu": "Thursday", "fri": "Friday"}


def days_text(weekdays: list[str]) -> str:
    """``Monday to Friday, school days`` or the weekdays named (``Monday, Wednesday, school days``)."""
    if list(weekdays) == list(WEEKDAY_NAMES):
        return "Monday to Friday, school days"
    return ", ".join(WEEKDAY_NAMES.get(d, d) for d in weekdays) + ", school days"


def tender_runs(plan: PlanRecord) -> dict[int, dict[str, Any]]:
    """Per route position of a day plan: the weekdays it runs (in words and as ids) and both runs' times per
    weekday. No child, no address: what an operator prices a day route by."""
    out = {}
    for k, r in enumerate(day_routes(document(plan), pseudonymise=lambda _: ""), start=1):
        out[k] = {"days": days_text(r["weekdays"]), "weekdays": r["weekdays"],
                  "runs": [{"run": run, "weekdays": r[run]["weekdays"], "start": r[run]["start"], "end": r[run]["end"]}
                           for run in ("am", "pm") if r[run]["weekdays"]]}
    return out


def contractor_runs(doc: DayPlanDocument, timed: list[dict[str, dict]], position: int
                    ) -> list[tuple[str, tuple[Stop, ...], list[dict[str, str | None]]]]:
    """A day route's runs for its operator: per run the stops as driven on its fullest weekday, and each stop's
    time on every weekday (``None`` on a weekday the stop is not made)."""
    out = []
    weekdays = [d.weekday for d in doc.plan.days]
    for run in ("am", "pm"):
        by_day = timed[position - 1][run]
        usual = fullest_weekday(by_day)
        if usual is None:
            continue
        keyed = {d: {(s.kind.value, s.request_id): s for s in r.stops} for d, r in by_day.items()}
        times = []
        for stop in by_day[usual].stops:
            key = (stop.kind.value, stop.request_id)
            times.append({d: clock(keyed[d][key].service_start_s) if key in keyed.get(d, {}) else None for d in weekdays})
        out.append((run, by_day[usual].stops, times))
    return out
