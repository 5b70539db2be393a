"""Assessed unsafe walking segments: read them from GeoJSON and map them to walk-network edges.

Each feature is a LineString with properties ``id``, ``assessed_on`` (YYYY-MM-DD), ``method``
(how it was assessed, e.g. "road safety officer site visit, RoSPA method") and ``reason``.
The engine routes around the edges a segment covers. ``affected_by`` finds the decisions
to re-run when a segment is added or removed.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import shapely
from shapely.geometry import shape

from transport.domain.errors import InputError

if TYPE_CHECKING:
    from eligibility.rules import Decision

SEGMENT_BUFFER_M = 5.0
"""How close (m) a network edge must lie to an assessed segment to count as covered by it."""
REQUIRED_PROPERTIES = ("id", "assessed_on", "method", "reason")


@dataclass(frozen=True)
class UnsafeSegment:
    """One assessed unsafe stretch of walking route."""

    id: str
    assessed_on: dt.date
    method: str
    reason: str
    geometry: Any = field(repr=False)
    """A shapely LineString in WGS84 (lon, lat)."""
    edges: frozenset[int] = frozenset()
    """Walk-network edge ids covered (both directions), once mapped."""


def segment_from_feature(feature: dict, where: str) -> UnsafeSegment:
    """One segment from a GeoJSON Feature; errors name the feature."""
    props = feature.get("properties") or {}
    missing = [k for k in REQUIRED_PROPERTIES if not props.get(k)]
    if missing:
        raise InputError(f"{where}: property {missing[0]} is required")
    label = f"unsafe segment {props['id']}"
    try:
        geom = shape(feature.get("geometry") or {})
    except (ValueError, TypeError, AttributeError, KeyError):
        raise InputError(f"{label}: geometry is not valid GeoJSON") from None
    if geom.geom_type not in ("LineString", "MultiLineString") or geom.is_empty:
        raise InputError(f"{label}: geometry must be a LineString, got {geom.geom_type}")
    try:
        assessed = dt.date.fromisoformat(str(props["assessed_on"]))
    except ValueError:
        raise InputError(f"{label}: assessed_on must be YYYY-MM-DD, got {props['assessed_on']!r}") from None
    return UnsafeSegment(str(props["id"]), assessed, str(props["method"]), str(props["reason"]), geom)


def read_unsafe_segments(path: Path | str) -> list[UnsafeSegment]:
    """Every segment of a GeoJSON FeatureCollection; duplicate ids are an error."""
    path = Path(path)
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"unsafe segments file {path} not found") from None
    except json.JSONDecodeError as exc:
        raise InputError(f"unsafe segments file {path.name}: not valid JSON ({exc.msg}, line {exc.lineno})") from None
    if doc.get("type") != "FeatureCollection":
        raise InputError(f"unsafe segments file {path.name}: expected a GeoJSON FeatureCollection")
    out, seen = [], set()
    for i, feature in enumerate(doc.get("features") or []):
        seg = segment_from_feature(feature, f"{path.name} feature {i}")
        if seg.id in seen:
            raise InputError(f"{path.name}: unsafe segment id {seg.id} is used twice")
        seen.add(seg.id)
        out.append(seg)
    return out


def map_to_network(segments: Sequence[UnsafeSegment], walk: Any, *, buffer_m: float = SEGMENT_BUFFER_M) -> list[UnsafeSegment]:
    """The segments with the walk-network edges each covers; a segment covering none is an error."""
    out = []
    for seg in segments:
        edges = walk.edges_near(seg.geometry, buffer_m=buffer_m)
        if not edges:
            raise InputError(f"unsafe segment {seg.id} lies on no walkable way of the loaded network "
                             f"(within {buffer_m:g} m)")
        out.append(replace(seg, edges=frozenset(edges)))
    return out


def blocked_edges(segments: Iterable[UnsafeSegment]) -> frozenset[int]:
    """Every edge covered by any segment."""
    out: set[int] = set()
    for seg in segments:
        out |= seg.edges
    return frozenset(out)


def affected_by(decisions: Iterable["Decision"], segment: UnsafeSegment) -> list["Decision"]:
    """Decisions to re-run when ``segment`` is added or removed.

    Adding it changes decisions whose measured route uses its edges; removing it changes those
    whose route avoided it. Both are found from the edge ids stored on each decision.
    """
    out = []
    for d in decisions:
        if segment.id in d.unsafe_segments_avoided or segment.edges & (set(d.route_edges) | set(d.avoided_edges)):
            out.append(d)
    return out


def to_geojson(segments: Iterable[UnsafeSegment]) -> dict:
    """A FeatureCollection of segments (for maps and for writing assessments back)."""
    return {"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": shapely.geometry.mapping(s.geometry),
         "properties": {"id": s.id, "assessed_on": s.assessed_on.isoformat(), "method": s.method,
                        "reason": s.reason}}
        for s in segments]}
