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


@app.command("schools")
def schools(
    gias: Path = typer.Argument(..., help="GIAS establishment CSV (edubasealldata*.csv or a search download)"),
    la: str = typer.Option(..., "--la", help="the council's GIAS 'LA (code)', e.g. 857 for Rutland, 886 for Kent"),
    out: Path = typer.Option(..., "--out", help="school attributes YAML to write"),
    council: Path | None = typer.Option(None, "--council", help="the council's YAML with bell times and entrances by URN"),
    border_km: float | None = typer.Option(None, "--border-km", help="keep other LAs' schools this close "
                                           "(default SEN_TRANSPORT_SCHOOLS_BORDER_KM, 10)"),
    check_network: bool = typer.Option(True, help="leave out schools off the configured walk network "
                                       "(farther than SEN_TRANSPORT_MAX_SNAP_M)"),
) -> None:
    """The council's school list from GIAS: open schools in and around the LA, typed, with its bell times."""
    from routing.network import load_network
    from transport.domain.config import get_settings
    from transport.domain.errors import InputError
    from transport.io.gias import (
        drop_off_network,
        merge_council,
        read_type_codes,
        select_schools,
        write_schools_yaml,
    )

    s = get_settings()
    km = s.schools_border_km if border_km is None else border_km
    if km < 0:
        raise InputError(f"--border-km must be 0 or more, got {km:g}")
    sel = select_schools(gias, la, type_codes=read_type_codes(s.path("gias_types")), border_km=km)
    if check_network:
        walk = load_network("walk")
        console.print(f"checking {len(sel.schools):,} schools against the walk network {s.walk_osm}")
        drop_off_network(sel, la, lambda pts: walk.distance_to_network_m(pts), s.max_snap_m)
    merged, enriched, carried = merge_council(sel.schools, council)
    write_schools_yaml(merged, out, source=gias, la=la, border_km=km, council_yaml=council)
    left = sum(sel.left_out.values())
    console.print(f"{sel.rows:,} rows: {sel.in_la + sel.across_border:,} schools kept ({sel.in_la:,} of LA {la}, "
                  f"{sel.across_border:,} across the border within {km:g} km), {left:,} left out, "
                  f"{len(sel.errors):,} errors")
    for reason, n in sorted(sel.left_out.items()):
        console.print(f"  left out: {n:,} {reason}")
    for row, reason in sel.errors[:10]:
        console.print(f"  row {row}: {reason}")
    if council is not None:
        console.print(f"bell times/entrances from {council.name} for {enriched:,} schools; "
                      f"{carried:,} of its schools not in GIAS kept as written")
    console.print(f"wrote {out}: point the engine at it with  export SEN_TRANSPORT_SCHOOL_ATTRIBUTES={out.resolve()}")


@app.command("addresses")
def addresses(
    uprn_csv: Path | None = typer.Argument(None, help="OS Open UPRN CSV (default: the SEN_TRANSPORT_UPRN file)"),
) -> None:
    """Read an OS Open UPRN file once into the address-point cache, so homes can be given by UPRN."""
    import time

    from transport.domain.addresses import AddressIndex
    from transport.domain.config import get_settings

    s = get_settings()
    path = uprn_csv or s.path("uprn")
    t = time.perf_counter()
    index = AddressIndex.from_csv(path, s.cache_dir)
    console.print(f"{len(index):,} address points from {path.name} ready in {time.perf_counter() - t:.1f} s "
                  f"(cache {s.cache_dir}); use it with  export SEN_TRANSPORT_UPRN={Path(path).resolve()}")
