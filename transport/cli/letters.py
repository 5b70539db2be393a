"""``sen-transport letters``: decision letters, travel letters, change notices, school lists and
operator route packs as PDFs in a folder, with a manifest of hashes and sources.

Bad input prints one line and exits 2; every decision or child in comes out as a letter or as a
line saying why not.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import typer
from pydantic import ValidationError

from transport.domain.errors import InputError
from transport.io.tabular import read_table

app = typer.Typer(help="Letters, lists and route packs as PDFs.", no_args_is_help=True)


def _date(text: str | None, what: str) -> dt.date:
    if not text:
        return dt.date.today()
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise InputError(f"{what} must be a date as YYYY-MM-DD, got {text!r}") from None


def _plan_json(path: str):
    """The parsed JSON of a plan file (one-line errors for a missing file or bad JSON)."""
    p = Path(path)
    if not p.exists():
        raise InputError(f"plan file {p} not found")
    try:
        return json.loads(p.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise InputError(f"{p.name}: not valid JSON ({exc.msg}, line {exc.lineno})") from None


def _runs(path: str):
    """A plan file as (morning, afternoon or None): a day plan gives both runs of its first weekday."""
    from transport.documents.journeys import day_runs
    from transport.planning.day import DAY_PLAN_FORMAT, DayPlanDocument
    from transport.planning.plan import PlanDocument

    data = _plan_json(path)
    if isinstance(data, dict) and data.get("format") == DAY_PLAN_FORMAT:
        return day_runs(DayPlanDocument.from_dict(data))
    return PlanDocument.from_dict(data), None


def _day_plan(path: str):
    """The day plan document of a plan file, or ``None`` for a single-session plan."""
    from transport.planning.day import DAY_PLAN_FORMAT, DayPlanDocument

    data = _plan_json(path)
    if isinstance(data, dict) and data.get("format") == DAY_PLAN_FORMAT:
        return DayPlanDocument.from_dict(data)
    return None


def _plan(path: str):
    return _runs(path)[0]


def _first_names(path: str | None) -> dict[str, str]:
    if not path:
        return {}
    p = Path(path)
    if not p.exists():
        raise InputError(f"applications file {p} not found")
    table = read_table(p)  # CSV (UTF-8 or Windows-1252) or .xlsx, like every cohort reader
    table.require("application_id", what="an applications table")
    return {r.get("application_id"): r.get("first_name") for r in table}


@app.command("decisions")
def decisions(
    decisions_json: str = typer.Argument(..., metavar="DECISIONS.json", help="decisions from `eligibility assess`"),
    out: str = typer.Option(..., "--out", help="folder for the letters and manifest.json"),
    policy: str = typer.Option("", help="policy name or YAML (default: each decision's own policy id)"),
    applications: str = typer.Option("", help="applications CSV, for the children's first names"),
    date: str = typer.Option("", help="date of the letters (YYYY-MM-DD, default today)"),
    roads: bool = typer.Option(True, help="draw the walk network's paths under the route"),
) -> None:
    """A decision letter per decision: outcome, rule, walking route map, distances, review and appeal dates."""
    from api.workdays import england_and_wales
    from eligibility.policy import load_policy
    from eligibility.rules import Decision
    from transport.documents.decision_letter import decision_letter
    from transport.documents.store import FileStore

    path = Path(decisions_json)
    if not path.exists():
        raise InputError(f"decisions file {path} not found")
    try:
        rows = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise InputError(f"{path.name}: not valid JSON ({exc.msg}, line {exc.lineno})") from None
    rows = [rows] if isinstance(rows, dict) else rows
    if not isinstance(rows, list):
        raise InputError(f"{path.name}: expected a decision or a list of decisions")
    issued_on = _date(date, "--date")
    names = _first_names(applications or None)
    network = None
    if roads:
        from routing.network import load_network

        network = load_network("walk")
    store = FileStore(out)
    written, errors = 0, []
    for n, row in enumerate(rows, start=1):
        ref = row.get("application_id") if isinstance(row, dict) else None
        try:
            d = Decision.model_validate(row)
            pol = load_policy(policy or d.policy_id)
            doc = decision_letter(d, pol, calendar=england_and_wales(), issued_on=issued_on,
                                  name=names.get(d.application_id, ""), network=network)
        except ValidationError as exc:
            errors.append(f"decision {n} ({ref or '?'}): not a decision ({exc.errors()[0]['msg']})")
            continue
        except InputError as exc:
            errors.append(f"decision {n} ({ref or '?'}): {exc}")
            continue
        store.save(doc)
        written += 1
    for e in errors:
        typer.echo(e, err=True)
    typer.echo(f"{len(rows)} decisions: {written} letters, {len(errors)} errors -> {store.folder}")
    if errors:
        raise typer.Exit(2)


@app.command("travel")
def travel(
    plan_json: str = typer.Argument(..., metavar="PLAN.json", help="the morning plan, or a day plan (both runs)"),
    awards: str = typer.Option(..., help='awards JSON: [{"routes": ["R001"], "operator": ..., "phone": ...}] '
                                         '(a day plan\'s duties are D001...)'),
    out: str = typer.Option(..., "--out", help="folder for the letters and manifest.json"),
    afternoon: str = typer.Option("", help="the afternoon plan (drop-off times)"),
    first_day: str = typer.Option(..., help="first day of the arrangements (YYYY-MM-DD)"),
    policy: str = typer.Option("kent", help="policy whose letter wording to use"),
    date: str = typer.Option("", help="date of the letters (default today)"),
) -> None:
    """A travel arrangements letter for every child on an awarded route."""
    from eligibility.policy import load_policy
    from transport.documents.journeys import journeys, read_awards
    from transport.documents.store import FileStore
    from transport.documents.travel import travel_letter

    award_by_route = read_awards(awards)
    pol, issued, first = load_policy(policy), _date(date, "--date"), _date(first_day, "--first-day")
    day = _day_plan(plan_json)
    if day is not None:
        if afternoon:
            raise InputError("a day plan holds both runs: leave out --afternoon")
        _day_travel(day, award_by_route, pol, issued, first, out)
        return
    doc, pm = _plan(plan_json), _plan(afternoon) if afternoon else None
    store = FileStore(out)
    routed = journeys(doc)
    written, waiting = 0, []
    for cid, j in sorted(routed.items()):
        award = award_by_route.get(j.route_ref)
        if award is None:
            waiting.append(f"{cid}: route {j.route_ref} is not awarded yet (no letter)")
            continue
        store.save(travel_letter(doc, cid, award, pol, issued_on=issued, first_day=first, afternoon=pm))
        written += 1
    unrouted = [u.request_id for u in doc.plan.unassigned]
    for line in waiting:
        typer.echo(line)
    for cid in unrouted:
        typer.echo(f"{cid}: not on a route in this plan (no letter)")
    typer.echo(f"{len(routed) + len(unrouted)} children: {written} travel letters, {len(waiting)} on routes not yet "
               f"awarded, {len(unrouted)} unassigned -> {store.folder}")


def _day_travel(day, award_by_route, pol, issued: dt.date, first: dt.date, out: str) -> None:
    """A day plan's travel letters: one per child whose duties (``D001``...) are all awarded."""
    from transport.documents.journeys import day_label, day_legs
    from transport.documents.store import FileStore
    from transport.documents.travel import day_letter_routes, day_travel_letter

    refs = {day_label(k) for k in range(1, len(day.plan.duties) + 1)}
    unknown = sorted(set(award_by_route) - refs)
    if unknown:
        raise InputError(f"awards name routes the day plan does not have: {', '.join(unknown)}")
    store = FileStore(out)
    written, waiting, unrouted = 0, [], []
    for cid, legs in sorted(day_legs(day).items()):
        routes = day_letter_routes(legs)
        missing = [r for r in routes if r not in award_by_route]
        if not any(leg.am_ref for leg in legs):
            unrouted.append(cid)
        elif missing:
            waiting.append(f"{cid}: route {missing[0]} is not awarded yet (no letter)")
        else:
            store.save(day_travel_letter(day, cid, {r: award_by_route[r] for r in routes}, pol, issued_on=issued,
                                         first_day=first))
            written += 1
    for line in waiting:
        typer.echo(line)
    for cid in unrouted:
        typer.echo(f"{cid}: not on a morning route in this day plan (no letter)")
    typer.echo(f"{written + len(waiting) + len(unrouted)} children: {written} travel letters, {len(waiting)} on routes "
               f"not yet awarded, {len(unrouted)} unassigned -> {store.folder}")


