"""The end-to-end demo on the bundled Rutland sample (what the README's first command runs)."""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
from rich.console import Console
from rich.table import Table

from transport.units import m_to_miles

console = Console()


def run_demo(out: str | Path, *, homes: int = 12, seed: int = 7) -> dict:
    """Load the networks, place synthetic homes at real postcodes, measure walking distances
    to every school, and write the results; returns the figures it printed."""
    from routing.matrix import compute_matrix
    from routing.network import load_network
    from transport.geocode import PostcodeIndex
    from transport.schools import load_schools

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    drive, walk = load_network("drive"), load_network("walk")
    console.print(f"[bold]Networks[/] drive {drive.n_nodes:,} nodes / {drive.n_edges:,} edges, "
                  f"walk {walk.n_nodes:,} nodes / {walk.n_edges:,} edges "
                  f"({time.perf_counter() - t0:.1f} s, from {Path(walk.report.source).name})")
    schools = load_schools()
    postcodes = PostcodeIndex.load()
    rng = np.random.default_rng(seed)
    chosen = sorted(rng.choice(postcodes.postcodes(), size=homes, replace=False))
    home_pts = [postcodes.lookup(pc) for pc in chosen]
    school_list = list(schools.values())
    school_pts = [s.open_entrances()[0].location for s in school_list]
    t = time.perf_counter()
    wm = compute_matrix(walk, home_pts, school_pts,
                        labels=[f"home {pc}" for pc in chosen], dest_labels=[s.name for s in school_list])
    dm = compute_matrix(drive, home_pts, school_pts,
                        labels=[f"home {pc}" for pc in chosen], dest_labels=[s.name for s in school_list])
    secs = time.perf_counter() - t
    table = Table(title=f"Synthetic homes at real postcodes: nearest school on foot ({secs:.2f} s)")
    for col in ("home postcode", "nearest school on foot", "walk mi", "drive mi", "drive min"):
        table.add_column(col)
    rows = []
    for i, pc in enumerate(chosen):
        j = int(np.argmin(wm.distance_m[i]))
        rows.append({"postcode": pc, "school": school_list[j].id, "walk_m": float(wm.distance_m[i, j]),
                     "drive_m": float(dm.distance_m[i, j]), "drive_s": float(dm.duration_s[i, j])})
        table.add_row(pc, school_list[j].name, f"{m_to_miles(wm.distance_m[i, j]):.2f}",
                      f"{m_to_miles(dm.distance_m[i, j]):.2f}", f"{dm.duration_s[i, j] / 60:.1f}")
    console.print(table)
    first = rows[0]
    path = walk.path(home_pts[0], schools[first["school"]].open_entrances()[0].location)
    (out / "walking_route.geojson").write_text(json.dumps(
        {"type": "FeatureCollection", "features": [path.to_geojson({"home": first["postcode"]})]}))
    (out / "nearest_schools.json").write_text(json.dumps(rows, indent=2))
    console.print(f"wrote {out / 'walking_route.geojson'} and {out / 'nearest_schools.json'}")
    console.print("Contains OS data © Crown copyright and database right 2025; © OpenStreetMap contributors.")
    return {"homes": homes, "rows": rows}
