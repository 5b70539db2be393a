"""A county-sized synthetic network from real roads: 40 translated tiles of the Rutland extracts.

The real Rutland drive and walk extracts (OSM XML, 2022-07-20) are laid out as an 8 x 5 grid of
tiles on the British National Grid, each translated by whole multiples of the extracts' extent.
Neighbouring tiles are joined where their roads meet the tile border: every border road end (a
way end used by no other way, within ``BORDER_M`` of the Rutland boundary) on the facing half of
a tile is joined to the nearest border road end of the neighbour, and the neighbour's to its
nearest, by a straight two-way connector carrying the tags of the road it continues. Node and way
ids are offset per tile. Everything else (geometry, highway classes, maxspeed, one-way streets)
is the real data, copied.

Written under ``<cache dir>/synthetic-county-<X>x<Y>/`` (never committed), in the formats the
engine reads, plus ``sen-transport.env`` naming them (``SEN_TRANSPORT_DRIVE_OSM`` ...):

- ``drive.osm`` and ``walk.osm``: OSM XML;
- ``schools.yaml``: the tiles' real schools (the Rutland attribute file) copied with ids
  ``T<tile>-<id>``, moved with their tile, entrances too;
- ``homes.csv``: distinct points on residential ways (a random way, a random fraction along it),
  one per row: the homes of the cohort and of the applications;
- ``scenario.json``: 7,500 SEN children (``transport.planning.cohort`` needs mix) at distinct
  homes, each tile with its own copy of the sample fleet at its own depots;
- ``applications.csv``: 20,000 mainstream applications (the ``benchmarks/eligibility.py``
  mix) at distinct homes, each to a school of its kind within ``SCHOOL_RADIUS_M`` of home (as
  the cohort's; the nearest when none is).

    python benchmarks/synthetic_county.py [--tiles 8x5] [--children 7500] [--applications 20000]

The last line is JSON. Nothing in the engine knows it is running on tiles.
"""

from __future__ import annotations

import argparse
import bz2
import csv
import datetime as dt
import json
import random
import sys
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import quoteattr

sys.path[0:1] = [str(Path(__file__).resolve().parent.parent)]

import numpy as np  # noqa: E402
import shapely  # noqa: E402
import yaml  # noqa: E402
from pyproj import Transformer  # noqa: E402
from shapely.geometry import shape  # noqa: E402

from transport.domain.config import get_settings  # noqa: E402
from transport.io.csv_out import SafeWriter, write_csv_file  # noqa: E402

ID_STRIDE = 10**11
"""Tile t's copy of OSM id i is i + (t + 1) * ID_STRIDE (2022 OSM ids are below 10^11)."""
CONNECTOR_BASE = 9 * 10**13
BORDER_M = 300.0
"""A way end this close to the Rutland boundary is a border road end."""
RESIDENTIAL = {"residential", "living_street"}
SEED = 2026
SCHOOL_RADIUS_M = 25_000.0
"""A child's school is drawn from the schools of its kind within this straight-line distance of
home (else the nearest): a county is far wider than a journey to school (a Rutland tile is
30 km x 27 km; drawn county-wide, most children's schools were beyond any ride limit)."""
COHORT_VERSION = 2
"""Bumped when the cohort changes; a county written with another version gets a new scenario.json
(the roads, schools and homes are kept, so the cached networks stay valid)."""
APPLICATIONS_VERSION = 2
"""Bumped when the applications change; a county written with another version gets a new
applications.csv (its homes kept). Version 1 drew each school county-wide, up to 240 km away."""
APPLICATIONS_SEED = 2018
TRAVEL = dt.date(2025, 9, 3)
_TO_BNG = Transformer.from_crs("EPSG:4326", "EPSG:27700", always_xy=True)
_TO_WGS = Transformer.from_crs("EPSG:27700", "EPSG:4326", always_xy=True)