@app.command("changes")
def changes_cmd(
    old: str = typer.Argument(..., metavar="OLD_PLAN.json"),
    new: str = typer.Argument(..., metavar="NEW_PLAN.json"),
    out: str = typer.Option(..., "--out"),
    effective: str = typer.Option(..., help="date the new plan starts (YYYY-MM-DD)"),
    awards: str = typer.Option("", help="awards of the new plan's routes (operator and phone on the notice)"),
    policy: str = typer.Option("kent"),
    date: str = typer.Option(""),
) -> None:
    """A change notice for each child whose times move by more than the policy's threshold or whose vehicle changes."""
    from eligibility.policy import load_policy
    from transport.documents.journeys import journeys, read_awards
    from transport.documents.store import FileStore
    from transport.documents.travel import change_notice, changes

    a, b, pol = _plan(old), _plan(new), load_policy(policy)
    award_by_route = read_awards(awards) if awards else {}
    after = journeys(b)
    store = FileStore(out)
    found = changes(a, b, pol.letters.change_threshold_min)
    for c in found:
        award = award_by_route.get(after[c.child_id].route_ref) if c.child_id in after else None
        store.save(change_notice(c, a, b, pol, issued_on=_date(date, "--date"), effective=_date(effective, "--effective"),
                                 award=award))
        typer.echo(f"{c.child_id}: {c.summary(pol.letters.change_threshold_min)}")
    typer.echo(f"{len(journeys(a))} children in the old plan: {len(found)} change notices "
               f"(threshold {pol.letters.change_threshold_min} min) -> {store.folder}")


