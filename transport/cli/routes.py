"""``sen-transport routes``: plan, validate, export and benchmark routes."""

from __future__ import annotations

import json
import signal
import time
from contextlib import contextmanager
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from transport.domain.errors import InputError
from transport.domain.scenario import load_scenario
from transport.io.csv_out import write_csv_file
from transport.cli.files import load_any_plan, load_plan
from transport.cli.offers import offers_cmd
from transport.planning.day import DayPlanDocument
from transport.planning.day_views import day_routes_geojson

app = typer.Typer(help="Plan, validate, export and compare routes.", no_args_is_help=True)
app.command("offers")(offers_cmd)
bench_app = typer.Typer(help="Score the routing core on public benchmark instances.", no_args_is_help=True)
app.add_typer(bench_app, name="bench")
console = Console()


class ProgressCallbacks:
    """Drives a progress bar from the solver; Ctrl-C asks the solver to stop with its best plan."""

    def __init__(self, progress: Progress, task, time_limit_s: float):
        self.progress, self.task, self.limit = progress, task, time_limit_s
        self.best: int | None = None
        self.stop_requested = False

    def on_progress(self, best_cost: int, elapsed_s: float) -> None:
        """Show the best cost so far."""
        self.best = best_cost if self.best is None else min(self.best, best_cost)
        self.progress.update(self.task, completed=min(elapsed_s, self.limit),
                             description=f"best £{self.best / 100:,.2f}/day")

    def should_stop(self) -> bool:
        """True once the planner pressed Ctrl-C."""
        return self.stop_requested


@contextmanager
def solver_progress(description: str, time_limit_s: float):
    """A progress bar fed by the solver's callbacks, with Ctrl-C asking it to stop with its best plan."""
    with Progress(TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn(), console=console,
                  transient=True) as progress:
        cb = ProgressCallbacks(progress, progress.add_task(description, total=time_limit_s), time_limit_s)
        previous = signal.signal(signal.SIGINT, lambda *_: setattr(cb, "stop_requested", True))
        try:
            yield cb
        finally:
            signal.signal(signal.SIGINT, previous)


def print_day_kpis(k: dict) -> None:
    """A day plan's headline figures: per day, week and school year."""
    types = ", ".join(f"{n} {t}" for t, n in k["vehicles_by_type"].items()) or "none"
    console.print(f"day £{k['day_cost_pence'] / 100:,.2f}  week £{k['week_cost_pence'] / 100:,.2f}  "
                  f"school year ({k['school_days_per_year']} days) £{k['year_cost_pence'] / 100:,.2f}", highlight=False)
    console.print(f"vehicles {k['vehicles']} ({types}); afternoon: {k['afternoon'].replace('_', ' ')}; "
                  f"{k['waiting_near_school']} wait near school between runs; miles/day {k['miles_per_day']:,} "
                  f"(dead {k['dead_miles_per_day']:,})", highlight=False)
    for day, d in k["by_weekday"].items():
        console.print(f"  {day}: £{d['cost_pence'] / 100:,.2f}, {d['vehicles']} vehicles, {d['miles']:,} miles",
                      highlight=False)
    console.print(f"children {k['children']}: routed {k['routed']}, unassigned {len(k['unassigned'])}; "
                  f"ride mean {k['mean_ride_min']} min, longest {k['max_ride_min']} min, "
                  f"over limit on any weekday {k['over_limit_any_weekday']}", highlight=False)
    for u in k["unassigned"]:
        console.print(f"  unassigned {u['child_id']}: {u['reason']} {u['detail']}", highlight=False)


def print_kpis(k: dict) -> None:
    """The plan's headline figures."""
    types = ", ".join(f"{n} {t}" for t, n in k["vehicles_by_type"].items()) or "none"
    console.print(f"daily cost £{k['daily_cost_pence'] / 100:,.2f}  vehicles {k['vehicles']} ({types})  "
                  f"miles {k['miles']:,}", highlight=False)
    console.print(f"children {k['children']}: routed {k['routed']}, unassigned {len(k['unassigned'])}; "
                  f"ride mean {k['mean_ride_min']} min, longest {k['max_ride_min']} min, "
                  f"over limit {k['over_ride_limit']}", highlight=False)
    for u in k["unassigned"]:
        console.print(f"  unassigned {u['child_id']}: {u['reason']} {u['detail']}", highlight=False)