@dataclass
class Extract:
    """One OSM XML extract: nodes (ids, BNG x/y) and ways (id, node refs, tags)."""

    node_ids: np.ndarray
    x: np.ndarray
    y: np.ndarray
    ways: list[tuple[int, list[int], list[tuple[str, str]]]]

    def index(self) -> dict[int, int]:
        return {int(n): i for i, n in enumerate(self.node_ids.tolist())}


def read_extract(path: Path) -> Extract:
    """Nodes and ways of an OSM XML file (.osm or .osm.bz2)."""
    opener = bz2.open if path.suffix == ".bz2" else open
    ids, lat, lon, ways = [], [], [], []
    with opener(path, "rb") as fh:
        for _, el in ET.iterparse(fh, events=("end",)):
            if el.tag == "node":
                ids.append(int(el.get("id")))
                lat.append(float(el.get("lat")))
                lon.append(float(el.get("lon")))
                el.clear()
            elif el.tag == "way":
                refs = [int(nd.get("ref")) for nd in el.findall("nd")]
                tags = [(t.get("k"), t.get("v")) for t in el.findall("tag")]
                ways.append((int(el.get("id")), refs, tags))
                el.clear()
    x, y = _TO_BNG.transform(np.array(lon), np.array(lat))
    return Extract(np.array(ids, dtype=np.int64), np.asarray(x), np.asarray(y), ways)


def border_ends(ext: Extract, boundary) -> list[tuple[int, int]]:
    """(node position, way position) of each way end used by no other way, near the boundary."""
    uses: dict[int, int] = {}
    for _, refs, _ in ext.ways:
        for r in refs:
            uses[r] = uses.get(r, 0) + 1
    idx = ext.index()
    line = boundary.boundary
    out = []
    for w, (_, refs, _) in enumerate(ext.ways):
        for r in {refs[0], refs[-1]}:
            if uses.get(r) == 1 and r in idx:
                i = idx[r]
                if line.distance(shapely.Point(ext.x[i], ext.y[i])) <= BORDER_M:
                    out.append((i, w))
    return out


def _tile_ll(ext: Extract, dx: float, dy: float) -> tuple[np.ndarray, np.ndarray]:
    lon, lat = _TO_WGS.transform(ext.x + dx, ext.y + dy)
    return np.asarray(lat), np.asarray(lon)


def connectors(ext: Extract, ends: list[tuple[int, int]], nx: int, ny: int, width: float, height: float
               ) -> list[tuple[int, int, int, int, int]]:
    """(tile a, node a, tile b, node b, way of a) for each join between neighbouring tiles."""
    cx, cy = float(np.mean(ext.x)), float(np.mean(ext.y))
    pos = np.array([e[0] for e in ends], dtype=np.int64)
    ways = np.array([e[1] for e in ends], dtype=np.int64)
    ex, ey = ext.x[pos], ext.y[pos]
    out: set[tuple[int, int, int, int, int]] = set()
    for (di, dj, side_a, side_b) in ((1, 0, ex > cx, ex < cx), (0, 1, ey > cy, ey < cy)):
        a_sel, b_sel = np.flatnonzero(side_a), np.flatnonzero(side_b)
        if not len(a_sel) or not len(b_sel):
            continue
        ax, ay = ex[a_sel], ey[a_sel]
        bx, by = ex[b_sel] + di * width, ey[b_sel] + dj * height
        d = np.hypot(ax[:, None] - bx[None, :], ay[:, None] - by[None, :])
        pairs = {(int(a_sel[k]), int(b_sel[d[k].argmin()])) for k in range(len(a_sel))}
        pairs |= {(int(a_sel[d[:, k].argmin()]), int(b_sel[k])) for k in range(len(b_sel))}
        for j in range(ny):
            for i in range(nx):
                if i + di >= nx or j + dj >= ny:
                    continue
                ta, tb = j * nx + i, (j + dj) * nx + i + di
                for a, b in pairs:
                    out.add((ta, int(pos[a]), tb, int(pos[b]), int(ways[a])))
    return sorted(out)


