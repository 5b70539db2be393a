"""``sen-transport eligibility``: assess applications and explain decisions from the command line.

Exit codes follow ``transport.domain.errors``: 2 for bad input (one line, no traceback), 3 when the
network cannot answer, 1 otherwise.
"""

from __future__ import annotations

import json
from pathlib import Path

import typer

from transport.domain.errors import InputError, SenTransportError
from transport.io.csv_out import write_csv_file

app = typer.Typer(help="Home-to-school transport eligibility: decide applications under a policy and explain them.",
                  no_args_is_help=True)

CSV_FIELDS = ("application_id", "eligible", "bases", "refusal", "decided_by", "walking_miles", "road_m",
              "straight_line_m", "offer_kind", "offer_charge_pence", "ptb_annual_pence", "valid_until",
              "policy_version")


def _fail(exc: Exception) -> None:
    code = exc.exit_code if isinstance(exc, SenTransportError) else 1
    typer.echo(f"error: {exc}", err=True)
    raise typer.Exit(code)


def _write(path: Path, rows: list[dict], fields: tuple[str, ...] | None, full: list) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix.lower() == ".json":
        path.write_text(json.dumps(full, indent=1, default=str) + "\n", encoding="utf-8")
    elif path.suffix.lower() == ".csv":
        keys = fields or tuple(rows[0].keys() if rows else ("row", "application_id", "reason"))
        write_csv_file(path, keys, rows, extrasaction="ignore")
    else:
        raise InputError(f"{path.name}: output must be .csv or .json")


def _flat(d) -> dict:
    return {"application_id": d.application_id, "eligible": d.eligible, "bases": ";".join(d.bases),
            "refusal": d.refusal or "", "decided_by": d.decided_by, "walking_miles": d.walking_miles,
            "road_m": d.road_m, "straight_line_m": d.straight_line_m,
            "offer_kind": d.offer.kind if d.offer else "", "offer_charge_pence": d.offer.annual_charge_pence if d.offer else "",
            "ptb_annual_pence": d.offer.ptb_annual_pence if d.offer else "", "valid_until": d.valid_until,
            "policy_version": d.policy_version}


@app.command()
def assess(
    input: Path = typer.Argument(..., help="applications: .csv or .xlsx (docs/eligibility-input.md) or .json"),
    out: Path = typer.Option(..., "--out", help="decisions: .json (full) or .csv (one line each)"),
    policy: str = typer.Option("kent", "--policy", help="policy name (kent, statutory) or YAML path"),
    errors: Path | None = typer.Option(None, "--errors", help="rows that could not be decided (.csv or .json)"),
    unsafe: Path | None = typer.Option(None, "--unsafe", help="assessed unsafe segments (GeoJSON)"),
) -> None:
    """Decide one application or a cohort and write the decisions."""
    from eligibility.service import Assessor, read_application_rows

    try:
        apps, places, rows = read_application_rows(input)
        assessor = Assessor.from_settings(policy, unsafe_path=unsafe)
        decisions, errs = assessor.assess_many(apps, no_place_at=places, rows=rows)
        _write(out, [_flat(d) for d in decisions], CSV_FIELDS if out.suffix.lower() == ".csv" else None,
               [d.model_dump(mode="json") for d in decisions])
        if errors is not None:
            _write(errors, [e.model_dump() for e in errs], ("row", "application_id", "reason"),
                   [e.model_dump() for e in errs])
    except (SenTransportError, OSError) as exc:
        _fail(exc)
        return
    typer.echo(f"{len(apps)} rows: {len(decisions)} decided, {len(errs)} errors")
    if errs and errors is None:
        for e in errs[:5]:
            typer.echo(f"  row {e.row}: {e.reason}", err=True)


