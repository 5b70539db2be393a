"""``sen-transport network``: what is loaded, one route, many-to-many matrices."""

from __future__ import annotations

import json
import time
from pathlib import Path

import typer
from rich.console import Console

from transport.domain.units import m_to_miles
from transport.io.csv_out import SafeWriter

app = typer.Typer(help="Road and walk networks: what is loaded, one route, travel matrices.",
                  no_args_is_help=True)
console = Console()


@app.command("info")
def info(
    build: bool = typer.Option(True, help="build (and cache) the networks if not cached yet"),
) -> None:
    """Source extract, extent, node and edge counts and cache state of the drive and walk networks."""
    from routing.network import cache_state, load_network
    from transport.domain.config import get_settings

    s = get_settings()
    console.print(f"data directory: {s.data}")
    for mode in ("drive", "walk"):
        path, cached = cache_state(mode)
        source = s.path(f"{mode}_osm")
        if not cached and not build:
            console.print(f"{mode}: {source} (not built; cache {path})")
            continue
        t = time.perf_counter()
        net = load_network(mode)
        secs = time.perf_counter() - t
        r = net.report
        lon0, lat0, lon1, lat1 = net.bbox_wgs84()
        console.print(
            f"[bold]{mode}[/]: source {source}\n"
            f"  nodes {net.n_nodes:,}, edges {net.n_edges:,} (read {r.nodes_read:,} OSM nodes, "
            f"{r.edges_read:,} way segments; dropped {r.nodes_dropped:,} nodes / {r.edges_dropped:,} "
            f"edges outside the largest strongly connected component)\n"
            f"  bbox lon {lon0:.4f}..{lon1:.4f}, lat {lat0:.4f}..{lat1:.4f}\n"
            f"  cache {'hit' if cached else 'built'}: {path} (loaded in {secs:.1f} s)",
            highlight=False,
        )
    console.print("Road data © OpenStreetMap contributors (ODbL).")


@app.command("route")
def route(
    from_: str = typer.Option(..., "--from", help="start as LAT,LON (WGS84) or a postcode"),
    to: str = typer.Option(..., "--to", help="end as LAT,LON (WGS84) or a postcode"),
    mode: str = typer.Option("walk", help="walk or drive"),
    geojson: Path | None = typer.Option(None, help="write the path as GeoJSON to this file"),
) -> None:
    """Shortest route between two points: miles, minutes and (optionally) the path as GeoJSON."""
    from routing.network import check_mode, load_network

    mode = check_mode(mode)
    a, b = _point(from_), _point(to)
    net = load_network(mode)
    p = net.path(a, b)
    sa, sb = net.snap_many([a, b])
    console.print(f"{mode}: {m_to_miles(p.distance_m):.3f} miles ({p.distance_m:,.0f} m), "
                  f"{p.duration_s / 60:.1f} minutes; snapped {sa.snap_distance_m:.0f} m and "
                  f"{sb.snap_distance_m:.0f} m from the {mode} network")
    if geojson:
        feature = p.to_geojson({"mode": mode, "from": str(a), "to": str(b)})
        geojson.write_text(json.dumps({"type": "FeatureCollection", "features": [feature]}))
        console.print(f"wrote {geojson}")


def _point(text: str):
    from transport.domain.geo import LatLon
    from transport.domain.geocode import PostcodeIndex

    if any(ch.isdigit() for ch in text) and "," in text:
        return LatLon.parse(text)
    return PostcodeIndex.load().lookup(text)


@app.command("matrix")
def matrix(
    points: Path = typer.Argument(..., help="CSV with id and lat,lon or easting,northing or postcode"),
    mode: str = typer.Option("drive", help="drive or walk"),
    out: Path = typer.Option(..., help="output CSV: origin,destination,duration_s,distance_m"),
) -> None:
    """Time and distance between every pair of points in a CSV, computed in bulk."""
    from routing.matrix import compute_matrix
    from routing.network import check_mode, load_network
    from transport.io.pointsio import read_points

    mode = check_mode(mode)
    pts = read_points(points)
    net = load_network(mode)
    t = time.perf_counter()
    m = compute_matrix(net, [p.point for p in pts], labels=[f"{p.id} (row {p.row})" for p in pts])
    secs = time.perf_counter() - t
    with open(out, "w", newline="", encoding="utf-8") as fh:
        w = SafeWriter(fh)
        w.writerow(["origin", "destination", "duration_s", "distance_m"])
        for i, a in enumerate(pts):
            for j, b in enumerate(pts):
                d, dist = m.duration_s[i, j], m.distance_m[i, j]
                w.writerow([a.id, b.id, f"{d:.1f}" if d < float("inf") else "", 
                            f"{dist:.1f}" if dist < float("inf") else ""])
    unreachable = len(m.unreachable())
    console.print(f"{len(pts)} x {len(pts)} {mode} matrix in {secs:.2f} s -> {out}"
                  + (f"; {unreachable} pairs unreachable (left empty)" if unreachable else ""))