def write_tiled(ext: Extract, path: Path, offsets: list[tuple[float, float]],
                joins: list[tuple[int, int, int, int, int]]) -> int:
    """OSM XML of every tile plus the connectors; returns the number of nodes written."""
    n = 0
    with open(path, "w", encoding="utf-8") as fh:
        fh.write("<?xml version='1.0' encoding='UTF-8'?>\n<osm version=\"0.6\" generator=\"sen-transport synthetic_county\">\n")
        for t, (dx, dy) in enumerate(offsets):
            lat, lon = _tile_ll(ext, dx, dy)
            base = (t + 1) * ID_STRIDE
            fh.writelines(f'  <node id="{int(i) + base}" lat="{la:.7f}" lon="{lo:.7f}"/>\n'
                          for i, la, lo in zip(ext.node_ids.tolist(), lat.tolist(), lon.tolist()))
            n += len(ext.node_ids)
        for t in range(len(offsets)):
            base = (t + 1) * ID_STRIDE
            for wid, refs, tags in ext.ways:
                fh.write(f'  <way id="{wid + base}">\n')
                fh.writelines(f'    <nd ref="{r + base}"/>\n' for r in refs)
                fh.writelines(f"    <tag k={quoteattr(k)} v={quoteattr(v)}/>\n" for k, v in tags)
                fh.write("  </way>\n")
        for c, (ta, a, tb, b, w) in enumerate(joins):
            keep = [(k, v) for k, v in ext.ways[w][2] if k in ("highway", "maxspeed", "name", "ref", "foot")]
            fh.write(f'  <way id="{CONNECTOR_BASE + c}">\n'
                     f'    <nd ref="{int(ext.node_ids[a]) + (ta + 1) * ID_STRIDE}"/>\n'
                     f'    <nd ref="{int(ext.node_ids[b]) + (tb + 1) * ID_STRIDE}"/>\n')
            fh.writelines(f"    <tag k={quoteattr(k)} v={quoteattr(v)}/>\n" for k, v in keep)
            fh.write('    <tag k="note" v="synthetic tile connector"/>\n  </way>\n')
        fh.write("</osm>\n")
    return n


def residential_points(ext: Extract, offsets: list[tuple[float, float]], n: int, rng: random.Random
                       ) -> list[tuple[float, float]]:
    """n distinct (lat, lon) points on residential ways, spread over the tiles."""
    idx = ext.index()
    core = _strong_core(ext, idx)
    lines = []
    for _, refs, tags in ext.ways:
        if dict(tags).get("highway") in RESIDENTIAL and all(idx.get(r, -1) in core for r in refs):
            pts = [(ext.x[idx[r]], ext.y[idx[r]]) for r in refs]
            if len(pts) >= 2:
                lines.append(shapely.LineString(pts))
    lengths = np.array([ln.length for ln in lines])
    p = lengths / lengths.sum()
    seen: set[tuple[int, int]] = set()
    xs, ys = [], []
    nrng = np.random.default_rng(rng.randrange(2**32))
    while len(xs) < n:
        t = int(nrng.integers(len(offsets)))
        w = int(nrng.choice(len(lines), p=p))
        pt = lines[w].interpolate(float(nrng.random()), normalized=True)
        x, y = pt.x + offsets[t][0], pt.y + offsets[t][1]
        key = (round(x), round(y))          # distinct to the metre
        if key in seen:
            continue
        seen.add(key)
        xs.append(x)
        ys.append(y)
    lon, lat = _TO_WGS.transform(np.array(xs), np.array(ys))
    return list(zip(np.round(lat, 7).tolist(), np.round(lon, 7).tolist()))