@app.command("schools")
def schools_cmd(
    plan_json: str = typer.Argument(..., metavar="PLAN.json"),
    out: str = typer.Option(..., "--out"),
    afternoon: str = typer.Option(""),
    awards: str = typer.Option(""),
    date: str = typer.Option(""),
) -> None:
    """A list per school: the vehicles arriving and leaving, with children's first names and pseudonymous ids."""
    from transport.documents.journeys import read_awards
    from transport.documents.lists import school_list
    from transport.documents.store import FileStore
    from transport.domain.privacy import pseudonym

    doc, day_pm = _runs(plan_json)
    plans = [doc] + ([_plan(afternoon)] if afternoon else [day_pm] if day_pm is not None else [])
    award_by_route = read_awards(awards) if awards else {}
    store = FileStore(out)
    served = sorted({c.school_id for c in doc.scenario.children})
    for sid in served:
        store.save(school_list(sid, plans, pseudonym=pseudonym, issued_on=_date(date, "--date"), awards=award_by_route))
    typer.echo(f"{len(served)} school lists -> {store.folder}")


@app.command("packs")
def packs_cmd(
    plan_json: str = typer.Argument(..., metavar="PLAN.json"),
    awards: str = typer.Option(...),
    out: str = typer.Option(..., "--out"),
    date: str = typer.Option(""),
) -> None:
    """An operator route pack per awarded route: stops, times, access notes, equipment and the map."""
    from routing.network import load_network
    from transport.documents.journeys import read_awards
    from transport.documents.lists import awarded_route_refs, day_route_pack, route_pack
    from transport.documents.store import FileStore
    from transport.domain.privacy import pseudonym
    from transport.planning.day_views import day_routes_geojson

    award_by_route = read_awards(awards)
    drive = load_network("drive")
    day = _day_plan(plan_json)
    if day is not None:  # a day plan: one pack per awarded duty (D001...), both runs, per weekday where times differ
        refs = [f"D{k:03d}" for k in range(1, len(day.plan.duties) + 1)]
        unknown = sorted(set(award_by_route) - set(refs))
        if unknown:
            raise InputError(f"awards name routes the day plan does not have: {', '.join(unknown)}")
        store = FileStore(out)
        awarded = [r for r in refs if r in award_by_route]
        day_lines: dict[str, list] = {}
        for f in day_routes_geojson(day, drive)["features"]:
            if f["geometry"]["type"] == "LineString":
                day_lines.setdefault(f["properties"]["route"], []).append(f["geometry"]["coordinates"])
        for ref in awarded:
            store.save(day_route_pack(day, ref, award_by_route[ref], pseudonym=pseudonym,
                                      issued_on=_date(date, "--date"), lines=day_lines.get(ref, []), network=drive))
        typer.echo(f"{len(refs)} routes: {len(awarded)} route packs, {len(refs) - len(awarded)} not awarded "
                   f"-> {store.folder}")
        return
    doc = _plan(plan_json)
    lines = {f["properties"]["route"]: f["geometry"]["coordinates"] for f in doc.routes_geojson(drive)["features"]
             if f["geometry"]["type"] == "LineString"}
    unknown = sorted(set(award_by_route) - {f"R{i:03d}" for i in range(1, len(doc.plan.routes) + 1)})
    if unknown:
        raise InputError(f"awards name routes the plan does not have: {', '.join(unknown)}")
    store = FileStore(out)
    refs = awarded_route_refs(doc, award_by_route)
    for ref in refs:
        store.save(route_pack(doc, ref, award_by_route[ref], pseudonym=pseudonym, issued_on=_date(date, "--date"),
                              line=lines.get(ref, ()), network=drive))
    typer.echo(f"{len(doc.plan.routes)} routes: {len(refs)} route packs, {len(doc.plan.routes) - len(refs)} not awarded "
               f"-> {store.folder}")
