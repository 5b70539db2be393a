"""``sen-transport data``: bring a council's own files in (county OSM extract, GIAS school list)."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

app = typer.Typer(help="Bring a council's own data in: its county's OSM file, its GIAS school list.",
                  no_args_is_help=True)
console = Console(highlight=False, soft_wrap=True)


@app.command("prepare")
def prepare(
    pbf: Path = typer.Argument(..., help="the county's OpenStreetMap extract (.osm.pbf, e.g. from Geofabrik)"),
    out: Path = typer.Option(..., "--out", help="folder for the drive and walk files and sen-transport.env"),
    overwrite: bool = typer.Option(False, help="replace files already in --out"),
) -> None:
    """Cut the drive and walk networks out of a county .osm.pbf with osmnx's own filters (pyosmium)."""
    from transport.io.osm_extract import prepare as run

    done = run(pbf, out, progress=console.print, overwrite=overwrite)
    for f in done.files:
        console.print(f"wrote {f.path} ({f.mode}: {f.ways:,} ways, {f.nodes:,} nodes)")
    console.print(f"wrote {done.env_file}: load it with  . {done.env_file}  then run  sen-transport network info")
    console.print(f"{done.ways_read:,} ways read in {done.seconds:.1f} s. Road data © OpenStreetMap contributors (ODbL).")
