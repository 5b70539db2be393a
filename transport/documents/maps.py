"""Maps for documents as SVG, drawn from route geometry and the extract's own roads (no tile server).

Everything is projected to the British National Grid (metres), so distances on the page are true
and a scale bar can be drawn. The background is the network's edges inside the map's frame.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

import numpy as np
import shapely

from transport.domain.geo import _to_bng

MAJOR = frozenset({"motorway", "trunk", "primary", "secondary", "motorway_link", "trunk_link", "primary_link",
                   "secondary_link", "tertiary"})
COLOURS = ("#1d70b8", "#d4351c", "#00703c", "#4c2c92", "#f47738", "#5694ca", "#912b88", "#85994b")


@dataclass(frozen=True)
class Marker:
    """A point on the map: ``kind`` is home, school, entrance, stop or depot; ``label`` is printed beside it."""

    lon: float
    lat: float
    label: str
    kind: str = "stop"


def _project(coords: Sequence[Sequence[float]]) -> np.ndarray:
    """(lon, lat) pairs to BNG (easting, northing) metres."""
    arr = np.asarray(coords, dtype=float).reshape(-1, 2)
    e, n = _to_bng().transform(arr[:, 0], arr[:, 1])
    return np.column_stack([e, n])


def _scale_bar_m(width_m: float) -> int:
    """A round length near a fifth of the map's width."""
    target = width_m / 5
    step = 10 ** math.floor(math.log10(max(target, 1)))
    return int(max(s for s in (step, 2 * step, 5 * step) if s <= target) if target >= step else step)


def svg_map(lines: Sequence[Sequence[Sequence[float]]], markers: Sequence[Marker] = (), *, network=None,
            width_px: int = 640, height_px: int = 420, margin_m: float = 250.0, title: str = "Map",
            colours: Sequence[str] = COLOURS) -> str:
    """An SVG map of ``lines`` (each a list of ``(lon, lat)``, drawn in ``colours`` in turn) and ``markers``
    over the network's roads, framed to show them all."""
    projected = [_project(line) for line in lines if len(line) >= 2]
    points = _project([(m.lon, m.lat) for m in markers]) if markers else np.empty((0, 2))
    everything = np.vstack(projected + [points]) if projected or len(points) else np.zeros((1, 2))
    (x0, y0), (x1, y1) = everything.min(axis=0) - margin_m, everything.max(axis=0) + margin_m
    # keep the page's aspect ratio so a metre is a metre both ways
    w_m, h_m = x1 - x0, y1 - y0
    if w_m / h_m > width_px / height_px:
        extra = w_m * height_px / width_px - h_m
        y0, y1 = y0 - extra / 2, y1 + extra / 2
    else:
        extra = h_m * width_px / height_px - w_m
        x0, x1 = x0 - extra / 2, x1 + extra / 2
    k = width_px / (x1 - x0)

    def xy(arr: np.ndarray) -> str:
        return " ".join(f"{(x - x0) * k:.1f},{(y1 - y) * k:.1f}" for x, y in arr)

    out = [(f'<svg xmlns="http://www.w3.org/2000/svg" class="map" viewBox="0 0 {width_px} {height_px}" '
            f'width="{width_px}" height="{height_px}" role="img" aria-label="{escape(title)}">'),
           f'<rect width="{width_px}" height="{height_px}" fill="#f8f8f5"/>']
    if network is not None:
        frame = shapely.box(x0, y0, x1, y1)
        seen: set[int] = set()
        minor, major = [], []
        for e in sorted(int(i) for i in network.tree.query(frame)):
            if e in seen:
                continue
            rev = int(network.edge_reverse[e]) if network.edge_reverse is not None else -1
            if rev >= 0:
                seen.add(rev)
            geom = shapely.clip_by_rect(network.edge_geometry[e], x0, y0, x1, y1)
            if geom.is_empty:
                continue
            parts = getattr(geom, "geoms", [geom])
            target = major if str(network.edge_highway[e]) in MAJOR else minor
            target += [xy(shapely.get_coordinates(p)) for p in parts if len(shapely.get_coordinates(p)) >= 2]
        out += [f'<polyline points="{p}" fill="none" stroke="#c8c8c0" stroke-width="1.2"/>' for p in minor]
        out += [f'<polyline points="{p}" fill="none" stroke="#e0b060" stroke-width="2.6"/>' for p in major]
    for i, line in enumerate(projected):
        colour = colours[i % len(colours)]
        out.append(f'<polyline points="{xy(line)}" fill="none" stroke="{colour}" stroke-width="4" '
                   'stroke-linejoin="round" stroke-linecap="round" opacity="0.9"/>')
    for m, (x, y) in zip(markers, points):
        px, py = (x - x0) * k, (y1 - y) * k
        if m.kind == "school":
            out.append(f'<rect x="{px - 7:.1f}" y="{py - 7:.1f}" width="14" height="14" fill="#0b0c0c"/>')
        elif m.kind == "entrance":
            out.append(f'<polygon points="{px:.1f},{py - 8:.1f} {px + 7:.1f},{py + 5:.1f} {px - 7:.1f},{py + 5:.1f}" '
                       'fill="#ffdd00" stroke="#0b0c0c" stroke-width="1.5"/>')
        elif m.kind == "home":
            out.append(f'<circle cx="{px:.1f}" cy="{py:.1f}" r="7" fill="#d4351c" stroke="#fff" stroke-width="2"/>')
        else:
            out.append(f'<circle cx="{px:.1f}" cy="{py:.1f}" r="5" fill="#fff" stroke="#0b0c0c" stroke-width="2"/>')
        if m.label:
            out.append(f'<text x="{px + 9:.1f}" y="{py + 4:.1f}" font-size="12" font-family="Arial, sans-serif" '
                       f'fill="#0b0c0c" stroke="#fff" stroke-width="3" paint-order="stroke">{escape(m.label)}</text>')
    bar_m = _scale_bar_m(x1 - x0)
    bar_px = bar_m * k
    label = f"{bar_m / 1000:g} km" if bar_m >= 1000 else f"{bar_m} m"
    out += [f'<rect x="12" y="{height_px - 30}" width="{bar_px:.1f}" height="6" fill="#0b0c0c"/>',
            f'<text x="12" y="{height_px - 36}" font-size="11" font-family="Arial, sans-serif">{label}</text>',
            (f'<text x="{width_px - 8}" y="{height_px - 8}" font-size="9" text-anchor="end" '
             'font-family="Arial, sans-serif" fill="#505a5f">Roads © OpenStreetMap contributors (ODbL)</text>'),
            "</svg>"]
    return "\n".join(out)