@app.command("plan")
def plan(
    scenario: Path = typer.Argument(..., help="scenario JSON"),
    time_limit: float = typer.Option(30.0, "--time-limit", min=0.5, help="solver time limit in seconds"),
    out: Path = typer.Option(..., help="plan JSON to write"),
) -> None:
    """Plan the cheapest routes carrying every child; validated independently before writing.

    A day scenario (``session: day``) gets a day plan: both runs on every weekday."""
    from transport.planning.day import plan_day
    from transport.planning.plan import plan_scenario

    scen = load_scenario(scenario)
    with solver_progress("building matrices and first solution", time_limit) as cb:
        if scen.session == "day":
            doc = plan_day(scen, time_limit_s=time_limit, callbacks=cb)
        else:
            doc = plan_scenario(scen, time_limit_s=time_limit, callbacks=cb)
    if cb.stop_requested:
        console.print("interrupted: writing the best plan found so far")
    if doc.violations:
        for v in doc.violations[:10]:
            console.print(f"  violation {v['cause']}: {v['detail']}", highlight=False)
        raise InputError(f"the plan failed validation ({len(doc.violations)} violations); not written")
    out.write_text(json.dumps(doc.to_dict(), indent=1), encoding="utf-8")
    (print_day_kpis if scen.session == "day" else print_kpis)(doc.kpis())
    t = doc.timings
    console.print(f"matrices {t['matrix_s']:.1f} s, solve {t['solve_s']:.1f} s, validation {t['validate_s']:.2f} s; "
                  f"valid: yes; wrote {out}", highlight=False)


@app.command("validate")
def validate(
    scenario: Path = typer.Argument(..., help="scenario JSON"),
    plan_file: Path = typer.Argument(..., help="plan JSON"),
) -> None:
    """Re-check a plan against a scenario with the independent validator (exit 3 if it fails)."""
    from transport.planning.day import DayPlanDocument, validate_day_document
    from transport.planning.plan import validate_document

    doc = load_any_plan(plan_file)
    day = isinstance(doc, DayPlanDocument)
    violations = (validate_day_document if day else validate_document)(load_scenario(scenario), doc)
    if violations:
        for v in violations:
            where = f"route {v['route_index']} stop {v['stop_index']}" if v["route_index"] is not None else "plan"
            console.print(f"{v['cause']}: {where}: {v['detail']}", highlight=False)
        console.print(f"INVALID: {len(violations)} violations")
        raise typer.Exit(3)
    (print_day_kpis if day else print_kpis)(doc.kpis())
    console.print("valid: every child routed or reported, every constraint met")


@app.command("export")
def export(
    plan_file: Path = typer.Argument(..., help="plan JSON"),
    out: Path = typer.Option(Path("out/routes"), help="folder for route sheets and GeoJSON"),
) -> None:
    """Route sheets (CSV per vehicle, per run for a day plan; pseudonymous child ids) and GeoJSON of the routes
    on the roads (a day plan: both runs, property ``run``)."""
    doc = load_any_plan(plan_file)
    out.mkdir(parents=True, exist_ok=True)
    rows = doc.route_sheets()
    by_route: dict[str, list[dict]] = {}
    for r in rows:
        by_route.setdefault(r["route"], []).append(r)
    for route, rs in by_route.items():
        for run in sorted({r.get("run", "") for r in rs}):
            sheet = [r for r in rs if r.get("run", "") == run]
            # a day plan: the first weekdays' sheet is ROUTE-RUN.csv, weekdays whose times differ ROUTE-RUN-fri.csv
            for n, days in enumerate(dict.fromkeys(r.get("weekdays", "") for r in sheet)):
                part = [r for r in sheet if r.get("weekdays", "") == days]
                name = f"{route}-{run}" if run else route
                name += f"-{days.replace(' ', '-')}" if n else ""
                write_csv_file(out / f"{name}.csv", list(part[0]), part)
    if isinstance(doc, DayPlanDocument):  # both runs, property "run" (the API's map draws the same)
        (out / "routes.geojson").write_text(json.dumps(day_routes_geojson(doc)), encoding="utf-8")
        console.print(f"wrote morning and afternoon route sheets of {len(by_route)} vehicles and routes.geojson "
                      f"(both runs) to {out}")
    else:
        (out / "routes.geojson").write_text(json.dumps(doc.routes_geojson()), encoding="utf-8")
        console.print(f"wrote {len(by_route)} route sheets and routes.geojson to {out}")


