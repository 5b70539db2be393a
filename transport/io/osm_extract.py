"""Cut a county's OpenStreetMap ``.osm.pbf`` into the drive and walk OSM XML files the engine reads.

Uses pyosmium (no osmium command-line tool). A way is kept when its tags pass osmnx's own
``network_type`` filter (``osmnx._overpass._get_network_filter``, read from the installed osmnx so
the rules cannot drift from osmnx's), evaluated as Overpass evaluates it: ``["k"]`` needs the key,
``["k"!~"re"]`` passes when the key is absent or the value does not match the unanchored,
case-sensitive regular expression. Every node a kept way references is written with its tags;
ways keep all their tags; relations are not needed (osmnx reads nodes and ways only).
"""

from __future__ import annotations

import re
import shlex
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from transport.domain.errors import InputError

MODES = ("drive", "walk")
_CLAUSE = re.compile(r'\["([^"]+)"(?:(!~|~|!=|=)"([^"]*)")?\]')


@dataclass(frozen=True)
class TagClause:
    """One Overpass tag clause: the key must be present, or its value must (not) match."""

    key: str
    op: str | None
    pattern: re.Pattern | None

    def passes(self, tags: Callable[[str], str | None]) -> bool:
        """Whether a way with these tags passes, as Overpass decides."""
        value = tags(self.key)
        if self.op is None:
            return value is not None
        if self.op == "!~":
            return value is None or not self.pattern.search(value)  # type: ignore[union-attr]
        if self.op == "~":
            return value is not None and bool(self.pattern.search(value))  # type: ignore[union-attr]
        if self.op == "=":
            return value == self.pattern.pattern  # type: ignore[union-attr]
        return value != self.pattern.pattern  # type: ignore[union-attr]


def parse_overpass_filter(text: str) -> tuple[TagClause, ...]:
    """The clauses of an Overpass way filter such as ``["highway"]["area"!~"yes"]``."""
    clauses = tuple(TagClause(k, op or None, re.compile(v) if op else None) for k, op, v in _CLAUSE.findall(text))
    if not clauses or "".join(m.group(0) for m in _CLAUSE.finditer(text)) != text:
        raise ValueError(f"cannot read the Overpass filter {text!r}")
    return clauses


def osmnx_filter(mode: str) -> tuple[TagClause, ...]:
    """osmnx's own filter for ``network_type=mode`` (drive or walk), parsed."""
    from osmnx import _overpass  # osmnx's filters are the reference; read them, do not copy them

    return parse_overpass_filter(_overpass._get_network_filter(mode))


def way_passes(clauses: tuple[TagClause, ...], tags: Callable[[str], str | None]) -> bool:
    """Whether every clause of the filter passes."""
    return all(c.passes(tags) for c in clauses)


@dataclass(frozen=True)
class PreparedFile:
    """One written network file and what it holds."""

    mode: str
    path: Path
    ways: int
    nodes: int


@dataclass(frozen=True)
class Prepared:
    """The result of ``prepare``: the files, the ways read and the settings file that names them."""

    source: Path
    ways_read: int
    files: tuple[PreparedFile, ...]
    env_file: Path
    seconds: float


def check_pbf(path: Path) -> None:
    """Refuse a file that is not an OSM PBF (its first block must be an ``OSMHeader``)."""
    if not path.exists():
        raise InputError(f"OSM file {path} not found")
    with path.open("rb") as fh:
        head = fh.read(64)
    if b"OSMHeader" not in head[4:24]:
        raise InputError(f"{path.name} is not an OpenStreetMap .osm.pbf file (no OSMHeader block at its start); "
                         f"download the county's .osm.pbf from download.geofabrik.de")


def stem_of(path: Path) -> str:
    """``kent-latest.osm.pbf`` -> ``kent-latest``."""
    name = path.name
    for suffix in (".osm.pbf", ".pbf"):
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return path.stem


def prepare(pbf: str | Path, out_dir: str | Path, *, progress: Callable[[str], None] = lambda _: None,
            overwrite: bool = False) -> Prepared:
    """Write ``<stem>-drive.osm.bz2``, ``<stem>-walk.osm.bz2`` and ``sen-transport.env`` into ``out_dir``."""
    import osmium

    t0 = time.perf_counter()
    pbf, out_dir = Path(pbf), Path(out_dir)
    check_pbf(pbf)
    out_dir.mkdir(parents=True, exist_ok=True)
    filters = {mode: osmnx_filter(mode) for mode in MODES}
    trackers = {mode: osmium.IdTracker() for mode in MODES}
    kept = dict.fromkeys(MODES, 0)
    ways_read = 0
    progress(f"reading ways of {pbf.name}")
    try:
        for way in osmium.FileProcessor(str(pbf), osmium.osm.WAY):
            ways_read += 1
            if ways_read % 500_000 == 0:
                progress(f"  {ways_read:,} ways read")
            if "highway" not in way.tags:
                continue
            get = way.tags.get
            for mode in MODES:
                if way_passes(filters[mode], get):
                    trackers[mode].add_way(way.id)
                    trackers[mode].add_references(way)
                    kept[mode] += 1
    except RuntimeError as exc:  # libosmium's own errors: a damaged or truncated file
        raise InputError(f"{pbf.name}: cannot be read as .osm.pbf ({str(exc).splitlines()[0]})") from None
    progress(f"  {ways_read:,} ways read: {kept['drive']:,} drivable, {kept['walk']:,} walkable")
    files = []
    for mode in MODES:
        path = out_dir / f"{stem_of(pbf)}-{mode}.osm.bz2"
        if path.exists() and not overwrite:
            raise InputError(f"{path} exists; use --overwrite to replace it")
        progress(f"writing {path.name}")
        partial = path.with_name(f".{path.name.removesuffix('.osm.bz2')}.partial.osm.bz2")
        nodes = ways = 0
        try:
            writer = osmium.SimpleWriter(str(partial), overwrite=True)
            try:
                for obj in osmium.FileProcessor(str(pbf), osmium.osm.NODE | osmium.osm.WAY) \
                        .with_filter(trackers[mode].id_filter()):
                    writer.add(obj)
                    if obj.is_node():
                        nodes += 1
                    else:
                        ways += 1
            finally:
                writer.close()
        except RuntimeError as exc:
            partial.unlink(missing_ok=True)
            raise InputError(f"{pbf.name}: cannot be read as .osm.pbf ({str(exc).splitlines()[0]})") from None
        partial.replace(path)  # a finished file or none: never half a network under the real name
        progress(f"  {mode}: {ways:,} ways, {nodes:,} nodes")
        files.append(PreparedFile(mode, path.resolve(), ways, nodes))
    env = out_dir / "sen-transport.env"
    env.write_text(
        "# Written by `sen-transport data prepare`: point the engine at this county's networks.\n"
        "# Use it with:  . " + shlex.quote(str(env.resolve())) + "\n"
        + "".join(f"export SEN_TRANSPORT_{f.mode.upper()}_OSM={shlex.quote(str(f.path))}\n" for f in files),
        encoding="utf-8")
    return Prepared(pbf.resolve(), ways_read, tuple(files), env.resolve(), time.perf_counter() - t0)
