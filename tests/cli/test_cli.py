"""The command line, end to end, as a planner runs it (subprocess: real exit codes and stderr)."""

import json
import subprocess
import sys

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from transport.io.pointsio import RowErrors, read_points


def run(*args, timeout=300):
    """Run ``sen-transport ARGS`` in a fresh interpreter."""
    return subprocess.run([sys.executable, "-m", "transport.cli.main", *args], capture_output=True,
                          text=True, timeout=timeout)


def assert_one_line_error(proc, *needles):
    """Non-zero exit, one line on stderr naming the problem, no traceback."""
    assert proc.returncode != 0
    lines = [line for line in proc.stderr.strip().splitlines() if line]
    assert len(lines) == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    for n in needles:
        assert n in lines[0]


def test_help_is_readable():
    """--help lists the command groups."""
    proc = run("--help")
    assert proc.returncode == 0 and "network" in proc.stdout and "demo" in proc.stdout


def test_network_info_prints_real_counts(drive_net, walk_net):
    """network info shows the Rutland source and node/edge counts."""
    proc = run("network", "info")
    assert proc.returncode == 0, proc.stderr
    assert "rutland-drive" in proc.stdout and f"{drive_net.n_nodes:,}" in proc.stdout
    assert f"{walk_net.n_edges:,}" in proc.stdout and "cache hit" in proc.stdout


def test_network_route_walk_with_geojson(tmp_path, walk_net):
    """network route prints miles and minutes and writes the path."""
    out = tmp_path / "route.geojson"
    proc = run("network", "route", "--from", "52.6700,-0.7285", "--to", "52.5870,-0.7235",
               "--mode", "walk", "--geojson", str(out))
    assert proc.returncode == 0, proc.stderr
    assert "miles" in proc.stdout and "minutes" in proc.stdout
    feature = json.loads(out.read_text())["features"][0]
    assert feature["geometry"]["type"] == "LineString" and feature["properties"]["distance_m"] > 9000


def test_route_from_kent_is_a_one_line_error(walk_net):
    """A Kent address when only Rutland is loaded exits 2 naming the point."""
    proc = run("network", "route", "--from", "51.2802,1.0789", "--to", "52.5870,-0.7235")
    assert proc.returncode == 2
    assert_one_line_error(proc, "51.280200,1.078900", "km from the nearest")


def test_unknown_mode_is_a_one_line_error():
    """--mode bike exits non-zero naming the value."""
    proc = run("network", "route", "--from", "52.67,-0.72", "--to", "52.58,-0.72", "--mode", "bike")
    assert_one_line_error(proc, "bike")


def test_matrix_from_postcodes(tmp_path, drive_net):
    """network matrix writes every pair of a postcode CSV."""
    pts = tmp_path / "points.csv"
    pts.write_text("id,postcode\nbrooke,LE15 6HQ\nucc,LE15 9TJ\ncasterton,PE9 4AT\n")
    out = tmp_path / "m.csv"
    proc = run("network", "matrix", str(pts), "--mode", "drive", "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    rows = out.read_text().strip().splitlines()
    assert rows[0] == "origin,destination,duration_s,distance_m" and len(rows) == 10
    assert all(float(r.split(",")[2]) > 0 for r in rows[1:] if r.split(",")[0] != r.split(",")[1])


def test_malformed_matrix_row_names_the_row(tmp_path):
    """A bad latitude names its CSV row and value."""
    pts = tmp_path / "bad.csv"
    pts.write_text("id,lat,lon\na,52.67,-0.72\nb,abc,-0.72\n")
    proc = run("network", "matrix", str(pts), "--out", str(tmp_path / "m.csv"))
    assert_one_line_error(proc, "row 3", "'abc'")


def test_missing_points_file_is_a_one_line_error(tmp_path):
    """A points file that does not exist is named."""
    proc = run("network", "matrix", str(tmp_path / "nope.csv"), "--out", str(tmp_path / "m.csv"))
    assert_one_line_error(proc, "nope.csv")


# no NUL: a file holding a 0x00 byte is not a CSV text file and is refused whole, naming the row and byte
# (transport/io/tabular.py; tests/io/test_tabular.py covers that refusal)
_CELL = st.text(st.characters(codec="utf-8", exclude_characters=",\n\r\"'\x00\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"),
               max_size=4)


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
@given(st.lists(st.tuples(_CELL, st.one_of(st.floats(-100, 100), _CELL),
                          st.one_of(st.floats(-200, 200), _CELL)), min_size=1, max_size=8))
def test_points_parser_reads_or_names_every_bad_row(tmp_path_factory, rows):
    """Every row is either read or reported with its row number; nothing is dropped."""
    path = tmp_path_factory.mktemp("pts") / "p.csv"
    lines = ["id,lat,lon"] + [f"{i}x,{lat},{lon}" for i, (_, lat, lon) in enumerate(rows)]
    path.write_text("\n".join(lines) + "\n")
    try:
        pts = read_points(path)
    except RowErrors as exc:
        assert all(2 <= r <= len(rows) + 1 for r, _ in exc.errors)
        assert exc.errors
    else:
        assert len(pts) == len(rows)
