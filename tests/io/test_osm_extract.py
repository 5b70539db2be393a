"""`data prepare`: the county .osm.pbf cut with osmnx's filters gives the networks the shipped files give."""

from __future__ import annotations

import hashlib
import subprocess
import sys

import numpy as np
import pytest

from routing.matrix import compute_matrix
from routing.network import build_network
from transport.domain.config import get_settings
from transport.domain.errors import InputError
from transport.io.osm_extract import (
    check_pbf,
    osmnx_filter,
    parse_overpass_filter,
    prepare,
    way_passes,
)


def _sha(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="session")
def prepared(tmp_path_factory):
    """The real Rutland PBF prepared once per test session."""
    pbf = get_settings().data / "osm" / "rutland-latest-20220720.osm.pbf"
    return prepare(pbf, tmp_path_factory.mktemp("prepared"))


def test_counts_and_bytes_equal_the_shipped_files(prepared):
    """Same way and node counts as SOURCES.md states, and byte for byte the shipped .osm.bz2 files."""
    by_mode = {f.mode: f for f in prepared.files}
    assert prepared.ways_read == 16_730
    assert (by_mode["drive"].ways, by_mode["drive"].nodes) == (2_273, 17_029)
    assert (by_mode["walk"].ways, by_mode["walk"].nodes) == (6_143, 39_368)
    s = get_settings()
    for mode in ("drive", "walk"):
        assert _sha(by_mode[mode].path) == _sha(s.path(f"{mode}_osm"))
    env = prepared.env_file.read_text()
    assert f"export SEN_TRANSPORT_DRIVE_OSM={by_mode['drive'].path}" in env
    assert f"export SEN_TRANSPORT_WALK_OSM={by_mode['walk'].path}" in env


@pytest.mark.parametrize("mode", ["drive", "walk"])
def test_networks_and_matrices_equal_the_shipped(prepared, mode, drive_net, walk_net, postcodes):
    """Built afresh (no cache) from the prepared file: same nodes, edges and matrix cells as the shipped network."""
    shipped = {"drive": drive_net, "walk": walk_net}[mode]
    path = next(f.path for f in prepared.files if f.mode == mode)
    mine = build_network(path, mode)
    assert (mine.n_nodes, mine.n_edges) == (shipped.n_nodes, shipped.n_edges)
    assert np.array_equal(np.sort(mine.node_osmid), np.sort(shipped.node_osmid))
    rng = np.random.default_rng(7)
    codes = postcodes.postcodes()
    points = [postcodes.lookup(codes[i]) for i in rng.choice(len(codes), 25, replace=False)]
    a, b = compute_matrix(mine, points), compute_matrix(shipped, points)
    assert np.array_equal(a.int_duration_s(), b.int_duration_s())
    assert np.array_equal(a.int_distance_m(), b.int_distance_m())


def test_filters_follow_osmnx_overpass_semantics():
    """Unanchored regex, absent keys pass '!~', the key clause needs the key: as Overpass (and osmnx) decide."""
    drive, walk = osmnx_filter("drive"), osmnx_filter("walk")

    def ok(flt, **tags):
        return way_passes(flt, tags.get)

    assert ok(drive, highway="residential") and ok(walk, highway="residential")
    assert not ok(drive, highway="service") and ok(walk, highway="service")
    assert not ok(drive, highway="footway") and ok(walk, highway="footway")
    assert not ok(walk, highway="motorway")            # "motor" matches inside "motorway"
    assert not ok(walk, highway="residential", foot="no")
    assert not ok(drive, highway="residential", access="private")
    assert not ok(drive, highway="tertiary", area="yes")
    assert not ok(drive, highway="unclassified", motor_vehicle="no")
    assert not ok(walk, highway="primary", sidewalk="separate")
    assert not ok(drive, building="yes")               # no highway key
    with pytest.raises(ValueError, match="cannot read"):
        parse_overpass_filter('["highway"]garbage')


def test_not_a_pbf_is_one_line(tmp_path):
    """A text file named .osm.pbf is refused before anything is written."""
    fake = tmp_path / "county.osm.pbf"
    fake.write_text("not osm")
    with pytest.raises(InputError, match="not an OpenStreetMap .osm.pbf file"):
        check_pbf(fake)


def test_cli_truncated_pbf_exit_2_and_no_files(tmp_path):
    """A truncated download exits 2 with one line and leaves no network file behind."""
    pbf = get_settings().data / "osm" / "rutland-latest-20220720.osm.pbf"
    cut = tmp_path / "cut.osm.pbf"
    cut.write_bytes(pbf.read_bytes()[:300_000])
    proc = subprocess.run([sys.executable, "-m", "transport.cli", "data", "prepare", str(cut), "--out",
                           str(tmp_path / "out")], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == ["error: cut.osm.pbf: cannot be read as .osm.pbf (PBF error: unexpected EOF)"]
    assert not list((tmp_path / "out").glob("*.bz2"))