def route_geojson(decision: dict) -> dict:
    """A GeoJSON Feature of a decision's measured walking route."""
    return {"type": "Feature",
            "geometry": {"type": "LineString", "coordinates": [list(c) for c in decision.get("route") or []]},
            "properties": {"application_id": decision["application_id"], "school_id": decision["school_id"],
                           "walking_m": decision.get("walking_m"), "safe_walking_m": decision.get("safe_walking_m"),
                           "unsafe_segments_avoided": decision.get("unsafe_segments_avoided", [])}}


@app.command()
def explain(
    input: Path = typer.Argument(..., help="applications (.csv/.json) or decisions (.json from assess)"),
    id: str | None = typer.Option(None, "--id", help="application id (needed when the file holds several)"),
    policy: str = typer.Option("kent", "--policy", help="policy name or YAML path (when deciding)"),
    unsafe: Path | None = typer.Option(None, "--unsafe", help="assessed unsafe segments (GeoJSON)"),
) -> None:
    """Print one decision in full: explanation, checks, schools considered, offer and route GeoJSON."""
    from eligibility.service import Assessor, read_applications

    try:
        decision = _find_decision(input, id)
        if decision is None:
            apps, places = read_applications(input)
            chosen = [(a, p) for a, p in zip(apps, places) if id is None or getattr(a, "id", None) == id]
            if id is None and len(apps) != 1:
                raise InputError(f"{input.name} holds {len(apps)} applications: choose one with --id")
            if not chosen:
                raise InputError(f"{input.name}: no application {id}")
            a, p = chosen[0]
            if isinstance(a, Exception):
                raise a
            decision = Assessor.from_settings(policy, unsafe_path=unsafe).assess(a, no_place_at=p).model_dump(mode="json")
    except (SenTransportError, OSError) as exc:
        _fail(exc)
        return
    _print(decision)


def _find_decision(path: Path, app_id: str | None) -> dict | None:
    """A decision from a decisions JSON file, or None when the file holds applications."""
    if path.suffix.lower() != ".json" or not path.exists():
        return None
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise InputError(f"{path.name}: not valid JSON ({exc.msg}, line {exc.lineno})") from None
    items = [doc] if isinstance(doc, dict) else doc if isinstance(doc, list) else []
    if not items or not all(isinstance(x, dict) and "explanation" in x for x in items):
        return None
    chosen = [x for x in items if app_id is None or x.get("application_id") == app_id]
    if not chosen or (app_id is None and len(items) > 1):
        raise InputError(f"{path.name}: {'no decision ' + app_id if app_id else 'choose a decision with --id'}")
    return chosen[0]


def _print(d: dict) -> None:
    typer.echo(f"Application {d['application_id']} - {'ELIGIBLE' if d['eligible'] else 'NOT ELIGIBLE'}"
               f" ({', '.join(d['bases']) or d['refusal']}); policy {d['policy_version']}")
    typer.echo(f"Decided by: {d['decided_by']}")
    typer.echo("")
    typer.echo(d["explanation"])
    typer.echo("\nRules checked:")
    for c in d["checks"]:
        typer.echo(f"  [{'x' if c['holds'] else ' '}] {c['rule']}: {c['test']}  ({c['cites']})")
    typer.echo("\nSuitable schools considered (nearest first):")
    for s in d["schools_considered"]:
        mark = "*" if s["attended"] else " "
        typer.echo(f" {mark}{s['rank']:>3}. {s['name']} ({s['school_id']}): walking {s['walking_miles']} mi, "
                   f"road {s['road_m']} m, straight line {s['straight_line_m']} m, entrance {s['entrance']}")
    if d.get("offer"):
        o = d["offer"]
        typer.echo(f"\nOffer: {o['name']} ({o['kind']}), charge {o['annual_charge_pence']}p a year; "
                   f"PTB alternative {o['ptb_annual_pence']}p ({o['ptb_workings']})")
    typer.echo(f"\nValid until {d['valid_until']} ({d['valid_until_reason']})")
    typer.echo("\nMeasured route (GeoJSON):")
    typer.echo(json.dumps(route_geojson(d)))
