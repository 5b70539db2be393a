"""``sen-transport routes offers``: each child's offers against their seat, and the re-planned
saving if the families accept."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from eligibility.offer import pounds
from eligibility.policy import load_policy
from transport.cli.files import load_plan
from transport.domain.errors import InputError
from transport.io.csv_out import write_csv_file
from transport.planning.offers import offers_report
from transport.planning.plan import build_problem


def offers_cmd(
    plan_path: Path = typer.Argument(..., metavar="PLAN.json", help="a plan document"),
    decisions: Path = typer.Option(..., "--decisions", help="decisions .json from `eligibility assess`"),
    out: Path = typer.Option(..., "--out", help="offers: .csv (a line per child) or .json (with workings)"),
    policy: str = typer.Option("kent", "--policy", help="eligibility policy (name or YAML path)"),
    accept: str = typer.Option("", "--accept", help="children who accept, comma-separated (default: every child "
                                                     "with a cheaper suitable offer; 'none' skips re-planning)"),
    replan_s: float = typer.Option(20.0, "--replan-time", help="seconds to re-plan without those who accept"),
) -> None:
    """Each eligible child's offers (seat, PTB, pass, travel training) with their annual cost."""
    if out.suffix.lower() not in (".csv", ".json"):
        raise InputError(f"{out.name}: output must be .csv or .json")
    doc = load_plan(plan_path)
    try:
        rows = json.loads(decisions.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InputError(f"{decisions.name}: not a decisions JSON file ({exc.__class__.__name__})") from None
    if isinstance(rows, dict):
        rows = rows.get("decisions", [rows])
    if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
        raise InputError(f"{decisions.name}: expected a list of decisions")
    built = build_problem(doc.scenario)
    chosen = None if not accept else [] if accept.strip().lower() == "none" else \
        [c.strip() for c in accept.split(",") if c.strip()]
    report = offers_report(built.problem, doc.plan, rows, load_policy(policy), accept=chosen, replan_s=replan_s)
    out.parent.mkdir(parents=True, exist_ok=True)
    if out.suffix.lower() == ".json":
        out.write_text(json.dumps(report.to_dict(), indent=1) + "\n", encoding="utf-8")
    else:
        data = report.rows()
        keys = list(dict.fromkeys(k for row in data for k in row))
        write_csv_file(out, keys, data, extrasaction="ignore")
    cheaper = sum(1 for o in report.offers if o.cheapest != "seat")
    typer.echo(f"{len(report.offers)} children with offers, {cheaper} with a cheaper suitable offer; "
               f"seat costs in {report.marginal_s:.1f} s")
    if report.accepted is not None:
        a = report.accepted
        typer.echo(f"if {len(a.children)} families accept: {pounds(a.annual_saving_pence)} a year, re-planned "
                   f"({'valid' if not a.violations else f'{a.violations} violations'})")
