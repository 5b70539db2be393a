"""Spreadsheets out: decisions, route sheets, school lists and plan comparisons as .xlsx (typed
columns, frozen header row, column widths, filters) and as CSV with a byte-order mark (so Excel
shows names correctly) through the formula-injection-safe writer (``transport.io.csv_out``).

In the workbook, text cells are stored as text (never as a formula, whatever they start with),
money as pounds with a currency format, times as clock times and dates as dates.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from eligibility.rules import Decision
from transport.documents.journeys import journeys
from transport.io.csv_out import csv_text
from transport.planning.day import DayPlanDocument
from transport.planning.day_views import day_routes
from transport.planning.plan import PlanDocument, clock

Kind = Literal["text", "int", "float", "pounds", "date", "clock", "bool"]
FORMATS = {"int": "0", "float": "0.00", "pounds": "£#,##0.00", "date": "yyyy-mm-dd", "clock": "hh:mm"}


@dataclass(frozen=True)
class Column:
    """A typed column: its header, kind and width in characters."""

    name: str
    kind: Kind = "text"
    width: int = 14


@dataclass(frozen=True)
class Sheet:
    """One worksheet: a title, typed columns and rows of plain values (pence for ``pounds``, seconds for ``clock``)."""

    title: str
    columns: tuple[Column, ...]
    rows: list[tuple[Any, ...]] = field(default_factory=list)

    def records(self) -> list[dict[str, Any]]:
        """Rows as dicts in display form (for CSV)."""
        return [{c.name: _display(c.kind, v) for c, v in zip(self.columns, row)} for row in self.rows]


def _display(kind: Kind, value: Any) -> Any:
    if value is None:
        return ""
    if kind == "pounds":
        return f"{value / 100:.2f}"
    if kind == "clock":
        return clock(value)
    if kind == "date":
        return value.isoformat() if isinstance(value, dt.date) else str(value)
    if kind == "bool":
        return "yes" if value else "no"
    return value


def _cell_value(kind: Kind, value: Any) -> Any:
    if value is None:
        return None
    if kind == "pounds":
        return round(value / 100, 2)
    if kind == "clock":
        s = round(value)
        return dt.time(s // 3600 % 24, s % 3600 // 60)
    if kind == "date":
        return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))
    if kind == "bool":
        return bool(value)
    return value


def to_xlsx(sheets: Sequence[Sheet]) -> bytes:
    """A workbook with one worksheet per sheet."""
    try:
        from openpyxl import Workbook
        from openpyxl.styles import Font
        from openpyxl.utils import get_column_letter
    except ImportError as exc:  # pragma: no cover - depends on the installed extras
        raise ImportError('spreadsheets need openpyxl: pip install -e ".[documents]"') from exc
    wb = Workbook()
    wb.remove(wb.active)
    for sheet in sheets:
        ws = wb.create_sheet(sheet.title[:31])
        ws.append([c.name for c in sheet.columns])
        for cell in ws[1]:
            cell.font = Font(bold=True)
            cell.data_type = "s"
        for row in sheet.rows:
            ws.append([_cell_value(c.kind, v) for c, v in zip(sheet.columns, row)])
        for j, col in enumerate(sheet.columns, start=1):
            letter = get_column_letter(j)
            ws.column_dimensions[letter].width = col.width
            for (cell,) in ws.iter_rows(min_row=2, min_col=j, max_col=j):
                if cell.value is None:
                    continue
                if col.kind == "text":
                    cell.value = str(cell.value)
                    cell.data_type = "s"  # text is text: "=HYPERLINK(...)" from a person is never a formula
                elif col.kind in FORMATS:
                    cell.number_format = FORMATS[col.kind]
        ws.freeze_panes = "A2"
        if sheet.rows:
            ws.auto_filter.ref = f"A1:{get_column_letter(len(sheet.columns))}{len(sheet.rows) + 1}"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def to_csv(sheet: Sheet) -> bytes:
    """The sheet as UTF-8 CSV with a byte-order mark, every cell neutralised against formula injection."""
    return ("\ufeff" + csv_text([c.name for c in sheet.columns], sheet.records())).encode("utf-8")


# ------------------------------------------------------------------------------------------------
# the sheets
# ------------------------------------------------------------------------------------------------
def decisions_sheet(decisions: Iterable[Decision]) -> Sheet:
    """One row per decision: outcome, rule, distances, offer and its cost, validity and policy."""
    cols = (Column("application", width=14), Column("eligible", "bool", 9), Column("rule", width=28),
            Column("decided by", width=60), Column("school", width=34), Column("walking miles", "float", 13),
            Column("safe walking miles", "float", 13), Column("road miles", "float", 11),
            Column("offer", width=10), Column("annual charge", "pounds", 13), Column("PTB a year", "pounds", 12),
            Column("valid until", "date", 12), Column("policy", width=40))
    rows = []
    for d in decisions:
        o = d.offer
        rows.append((d.application_id, d.eligible, ", ".join(d.bases) if d.eligible else (d.refusal or ""),
                     d.decided_by, d.school_name, _miles(d.walking_m), _miles(d.safe_walking_m), _miles(d.road_m),
                     o.kind if o else "", o.annual_charge_pence if o else None, o.ptb_annual_pence if o else None,
                     d.valid_until, d.policy_version))
    return Sheet("Decisions", cols, rows)


def _miles(metres: float | None) -> float | None:
    return None if metres is None or metres == float("inf") else round(metres / 1609.344, 3)


def route_sheet(doc: PlanDocument, pseudonym: Callable[[str], str]) -> Sheet:
    """Every stop of every route: vehicle, order, kind, times, place, child (pseudonymous) and needs."""
    cols = (Column("route", width=8), Column("vehicle type", width=14), Column("seats", "int", 7),
            Column("wheelchair spaces", "int", 10), Column("assistant", "bool", 10), Column("stop", "int", 6),
            Column("kind", width=10), Column("arrive", "clock", 8), Column("depart", "clock", 8),
            Column("place", width=36), Column("lat", "float", 10), Column("lon", "float", 10),
            Column("child", width=12), Column("needs", width=30))
    children = {c.id: c for c in doc.scenario.children}
    schools = {s.id: s for s in doc.scenario.schools}
    rows = []
    for i, route in enumerate(doc.plan.routes, start=1):
        for order, stop in enumerate(route.stops):
            loc = doc.locations[stop.location]
            c = children.get(stop.request_id or "")
            needs = "; ".join(["wheelchair"] * c.wheelchair + ["PA"] * c.passenger_assistant
                              + ["travels alone"] * c.travel_alone) if c else ""
            rows.append((f"R{i:03d}", route.vehicle_type_id, route.layout.seats, route.layout.wheelchairs,
                         route.has_assistant, order, stop.kind.value, stop.arrival_s, stop.departure_s,
                         schools[loc.id].name if loc.kind == "school" and loc.id in schools else loc.kind,
                         round(loc.point.lat, 5), round(loc.point.lon, 5), pseudonym(c.id) if c else "", needs))
    return Sheet("Route sheets", cols, rows)


def day_route_sheet(doc: DayPlanDocument, pseudonym: Callable[[str], str]) -> Sheet:
    """Every stop of both runs of every vehicle of a day plan, with its time on each weekday (blank on a
    weekday the child does not attend) and the days the child attends."""
    weekdays = [d.weekday for d in doc.plan.days]
    cols = (Column("route", width=8), Column("run", width=6), Column("vehicle type", width=14),
            Column("seats", "int", 7), Column("wheelchair spaces", "int", 10), Column("assistant", "bool", 10),
            Column("between runs", width=12), Column("stop", "int", 6), Column("kind", width=10),
            Column("place", width=36), Column("lat", "float", 10), Column("lon", "float", 10),
            Column("child", width=12), Column("days", width=20), Column("needs", width=30),
            *(Column(d, width=7) for d in weekdays))
    rows = []
    for r in day_routes(doc, pseudonymise=pseudonym):
        for run in ("am", "pm"):
            for st in r[run]["stops"]:
                rows.append((r["route"], run, r["vehicle_type"], r["seats"], r["wheelchair_spaces"], r["assistant"],
                             r["between"], st["stop"], st["kind"], st["place"], st["lat"], st["lon"], st["child"],
                             " ".join(st["days"]), st["needs"], *(st["times"].get(d) or "" for d in weekdays)))
    return Sheet("Day route sheets", cols, rows)


def day_comparison_sheet(comparison) -> Sheet:
    """Two day plans compared (``transport.planning.today.DayComparison``): figures, saving and children moved."""
    cols = (Column("figure", width=36), Column("plan A", width=14), Column("plan B", width=14),
            Column("B - A", width=14))
    rows = [tuple(r) for r in comparison.rows()]
    rows += [("saving per school day", "", f"£{comparison.saving_day_pence / 100:,.2f}", ""),
             (f"saving per school year ({comparison.school_days} days)", "",
              f"£{comparison.saving_year_pence / 100:,.2f}", ""),
             ("children whose route changes", "", str(len(comparison.children_moved)), "")]
    return Sheet("Day comparison", cols, rows)


def school_list_sheet(plans: Sequence[PlanDocument], pseudonym: Callable[[str], str]) -> Sheet:
    """Per school and run: each child's vehicle, time at school, first name and pseudonymous id."""
    cols = (Column("school", width=34), Column("URN", width=10), Column("run", width=10), Column("route", width=8),
            Column("vehicle", width=34), Column("time at school", "clock", 10), Column("first name", width=14),
            Column("child", width=12))
    rows = []
    for doc in plans:
        names = {s.id: s.name or s.id for s in doc.scenario.schools}
        first = {c.id: c.first_name for c in doc.scenario.children}
        for j in sorted(journeys(doc).values(), key=lambda j: (names.get(j.school_id, ""), j.school_time_s)):
            rows.append((names.get(j.school_id, j.school_id), j.school_id, "morning" if j.to_school else "afternoon",
                         j.route_ref, j.vehicle_text, j.school_time_s, first.get(j.child_id, ""), pseudonym(j.child_id)))
    return Sheet("School lists", cols, rows)