@bench_app.command("darp")
def bench_darp_cmd(
    file: Path = typer.Argument(..., help="a Cordeau DARP instance, e.g. a2-16.txt"),
    time_limit: float = typer.Option(10.0, "--time-limit", min=0.1),
    out: Path = typer.Option(None, "--out", help="write the routes (SINTEF format) and service times to this folder"),
) -> None:
    """Solve one Cordeau DARP instance; print the validated objective, then one JSON line."""
    from routing.bench import bench_darp

    if not file.exists():
        raise InputError(f"instance file {file} not found")
    started = time.perf_counter()
    res = bench_darp(file, time_limit, out)
    console.print(f"{res['instance']}: objective {res['objective']:.2f}, feasible {res['feasible']}, "
                  f"{time.perf_counter() - started:.1f} s", highlight=False)
    if out is not None:
        console.print(f"routes written to {res['solution']}", highlight=False)
    print(json.dumps({k: res[k] for k in ("instance", "objective", "feasible", "seconds", "solution") if k in res}))


# ---------------------------------------------------------------- county scale (appended)


def _write_validated(doc, out: Path) -> None:
    """Write a plan document only if the independent validator accepts it."""
    if doc.violations:
        for v in doc.violations[:10]:
            console.print(f"  violation {v['cause']}: {v['detail']}", highlight=False)
        raise InputError(f"the plan failed validation ({len(doc.violations)} violations); not written")
    out.write_text(json.dumps(doc.to_dict(), indent=1), encoding="utf-8")


@app.command("plan-county")
def plan_county_cmd(
    scenario: Path = typer.Argument(..., help="scenario JSON"),
    time_limit: float = typer.Option(600.0, "--time-limit", min=1.0, help="solving budget in seconds (wall clock)"),
    out: Path = typer.Option(..., help="plan JSON to write"),
    max_requests: int = typer.Option(120, "--max-requests", min=1, help="most children per sub-problem"),
    workers: int = typer.Option(0, "--workers", min=0, help="local worker processes (0: one per core)"),
    dask: str = typer.Option("", "--dask", help="Dask scheduler address (default: SEN_TRANSPORT_DASK_SCHEDULER)"),
) -> None:
    """Plan a county: sub-problems solved in parallel, merged, improved across borders, validated.
    A day scenario (``session: day``) gets a day plan: each cluster's school day, joined and
    validated on every weekday."""
    from transport.planning.county import CountyProgress, plan_county

    scen = load_scenario(scenario)
    with Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
                  TimeElapsedColumn(), console=console, transient=True) as progress:
        task = progress.add_task("building matrices", total=1)
        state = CountyProgress()
        stop = {"asked": False}

        def show(p: CountyProgress) -> None:
            cost = f", £{p.cost_done / 100:,.2f}/day so far" if p.done else ""
            progress.update(task, total=max(p.total, 1), completed=p.done,
                            description=f"{p.stage}: sub-problems {p.done}/{p.total}{cost}")

        state.listeners.append(show)
        previous = signal.signal(signal.SIGINT, lambda *_: stop.update(asked=True))
        try:
            doc = plan_county(scen, time_limit_s=time_limit, max_requests=max_requests,
                              max_workers=workers or None, scheduler=dask or None, progress=state,
                              should_stop=lambda: stop["asked"])
        finally:
            signal.signal(signal.SIGINT, previous)
    if stop["asked"]:
        console.print("interrupted: sub-problems not finished were planned greedily; writing the best valid plan")
    _write_validated(doc, out)
    t, m = doc.timings, doc.plan.meta
    if m.get("solver") == "county_day":
        print_day_kpis(doc.kpis())
        console.print(f"school day: {m['subproblems']} clusters on {m['workers']} {m['executor']} workers; matrices "
                      f"{t['matrix_s']:.1f} s ({m['matrix_mb']} MB), solve {t['solve_s']:.1f} s, validation "
                      f"{t['validate_s']:.2f} s on every weekday; valid: yes; wrote {out}", highlight=False)
        return
    print_kpis(doc.kpis())
    console.print(f"{m['subproblems']} sub-problems on {m['workers']} {m['executor']} workers; matrices "
                  f"{t['matrix_s']:.1f} s ({m['matrix_mb']} MB), solve {t['solve_s']:.1f} s, border pass "
                  f"{t['border_s']:.1f} s ({m['border_routes_removed']} routes removed), validation "
                  f"{t['validate_s']:.2f} s; valid: yes; wrote {out}", highlight=False)


