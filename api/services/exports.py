"""Spreadsheet and GeoPackage downloads of stored decisions and plans (children pseudonymous)."""

from __future__ import annotations

import tempfile
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.errors import ConflictError
from api.models import ApplicationRecord, DecisionRecord, PlanRecord
from eligibility.rules import Decision
from transport.documents.gis import plan_layers, walking_routes_layer, write_geopackage
from transport.documents.sheets import (  # noqa: F401
    Column,
    Sheet,
    comparison_sheet,
    day_comparison_sheet,
    day_route_sheet,
    decisions_sheet,
    route_sheet,
    school_list_sheet,
    to_csv,
    to_xlsx,
)
from transport.domain.privacy import pseudonym
from transport.planning.compare import compare_plans
from transport.planning.day import DAY_PLAN_FORMAT, DayPlanDocument
from transport.planning.plan import PlanDocument
from transport.planning.today import compare_days

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV = "text/csv; charset=utf-8"
GPKG = "application/geopackage+sqlite3"


def current_decisions(session: Session) -> list[Decision]:
    """The engine decisions in force (officers' overrides have no engine document and are left out)."""
    rows = session.scalars(select(DecisionRecord).join(ApplicationRecord,
                                                       ApplicationRecord.current_decision_id == DecisionRecord.id)
                           .order_by(ApplicationRecord.reference))
    return [Decision.model_validate(d.document) for d in rows if d.document]


def sheet_bytes(sheet: Sheet, fmt: str) -> tuple[bytes, str]:
    """The sheet as .xlsx or BOM CSV, with its media type."""
    return (to_xlsx([sheet]), XLSX) if fmt == "xlsx" else (to_csv(sheet), CSV)


def plan_sheet(plan: PlanRecord, which: str, afternoon: PlanRecord | None = None) -> Sheet:
    """A stored plan's route sheets or school lists (a day plan: both runs, each weekday's times)."""
    if plan.document.get("format") == DAY_PLAN_FORMAT and which == "route-sheets":
        return day_route_sheet(DayPlanDocument.from_dict(plan.document), pseudonym)
    doc = PlanDocument.from_dict(plan.document)
    if which == "route-sheets":
        return route_sheet(doc, pseudonym)
    plans = [doc] + ([PlanDocument.from_dict(afternoon.document)] if afternoon is not None else [])
    return school_list_sheet(plans, pseudonym)


def comparison_sheet_of(a: PlanRecord, b: PlanRecord) -> Sheet:
    """Two stored plans compared (two day plans: the day comparison with the saving)."""
    if DAY_PLAN_FORMAT in (a.document.get("format"), b.document.get("format")):
        if a.document.get("format") != b.document.get("format"):
            raise ConflictError("compare two day plans or two single-session plans, not one of each")
        return day_comparison_sheet(compare_days(DayPlanDocument.from_dict(a.document), DayPlanDocument.from_dict(b.document)))
    return comparison_sheet(compare_plans(PlanDocument.from_dict(a.document), PlanDocument.from_dict(b.document)))


def comparison_xlsx(a: PlanRecord, b: PlanRecord) -> bytes:
    """Two stored plans compared, as a workbook."""
    return to_xlsx([comparison_sheet_of(a, b)])


def plan_gpkg(session: Session, plan: PlanRecord) -> bytes:
    """The plan's layers (routes on the roads as the worker drew them) and the walking routes of its children's decisions."""
    doc = PlanDocument.from_dict(plan.document)
    lines = {f["properties"].get("route"): f["geometry"]["coordinates"] for f in (plan.geojson or {}).get("features", [])
             if f.get("geometry", {}).get("type") == "LineString"}
    layers = plan_layers(doc, pseudonym, lines)
    ids = {c.id for c in doc.scenario.children}
    layers["walking_routes"] = walking_routes_layer([d for d in current_decisions(session) if d.application_id in ids],
                                                    pseudonym)
    with tempfile.TemporaryDirectory() as tmp:
        path = write_geopackage(Path(tmp) / "plan.gpkg", layers)
        return path.read_bytes()


def comparison_bytes(a: PlanRecord, b: PlanRecord, fmt: str) -> tuple[bytes, str]:
    """Two stored plans compared, as a workbook or a BOM CSV (the formula-safe writer)."""
    return sheet_bytes(comparison_sheet_of(a, b), fmt)


def lots_sheet(plan_id: int, lots: list) -> Sheet:
    """A plan's lots, one row per route: the lot, its status and operator, and the route as tendered
    (``lots`` are ``PlanLotPublic``: no child, no address)."""
    cols = (Column("lot", "int", 6), Column("lot name", width=40), Column("grouping", width=12), Column("status", width=10),
            Column("operator", width=24), Column("route", width=8), Column("vehicle type", width=14),
            Column("seats", "int", 7), Column("wheelchair spaces", "int", 10), Column("assistant needed", "bool", 10),
            Column("days", width=16), Column("start", width=8), Column("end", width=8),
            Column("estimated miles", "float", 10), Column("area", width=16))
    rows = [(lot.id, lot.name, lot.grouping, lot.status, lot.operator or "", r.ref, r.vehicle_type, r.seats,
             r.wheelchair_spaces, r.assistant_needed, r.days, r.start_time, r.end_time, r.estimated_miles, r.area)
            for lot in lots for r in lot.routes]
    return Sheet(f"Lots of plan {plan_id}", cols, rows)
