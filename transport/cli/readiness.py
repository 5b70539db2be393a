"""``sen-transport readiness``: September readiness from the service's database."""

from __future__ import annotations

import datetime as dt

import typer

from transport.domain.errors import InputError


def readiness(
    first_day: str = typer.Option(..., help="first day of term (YYYY-MM-DD)"),
    as_of: str = typer.Option("", help="the day to judge (default today)"),
    as_json: bool = typer.Option(False, "--json", help="print the whole view as JSON"),
    database_url: str = typer.Option(None, "--database-url", envvar="SEN_TRANSPORT_API_DATABASE_URL"),
) -> None:
    """Every eligible child in one state for the first day: counts by state and school, count-down, who is not ready."""
    from api.services.readiness import view
    from transport.cli.service import _sessions
    from transport.documents.readiness import LABELS

    try:
        first = dt.date.fromisoformat(first_day)
        today = dt.date.fromisoformat(as_of) if as_of else None
    except ValueError:
        raise InputError("--first-day and --as-of must be dates as YYYY-MM-DD") from None
    with _sessions(database_url)() as session:
        v = view(session, first, today=today)
    if as_json:
        typer.echo(v.model_dump_json(indent=1))
        return
    typer.echo(f"First day {v.first_day:%A %d %B %Y}: {v.days_to_go} days to go (as of {v.as_of}). "
               f"{v.ready} of {v.total} children ready.")
    for state, n in v.states.items():
        typer.echo(f"  {n:5d}  {LABELS[state]}")
    if v.by_school:
        typer.echo("By school (ready / total):")
        for row in v.by_school:
            typer.echo(f"  {row['ready']:4d} / {row['total']:<4d} {row['school_name']} ({row['school_id']})")
    past = [d for d in v.countdown if d.not_ready is not None][-7:]
    if past:
        typer.echo("Last 7 days (not ready): " + ", ".join(f"{d.date:%d %b} {d.not_ready}" for d in past))
    if v.not_ready:
        typer.echo("Not ready:")
        for c in v.not_ready:
            typer.echo(f"  {c.reference:<14} {c.school_name}: {c.reason}")