@app.command("insert")
def insert_cmd(
    plan_file: Path = typer.Argument(..., help="plan JSON"),
    late_file: Path = typer.Argument(..., help="JSON list of late children (scenario child format)"),
    out: Path = typer.Option(..., help="plan JSON to write"),
) -> None:
    """Insert late applications, changing only the routes that must change."""
    from pydantic import TypeAdapter, ValidationError

    from transport.planning.late import insert_late_children
    from transport.domain.scenario import ScenarioChild

    doc = load_plan(plan_file)
    if not late_file.exists():
        raise InputError(f"late children file {late_file} not found")
    try:
        data = json.loads(late_file.read_text(encoding="utf-8"))
        children = TypeAdapter(list[ScenarioChild]).validate_python(data.get("children", data)
                                                                     if isinstance(data, dict) else data)
    except (json.JSONDecodeError, ValidationError) as exc:
        raise InputError(f"{late_file.name}: not a list of children: {str(exc).splitlines()[0]}") from None
    new_doc, res, _ = insert_late_children(doc, children)
    _write_validated(new_doc, out)
    for c in res.changes:
        where = f"route R{c.route_index + 1:03d}" if c.route_index is not None else "no route"
        console.print(f"  {c.request_id}: {c.action} ({where}) {c.cost_delta / 100:+,.2f} £/day {c.detail}",
                      highlight=False)
    kept = len(doc.plan.routes) - len(res.changed_routes)
    console.print(f"cost change £{res.cost_delta / 100:+,.2f}/day; routes changed {len(res.changed_routes)}, "
                  f"new {len(res.new_routes)}, unchanged {kept}; valid: yes; wrote {out}", highlight=False)


@app.command("rerun")
def rerun_cmd(
    plan_file: Path = typer.Argument(..., help="plan JSON"),
    disruption_penalty: float = typer.Option(..., "--disruption-penalty", min=0.0,
                                             help="£ per extra vehicle a current route's children are spread over"),
    time_limit: float = typer.Option(60.0, "--time-limit", min=0.5),
    max_requests: int = typer.Option(120, "--max-requests", min=1,
                                     help="plans with more children are rerun part by part in parallel"),
    workers: int = typer.Option(0, "--workers", min=0, help="parallel parts at a time (0: one per core)"),
    dask: str = typer.Option("", "--dask", help="Dask scheduler address (default: SEN_TRANSPORT_DASK_SCHEDULER)"),
    out: Path = typer.Option(..., help="plan JSON to write"),
) -> None:
    """Re-optimise a plan, trading savings against children moved off their current route.

    Given today's network (``routes import``) or any day plan, it re-plans the day: mending only
    the routes that break a rule, or re-planning the whole day, whichever is cheaper with the
    penalty."""
    from transport.planning.day import DayPlanDocument
    from transport.planning.rerun import rerun_document
    from transport.planning.today import rerun_day

    doc = load_any_plan(plan_file)
    if isinstance(doc, DayPlanDocument):
        with solver_progress("re-planning the day", time_limit):
            res = rerun_day(doc, disruption_penalty_pence=int(round(disruption_penalty * 100)), time_limit_s=time_limit)
        _write_validated(res.doc, out)
        for name, c in res.candidates.items():
            console.print(f"  {name}: £{c['day_cost_pence'] / 100:,.2f}/day, {c['disruption']} extra vehicles "
                          f"routes are spread over, {c['violations']} violations", highlight=False)
        console.print(f"chose {res.candidate}: saving £{res.saving_day_pence / 100:,.2f}/day against today; children "
                      f"moved {len(res.moved)}; penalty £{disruption_penalty:,.2f}; valid: yes; wrote {out}",
                      highlight=False)
        return
    with solver_progress("re-optimising", time_limit) as cb:
        new_doc, res = rerun_document(doc, disruption_penalty_pence=int(round(disruption_penalty * 100)),
                                      time_limit_s=time_limit, callbacks=cb, max_requests=max_requests,
                                      max_workers=workers or None, scheduler=dask or None)
    _write_validated(new_doc, out)
    parts = res.plan.meta.get("rerun_parts")
    where = f" ({parts} parts, {res.plan.meta['rerun_parts_changed']} changed)" if parts else ""
    console.print(f"saving £{res.saving / 100:,.2f}/day; children moved {len(res.moved)}{where}; "
                  f"penalty £{disruption_penalty:,.2f}; valid: yes; wrote {out}", highlight=False)