def _strong_core(ext: Extract, idx: dict[int, int]) -> set[int]:
    """Node positions of the largest strongly connected part of a drive extract (one-way streets
    one way): the part the engine keeps, so homes placed on it can be reached and left."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    a, b = [], []
    for _, refs, tags in ext.ways:
        t = dict(tags)
        ow = t.get("oneway", "no")
        pos = [idx[r] for r in refs if r in idx]
        fwd, back = pos[:-1], pos[1:]
        if ow in ("-1", "reverse"):
            fwd, back = back, fwd
        a += fwd
        b += back
        if ow not in ("yes", "true", "1", "-1", "reverse") and t.get("junction") != "roundabout":
            a += back
            b += fwd
    n = len(ext.node_ids)
    g = coo_matrix((np.ones(len(a)), (a, b)), shape=(n, n)).tocsr()
    _, label = connected_components(g, directed=True, connection="strong")
    big = np.bincount(label).argmax()
    return set(np.flatnonzero(label == big).tolist())


def tiled_schools(offsets: list[tuple[float, float]]) -> dict:
    """The Rutland schools (attributes + OSM location), one copy per tile, with lat/lon."""
    from transport.domain.schools import load_schools

    out = {}
    with open(get_settings().school_attributes, encoding="utf-8") as fh:
        attrs = yaml.safe_load(fh)["schools"]
    for sid, school in load_schools().items():
        a = dict(attrs[sid])
        x, y = _TO_BNG.transform(school.location.lon, school.location.lat)
        ents = [(e, *_TO_BNG.transform(e.location.lon, e.location.lat)) for e in school.entrances]
        for t, (dx, dy) in enumerate(offsets):
            lon, lat = _TO_WGS.transform(x + dx, y + dy)
            copy = dict(a, lat=round(lat, 7), lon=round(lon, 7), name=f"{school.name} (tile {t:02d})")
            if ents:
                copy["entrances"] = []
                for e, ex, ey in ents:
                    elon, elat = _TO_WGS.transform(ex + dx, ey + dy)
                    copy["entrances"].append({"name": e.name, "lat": round(elat, 7), "lon": round(elon, 7),
                                              "open_at_start_and_end": e.open_at_start_and_end,
                                              "vehicles": e.vehicles})
            out[f"T{t:02d}-{sid}"] = copy
    return out


def tile_fleet(offsets: list[tuple[float, float]], children: int) -> tuple:
    """Each tile's own copy of the sample fleet, its depots moved with the tile."""
    from transport.domain.scenario import Point
    from transport.planning.cohort import default_fleet

    per_tile = default_fleet(max(1, children // len(offsets)))
    out = []
    for t, (dx, dy) in enumerate(offsets):
        for v in per_tile:
            x, y = _TO_BNG.transform(v.depot.lon, v.depot.lat)
            lon, lat = _TO_WGS.transform(x + dx, y + dy)
            out.append(v.model_copy(update={"id": f"T{t:02d}-{v.id}", "name": f"{v.name} (tile {t:02d})",
                                            "depot": Point(lat=round(lat, 7), lon=round(lon, 7))}))
    return tuple(out)


def applications(schools: dict, homes: list[tuple[float, float]], rng: random.Random) -> list[dict]:
    """Mainstream applications (the eligibility benchmark's mix) at the given homes, as CSV rows; each
    school is drawn from those of its kind within ``SCHOOL_RADIUS_M`` of home (the nearest if none is)."""
    ids = list(schools)
    sx, sy = _TO_BNG.transform(np.array([schools[k]["lon"] for k in ids]), np.array([schools[k]["lat"] for k in ids]))
    kinds = {
        "primary": [i for i, k in enumerate(ids) if schools[k]["phase"] == "primary"
                    and schools[k].get("type", "mainstream") == "mainstream"],
        "secondary": [i for i, k in enumerate(ids) if schools[k]["phase"] == "secondary"
                      and schools[k].get("type", "mainstream") == "mainstream"],
        "special": [i for i, k in enumerate(ids) if schools[k].get("type") in ("special", "independent-special")]}
    pools = {name: np.array(pool, dtype=np.int64) for name, pool in kinds.items()}
    rows = []
    for i, (lat, lon) in enumerate(homes):
        dob = TRAVEL - dt.timedelta(days=rng.randint(5 * 365 + 200, 15 * 365))
        ehc = rng.random() < 0.04
        age = (TRAVEL - dob).days // 365
        pool = pools["special"] if ehc and len(pools["special"]) else pools["primary" if age < 11 else "secondary"]
        hx, hy = _TO_BNG.transform(lon, lat)
        dist = np.hypot(sx[pool] - hx, sy[pool] - hy)
        near = pool[dist <= SCHOOL_RADIUS_M]
        school = ids[rng.choice(near.tolist())] if len(near) else ids[int(pool[np.argmin(dist)])]
        rows.append({"application_id": f"K{i:06d}", "date_of_birth": dob.isoformat(), "sex": rng.choice("FM"),
                     "home_lat": lat, "home_lon": lon, "school_urn": school, "travel_date": TRAVEL.isoformat(),
                     "ehc_plan": "yes" if ehc else "no", "ehc_named_school": school if ehc else "",
                     "sen_mobility": "yes" if ehc and rng.random() < 0.7 else "no",
                     "low_income": "yes" if rng.random() < 0.2 else "no",
                     "religious_preference": "Church of England" if rng.random() < 0.1 else ""})
    return rows


def build(nx: int = 8, ny: int = 5, *, children: int = 7500, apps: int = 20_000, out: Path | None = None,
          force: bool = False) -> dict:
    """Write the synthetic county (or reuse it when already written); returns its figures."""
    s = get_settings()
    out = out or (s.cache_dir / f"synthetic-county-{nx}x{ny}")
    done = out / "summary.json"
    if done.exists() and not force:
        figures = json.loads(done.read_text())
        if figures.get("cohort_version") != COHORT_VERSION:
            schools = yaml.safe_load((out / "schools.yaml").read_text())["schools"]
            with open(out / "homes.csv", encoding="utf-8") as fh:
                homes = [(float(r["lat"]), float(r["lon"])) for r in csv.DictReader(fh)]
            width, height = figures["tile_width_m"], figures["tile_height_m"]
            offsets = [(i * width, j * height) for j in range(ny) for i in range(nx)]
            _cohort(out, schools, homes[:children], children, offsets)
            figures["cohort_version"] = COHORT_VERSION
            done.write_text(json.dumps(figures))
        if figures.get("applications_version") != APPLICATIONS_VERSION:
            schools = yaml.safe_load((out / "schools.yaml").read_text())["schools"]
            with open(out / "homes.csv", encoding="utf-8") as fh:
                homes = [(float(r["lat"]), float(r["lon"])) for r in csv.DictReader(fh)]
            rows = applications(schools, homes[children:children + apps], random.Random(APPLICATIONS_SEED))
            write_csv_file(out / "applications.csv", list(rows[0]), rows)
            figures |= {"applications_version": APPLICATIONS_VERSION, "applications_csv": str(out / "applications.csv")}
            done.write_text(json.dumps(figures))
        return figures
    t0 = time.perf_counter()
    out.mkdir(parents=True, exist_ok=True)
    drive, walk = read_extract(s.path("drive_osm")), read_extract(s.path("walk_osm"))
    boundary = _rutland_boundary(s.data)
    x0, y0, x1, y1 = (min(drive.x.min(), walk.x.min()), min(drive.y.min(), walk.y.min()),
                      max(drive.x.max(), walk.x.max()), max(drive.y.max(), walk.y.max()))
    width, height = float(np.ceil(x1 - x0)), float(np.ceil(y1 - y0))
    offsets = [(i * width, j * height) for j in range(ny) for i in range(nx)]
    figures: dict = {"tiles": f"{nx}x{ny}", "tile_width_m": width, "tile_height_m": height}
    for name, ext in (("drive", drive), ("walk", walk)):
        ends = border_ends(ext, boundary)
        joins = connectors(ext, ends, nx, ny, width, height)
        nodes = write_tiled(ext, out / f"{name}.osm", offsets, joins)
        figures |= {f"{name}_osm_nodes": nodes, f"{name}_border_ends_per_tile": len(ends),
                    f"{name}_connectors": len(joins)}
    rng = random.Random(SEED)
    schools = tiled_schools(offsets)
    with open(out / "schools.yaml", "w", encoding="utf-8") as fh:
        fh.write("# Synthetic county: the Rutland sample schools copied onto each tile (benchmarks/synthetic_county.py)\n")
        yaml.safe_dump({"format": "sen-transport/school-attributes/1", "schools": schools}, fh, sort_keys=False,
                       allow_unicode=True)
    homes = residential_points(drive, offsets, children + apps, rng)
    with open(out / "homes.csv", "w", encoding="utf-8", newline="") as fh:
        w = SafeWriter(fh)
        w.writerow(["lat", "lon"])
        w.writerows(homes)
    env = {"SEN_TRANSPORT_DRIVE_OSM": str(out / "drive.osm"), "SEN_TRANSPORT_WALK_OSM": str(out / "walk.osm"),
           "SEN_TRANSPORT_SCHOOL_ATTRIBUTES": str(out / "schools.yaml"),
           "SEN_TRANSPORT_SCHOOLS_OSM": str(out / "no-osm-schools.csv")}
    (out / "sen-transport.env").write_text("".join(f"{k}={v}\n" for k, v in env.items()))
    figures |= {"schools": len(schools), "homes": len(homes), "build_s": round(time.perf_counter() - t0, 1)}
    _cohort(out, schools, homes[:children], children, offsets)
    rows = applications(schools, homes[children:children + apps], random.Random(APPLICATIONS_SEED))
    write_csv_file(out / "applications.csv", list(rows[0]), rows)
    figures |= {"children": children, "applications": len(rows), "dir": str(out),
                "total_s": round(time.perf_counter() - t0, 1), "cohort_version": COHORT_VERSION,
                "applications_version": APPLICATIONS_VERSION, "applications_csv": str(out / "applications.csv")}
    done.write_text(json.dumps(figures))
    return figures


def _cohort(out: Path, schools_attrs: dict, homes: list[tuple[float, float]], children: int, offsets) -> None:
    from transport.domain.geo import LatLon
    from transport.domain.schools import school_from_attributes
    from transport.planning.cohort import generate_scenario

    schools = {k: school_from_attributes(k, a, None) for k, a in schools_attrs.items()}
    scen = generate_scenario(children, 1, schools=schools, homes=[LatLon(la, lo) for la, lo in homes],
                             school_radius_m=SCHOOL_RADIUS_M,
                             fleet=tile_fleet(offsets, children), name=f"synthetic-county-{children}")
    (out / "scenario.json").write_text(scen.model_dump_json(indent=1))


def _rutland_boundary(data: Path):
    doc = json.loads((data / "boundaries" / "lad_dec2017_sgc_kent_medway_rutland.geojson").read_text())
    geom = shape(next(f["geometry"] for f in doc["features"] if f["properties"]["lad17nm"] == "Rutland"))
    return shapely.transform(geom, lambda xy: np.column_stack(_TO_BNG.transform(xy[:, 0], xy[:, 1])))


def env_of(out: Path) -> dict[str, str]:
    """The settings that point the engine at a written synthetic county."""
    return dict(line.split("=", 1) for line in (out / "sen-transport.env").read_text().splitlines() if "=" in line)


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--tiles", default="8x5")
    ap.add_argument("--children", type=int, default=7500)
    ap.add_argument("--applications", type=int, default=20_000)
    ap.add_argument("--force", action="store_true")
    args = ap.parse_args()
    nx, ny = (int(v) for v in args.tiles.lower().split("x"))
    print(json.dumps(build(nx, ny, children=args.children, apps=args.applications, force=args.force)))