def comparison_sheet(comparison) -> Sheet:
    """A plan comparison's figures (plan A, plan B, B - A) and route changes."""
    cols = (Column("figure", width=28), Column("plan A", width=14), Column("plan B", width=14),
            Column("B - A", width=14))
    rows = [tuple(r) for r in comparison.rows()]
    d = comparison.to_dict()
    rows += [("routes unchanged", "", str(d["routes_unchanged"]), ""), ("routes changed", "", str(d["routes_changed"]), ""),
             ("routes added", "", str(d["routes_added"]), ""), ("routes removed", "", str(d["routes_removed"]), ""),
             ("children moved", "", str(d["children_moved"]), "")]
    return Sheet("Comparison", cols, rows)


OFFER_KINDS = ("seat", "ptb", "pass", "travel_training")


def offers_sheet(children: Iterable[dict[str, Any]]) -> Sheet:
    """Each child's offers (``sen-transport/offers/1`` children): cost a year and suitability of each, the cheapest."""
    cols = (Column("child", width=14), Column("school", width=12), Column("cheapest", width=16),
            Column("saving vs seat", "pounds", 14))
    for kind in OFFER_KINDS:
        cols += (Column(f"{kind.replace('_', ' ')} a year", "pounds", 14), Column(f"{kind.replace('_', ' ')} suitable", width=30))
    rows = []
    for c in children:
        options = {o["kind"]: o for o in c.get("options", [])}
        row: list[Any] = [c.get("child_id") or c.get("pseudonym") or "", c.get("school_id", ""), c.get("cheapest", ""),
                          c.get("saving_vs_seat_pence")]
        for kind in OFFER_KINDS:
            o = options.get(kind)
            row += [o["annual_pence"] if o else None,
                    ("yes" if o["suitable"] else f"no: {o['reason']}") if o else "not offered"]
        rows.append(tuple(row))
    return Sheet("Offers", cols, rows)