@app.command("compare")
def compare_cmd(
    plan_a: Path = typer.Argument(..., help="plan JSON (before), e.g. today's network"),
    plan_b: Path = typer.Argument(..., help="plan JSON (after)"),
) -> None:
    """Cost, vehicles by type, mileage, ride times, children over limit and what changed.

    Two day plans (e.g. ``TODAY.json`` from ``routes import`` and a day plan) are compared per
    day and per school year, with the children whose route changes."""
    from rich.table import Table

    from transport.planning.compare import compare_plans
    from transport.planning.day import DayPlanDocument
    from transport.planning.today import compare_days

    a, b = load_any_plan(plan_a), load_any_plan(plan_b)
    day = isinstance(a, DayPlanDocument)
    if day != isinstance(b, DayPlanDocument):
        raise InputError("compare two day plans or two single-session plans, not one of each")
    c = compare_days(a, b) if day else compare_plans(a, b)
    table = Table(show_header=True)
    for col in ("", plan_a.name, plan_b.name, "change"):
        table.add_column(col, justify="left" if not col else "right")
    for row in c.rows():
        table.add_row(*row)
    console.print(table)
    if day:
        console.print(f"saving £{c.saving_day_pence / 100:,.2f} per day, £{c.saving_year_pence / 100:,.2f} per school "
                      f"year ({c.school_days} days); children whose route changes: {len(c.children_moved)}",
                      highlight=False)
        for child in c.children_moved[:50]:
            console.print(f"  {child}", highlight=False)
        if len(c.children_moved) > 50:
            console.print(f"  ... and {len(c.children_moved) - 50} more", highlight=False)
        return
    console.print(f"routes unchanged {c.routes_unchanged}, changed {c.routes_changed}, added {c.routes_added}, "
                  f"removed {c.routes_removed}; children moved {c.children_moved}", highlight=False)


@app.command("import")
def import_cmd(
    routes_file: Path = typer.Argument(..., help="today's routes: CSV or .xlsx, one row per child per route"),
    scenario: Path = typer.Option(..., "--scenario", help="scenario JSON of the children (a day scenario)"),
    out: Path = typer.Option(..., help="day plan JSON to write (today's network)"),
) -> None:
    """Import the routes a council runs today: timed on the roads, validated (breaches listed per
    route, not refused) and costed at contract prices and under the tariff."""
    from transport.io.tabular import RowErrors
    from transport.planning.today import breaches_by_route, import_today

    scen = load_scenario(scenario)
    try:
        doc = import_today(scen, routes_file)
    except RowErrors as exc:
        for row, reason in exc.errors:
            console.print(f"row {row}: {reason}", highlight=False)
        raise InputError(f"{routes_file.name}: {len(exc.errors)} bad rows; no plan written") from None
    out.write_text(json.dumps(doc.to_dict(), indent=1), encoding="utf-8")
    k = doc.kpis()
    print_day_kpis(k)
    console.print(f"contract prices: £{k['contract_day_cost_pence'] / 100:,.2f} per day, "
                  f"£{k['contract_year_cost_pence'] / 100:,.2f} per school year", highlight=False)
    breaches = breaches_by_route(doc)
    for ref, found in sorted(breaches.items()):
        console.print(f"  {ref}: {len(found)} breach(es); first: {found[0]}", highlight=False)
    console.print(f"{len(doc.plan.duties)} routes; {len(breaches)} with breaches; wrote {out}", highlight=False)
