"""``sen-transport scenario``: build and inspect routing scenarios."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import typer
from rich.console import Console

from transport.domain.scenario import load_scenario, save_scenario

app = typer.Typer(help="Build and inspect routing scenarios.", no_args_is_help=True)
console = Console()


@app.command("generate")
def generate(
    children: int = typer.Option(..., "--children", min=1, help="how many children"),
    seed: int = typer.Option(0, help="random seed (same seed, same cohort)"),
    session: str = typer.Option("am", help="am (home to school), pm (school to home) or day (both, Monday "
                                "to Friday, with part-time children and an early Friday finish)"),
    out: Path = typer.Option(..., help="scenario JSON to write"),
) -> None:
    """A synthetic SEN cohort at real postcodes and real schools of the sample geography."""
    from transport.domain.errors import InputError
    from transport.planning.cohort import generate_scenario

    if session not in ("am", "pm", "day"):
        raise InputError(f"unknown session {session!r}: use am, pm or day")
    scenario = generate_scenario(children, seed, session=session)
    save_scenario(scenario, out)
    _summary(scenario)
    console.print(f"wrote {out}")


@app.command("import")
def import_children(
    children: Path = typer.Argument(..., help="CSV of children (columns in the README)"),
    out: Path = typer.Option(..., help="scenario JSON to write"),
    session: str = typer.Option("am", help="am (home to school), pm (school to home) or day (both runs, "
                                "every weekday; the optional attends column gives part-time days)"),
    fleet: Path | None = typer.Option(None, help="fleet JSON (list of vehicle types); default: the sample fleet"),
    school_bells: Path | None = typer.Option(
        None, "--school-bells", help="CSV of weekday bells (school_urn, weekday, bell_start, bell_finish) over the "
        "school attributes file's; with --session day"),
    name: str = typer.Option("imported children", help="scenario name"),
) -> None:
    """A scenario from a CSV of children with their homes, schools and needs."""
    from transport.domain.errors import InputError
    from transport.domain.schools import load_schools
    from transport.io.children_csv import read_children, read_fleet, scenario_from_children
    from transport.io.school_bells import read_school_bells, with_weekday_bells
    from transport.io.tabular import RowErrors

    if session not in ("am", "pm", "day"):
        raise InputError(f"unknown session {session!r}: use am, pm or day")
    if school_bells is not None and session != "day":
        raise InputError("--school-bells gives weekday bells, which only a day scenario (--session day) uses")
    kids = read_children(children)
    schools = load_schools()
    if school_bells is not None:
        try:
            schools = with_weekday_bells(schools, read_school_bells(school_bells), name=school_bells.name)
        except RowErrors as exc:
            for row, reason in exc.errors:
                console.print(f"{school_bells.name} row {row}: {reason}", highlight=False)
            raise InputError(f"{school_bells.name}: {len(exc.errors)} bad rows; no scenario written") from None
    scenario = scenario_from_children(kids, fleet=read_fleet(fleet) if fleet else None, session=session, name=name,
                                      schools=schools)
    save_scenario(scenario, out)
    _summary(scenario)
    console.print(f"wrote {out}")


@app.command("info")
def info(scenario: Path = typer.Argument(..., help="scenario JSON")) -> None:
    """Children, schools, needs and fleet of a scenario."""
    _summary(load_scenario(scenario))


def _summary(s) -> None:
    kids = s.children
    needs = Counter()
    for c in kids:
        needs.update(k for k, v in (("wheelchair", c.wheelchair), ("passenger assistant", c.passenger_assistant),
                                     ("travels alone", c.travel_alone), ("sibling group", bool(c.sibling_group)),
                                     ("not with a named child", bool(c.not_with)),
                                     ("own ride limit", c.max_ride_time_min is not None)) if v)
    console.print(f"[bold]{s.name}[/] ({s.session}, {'synthetic' if s.synthetic else 'real'}): "
                  f"{len(kids)} children, {len(s.schools)} schools, "
                  f"{sum(v.count for v in s.fleet)} vehicles of {len(s.fleet)} types", highlight=False)
    console.print("  needs: " + ", ".join(f"{k} {n}" for k, n in needs.most_common()), highlight=False)
    part_time = sum(len(c.attends) < 5 for c in kids)
    changed = [f"{sch.id} ({', '.join(sch.weekday_bells)})" for sch in s.schools if sch.weekday_bells]
    if s.session == "day" or part_time or changed:
        console.print(f"  week: {part_time} part-time; bells differ on some weekdays at "
                      f"{', '.join(changed) or 'no school'}; {s.policy.school_days_per_year} school days a year; "
                      f"afternoon: {s.policy.afternoon.replace('_', ' ')}", highlight=False)
