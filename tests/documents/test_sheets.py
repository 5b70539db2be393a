"""Spreadsheets and GeoPackage out: typed columns, frozen header, widths, text never a formula, BOM CSV
through the safe writer, and plan layers with pseudonymous children only."""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import openpyxl
import pyogrio

from transport.documents.gis import plan_layers, walking_routes_layer, write_geopackage
from transport.documents.sheets import (
    Column,
    Sheet,
    decisions_sheet,
    route_sheet,
    school_list_sheet,
    to_csv,
    to_xlsx,
)
from transport.domain.privacy import pseudonym

ROOT = Path(__file__).resolve().parents[2]
HOSTILE = Sheet("Test", (Column("name"), Column("cost", "pounds"), Column("at", "clock"), Column("on", "date")),
                [("=HYPERLINK(\"http://x\",\"click\")", 123456, 8 * 3600 + 5 * 60, dt.date(2026, 9, 3)),
                 ("-3.5", None, None, None)])


def test_xlsx_types_widths_frozen_header_and_no_formulas():
    """Text from a person stays text even when it starts with '='; money, clock and date cells are typed."""
    ws = openpyxl.load_workbook(io.BytesIO(to_xlsx([HOSTILE])))["Test"]
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref == "A1:D3"
    assert ws["A2"].data_type == "s" and ws["A2"].value.startswith("=HYPERLINK")
    assert ws["A3"].data_type == "s" and ws["A3"].value == "-3.5"
    assert ws["B2"].value == 1234.56 and ws["B2"].number_format == "£#,##0.00"
    assert ws["C2"].value == dt.time(8, 5) and ws["C2"].number_format == "hh:mm"
    assert ws["D2"].value.date() == dt.date(2026, 9, 3)
    assert ws["A1"].font.bold and ws.column_dimensions["A"].width == 14


def test_csv_has_a_bom_and_neutralises_formulas():
    """The CSV starts with a byte-order mark and a leading '=' or '-' in text gets an apostrophe."""
    data = to_csv(HOSTILE)
    assert data.startswith("\ufeff".encode())
    text = data.decode("utf-8-sig")
    assert "'=HYPERLINK" in text and "'-3.5" in text and "1234.56" in text and "08:05" in text


def test_plan_sheets_and_layers_hold_pseudonyms_only(plans, sample_decisions, tmp_path):
    """Route sheets, school lists and every GeoPackage layer name children by pseudonym, never by id."""
    am, pm = plans
    rs, sl = route_sheet(am, pseudonym), school_list_sheet([am, pm], pseudonym)
    assert {r[12] for r in rs.rows if r[12]} == {pseudonym(c.id) for c in am.scenario.children}
    assert {r[2] for r in sl.rows} == {"morning", "afternoon"} and len(sl.rows) == 12
    layers = plan_layers(am, pseudonym)
    layers["walking_routes"] = walking_routes_layer(sample_decisions.values(), pseudonym)
    path = write_geopackage(tmp_path / "plan.gpkg", layers)
    assert {name for name, _ in pyogrio.list_layers(path)} == {"routes", "stops", "schools", "depots", "walking_routes"}
    assert len(layers["routes"]) == len(am.plan.routes) and len(layers["walking_routes"]) == len(sample_decisions)
    flat = " ".join(str(v) for f in layers.values() for v in f.drop(columns="geometry").values.ravel())
    assert not any(f"K{i}" in flat.split() for i in range(6)) and "SYN-" not in flat
    ds = decisions_sheet(sample_decisions.values())
    assert len(ds.rows) == 10 and {r[1] for r in ds.rows} == {True, False}


def test_export_cli_writes_xlsx_and_refuses_other_suffixes(plans, tmp_path):
    """`sen-transport export plan` writes a workbook of route sheets and school lists; a .txt is one line, exit 2."""
    (tmp_path / "am.json").write_text(json.dumps(plans[0].to_dict()))
    env = os.environ | {"PYTHONPATH": str(ROOT)}
    run = lambda *a: subprocess.run([sys.executable, "-m", "transport.cli", "export", *a], capture_output=True,
                                    text=True, env=env, timeout=120, check=False)
    ok = run("plan", str(tmp_path / "am.json"), "--out", str(tmp_path / "plan.xlsx"))
    assert ok.returncode == 0, ok.stderr
    assert openpyxl.load_workbook(tmp_path / "plan.xlsx").sheetnames == ["Route sheets", "School lists"]
    bad = run("plan", str(tmp_path / "am.json"), "--out", str(tmp_path / "plan.txt"))
    assert bad.returncode == 2 and bad.stderr.strip() == "error: plan.txt: output must be .xlsx or .csv or .gpkg"


def test_offers_sheet_types_costs_and_says_why_not_suitable():
    """Each offer's cost a year is money; an unsuitable one says why; a missing one says 'not offered'."""
    from transport.documents.sheets import offers_sheet

    child = {"child_id": None, "pseudonym": "P-1234abcd", "school_id": "131018", "cheapest": "ptb",
             "saving_vs_seat_pence": 250000,
             "options": [{"kind": "seat", "annual_pence": 750000, "suitable": True, "reason": ""},
                         {"kind": "ptb", "annual_pence": 500000, "suitable": True, "reason": ""},
                         {"kind": "pass", "annual_pence": 60000, "suitable": False, "reason": "needs a passenger assistant"}]}
    ws = openpyxl.load_workbook(io.BytesIO(to_xlsx([offers_sheet([child])])))["Offers"]
    row = {ws.cell(row=1, column=j).value: ws.cell(row=2, column=j).value for j in range(1, ws.max_column + 1)}
    assert row["child"] == "P-1234abcd" and row["seat a year"] == 7500 and row["saving vs seat"] == 2500
    assert row["pass suitable"] == "no: needs a passenger assistant" and row["travel training suitable"] == "not offered"
