"""``sen-transport export``: decisions, plans and comparisons as .xlsx, CSV (with a BOM, formula-safe) or
GeoPackage for QGIS. Children appear only by pseudonymous id."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from transport.domain.errors import InputError

app = typer.Typer(help="Spreadsheets (.xlsx, CSV) and GeoPackage out.", no_args_is_help=True)


def _decisions(path: str):
    from pydantic import TypeAdapter, ValidationError

    from eligibility.rules import Decision

    p = Path(path)
    if not p.exists():
        raise InputError(f"decisions file {p} not found")
    try:
        rows = json.loads(p.read_text(encoding="utf-8"))
        return TypeAdapter(list[Decision]).validate_python([rows] if isinstance(rows, dict) else rows)
    except json.JSONDecodeError as exc:
        raise InputError(f"{p.name}: not valid JSON ({exc.msg}, line {exc.lineno})") from None
    except ValidationError as exc:
        first = exc.errors()[0]
        raise InputError(f"{p.name}: decision {first['loc'][0] if first['loc'] else '?'} is not a decision "
                         f"({first['msg']})") from None


def _suffix(out: str, allowed: tuple[str, ...]) -> str:
    suffix = Path(out).suffix.lower()
    if suffix not in allowed:
        raise InputError(f"{Path(out).name}: output must be {' or '.join(allowed)}")
    return suffix


@app.command("decisions")
def decisions_cmd(decisions_json: str = typer.Argument(..., metavar="DECISIONS.json"),
                  out: str = typer.Option(..., help="decisions.xlsx or decisions.csv")) -> None:
    """Decisions as a spreadsheet: outcome, rule, distances, offer, validity, policy."""
    from transport.documents.sheets import decisions_sheet, to_csv, to_xlsx

    suffix = _suffix(out, (".xlsx", ".csv"))
    sheet = decisions_sheet(_decisions(decisions_json))
    Path(out).write_bytes(to_xlsx([sheet]) if suffix == ".xlsx" else to_csv(sheet))
    typer.echo(f"{len(sheet.rows)} decisions -> {out}")


@app.command("plan")
def plan_cmd(plan_json: str = typer.Argument(..., metavar="PLAN.json"),
             out: str = typer.Option(..., help="plan.xlsx (route sheets and school lists), plan.csv (route sheets) "
                                              "or plan.gpkg (layers for QGIS)"),
             afternoon: str = typer.Option("", help="the afternoon plan (school lists' second run)"),
             decisions: str = typer.Option("", help="decisions whose walking routes go in the GeoPackage")) -> None:
    """A plan as a spreadsheet or a GeoPackage."""
    from transport.cli.letters import _plan
    from transport.documents.sheets import route_sheet, school_list_sheet, to_csv, to_xlsx
    from transport.domain.privacy import pseudonym

    suffix = _suffix(out, (".xlsx", ".csv", ".gpkg"))
    doc = _plan(plan_json)
    if suffix == ".gpkg":
        from routing.network import load_network
        from transport.documents.gis import plan_layers, walking_routes_layer, write_geopackage

        geo = doc.routes_geojson(load_network("drive"))
        lines = {f["properties"]["route"]: f["geometry"]["coordinates"] for f in geo["features"]
                 if f["geometry"]["type"] == "LineString"}
        layers = plan_layers(doc, pseudonym, lines)
        if decisions:
            layers["walking_routes"] = walking_routes_layer(_decisions(decisions), pseudonym)
        write_geopackage(out, layers)
        typer.echo(f"layers {', '.join(f'{k} ({len(v)})' for k, v in layers.items())} -> {out}")
        return
    sheets = [route_sheet(doc, pseudonym)]
    if suffix == ".csv":
        Path(out).write_bytes(to_csv(sheets[0]))
    else:
        plans = [doc] + ([_plan(afternoon)] if afternoon else [])
        Path(out).write_bytes(to_xlsx(sheets + [school_list_sheet(plans, pseudonym)]))
    typer.echo(f"{len(sheets[0].rows)} stops -> {out}")


@app.command("compare")
def compare_cmd(plan_a: str = typer.Argument(..., metavar="A.json"), plan_b: str = typer.Argument(..., metavar="B.json"),
                out: str = typer.Option(..., help="comparison.xlsx")) -> None:
    """Two plans compared, as a spreadsheet."""
    from transport.cli.letters import _plan
    from transport.documents.sheets import comparison_sheet, to_xlsx
    from transport.planning.compare import compare_plans

    _suffix(out, (".xlsx",))
    Path(out).write_bytes(to_xlsx([comparison_sheet(compare_plans(_plan(plan_a), _plan(plan_b)))]))
    typer.echo(f"comparison -> {out}")


@app.command("offers")
def offers_cmd(offers_json: str = typer.Argument(..., metavar="OFFERS.json", help="from `routes offers`"),
               out: str = typer.Option(..., help="offers.xlsx or offers.csv")) -> None:
    """Each child's offers as a spreadsheet: cost a year and suitability of each, the cheapest and its saving."""
    from transport.documents.sheets import offers_sheet, to_csv, to_xlsx

    suffix = _suffix(out, (".xlsx", ".csv"))
    p = Path(offers_json)
    if not p.exists():
        raise InputError(f"offers file {p} not found")
    try:
        doc = json.loads(p.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise InputError(f"{p.name}: not valid JSON ({exc.msg}, line {exc.lineno})") from None
    if not isinstance(doc, dict) or doc.get("format") != "sen-transport/offers/1":
        raise InputError(f"{p.name}: not an offers document (format sen-transport/offers/1)")
    sheet = offers_sheet(doc.get("children", []))
    Path(out).write_bytes(to_xlsx([sheet]) if suffix == ".xlsx" else to_csv(sheet))
    typer.echo(f"{len(sheet.rows)} children's offers -> {out}")
