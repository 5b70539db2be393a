"""Schools from GIAS: the project-made Rutland sample in GIAS's layout gives the engine's school model."""

from __future__ import annotations

import csv
import io
import subprocess
import sys

import numpy as np
import pytest

from transport.domain.config import SAMPLE_DATA, get_settings
from transport.domain.errors import InputError
from transport.domain.schools import load_schools
from transport.io.gias import (
    TYPE_BY_CODE,
    drop_off_network,
    merge_council,
    read_type_codes,
    select_schools,
    write_schools_yaml,
)

SAMPLE = SAMPLE_DATA / "schools" / "rutland_gias_sample.csv"
COUNCIL = SAMPLE_DATA / "schools" / "rutland_school_attributes.yaml"


@pytest.fixture(scope="module")
def type_codes():
    """The DfE type code list from the shared reference data."""
    return read_type_codes(get_settings().path("gias_types"))


def test_every_gias_type_code_has_a_decision(type_codes):
    """Each code of the DfE list maps to a school type or is explicitly left out: none falls through."""
    assert set(type_codes.values()) <= set(TYPE_BY_CODE)
    assert TYPE_BY_CODE[8] == "non-maintained-special" and TYPE_BY_CODE[10] == "independent-special"
    assert TYPE_BY_CODE[44] == "special" and TYPE_BY_CODE[14] == "alternative-provision"


def test_sample_rows_are_all_accounted_for(type_codes):
    """22 rows: 18 Rutland schools, 1 open special school across the border; closed, far and non-school rows left out."""
    sel = select_schools(SAMPLE, "857", type_codes=type_codes, border_km=10)
    assert sel.rows == 22 and not sel.errors
    assert (sel.in_la, sel.across_border) == (18, 1)
    assert sel.in_la + sel.across_border + sum(sel.left_out.values()) == sel.rows
    assert "999002" in sel.schools and "999003" not in sel.schools and "999001" not in sel.schools
    assert select_schools(SAMPLE, "857", type_codes=type_codes, border_km=0).across_border == 0


def test_merged_with_council_yaml_gives_the_projects_schools(type_codes, tmp_path, schools):
    """GIAS + the council's bell times = the school model the engine already uses for those 18 schools."""
    sel = select_schools(SAMPLE, "857", type_codes=type_codes, border_km=10)
    merged, enriched, carried = merge_council(sel.schools, COUNCIL)
    assert (enriched, carried) == (18, 6)
    out = tmp_path / "schools.yaml"
    write_schools_yaml(merged, out, source=SAMPLE, la="857", border_km=10, council_yaml=COUNCIL)
    mine = load_schools(attributes=out)
    for urn in sel.schools:
        if urn == "999002":
            continue
        a, b = mine[urn], schools[urn]
        fields = ("name", "phase", "age_low", "age_high", "school_type", "sen_provision", "sen_needs_catered",
                  "pupils", "admissions", "religious_character", "bell_times", "entrances", "location")
        assert {f: getattr(a, f) for f in fields} == {f: getattr(b, f) for f in fields}, urn
    border = mine["999002"]
    assert border.school_type.value == "special" and border.is_special and border.phase.value == "all-through"
    assert border.sen_needs_catered == ("PD", "MLD") and border.source == "attributes file"
    assert border.location.to_bng() == pytest.approx((503577, 307450), abs=0.5)


def test_without_osm_schools_file_gias_places_every_school(type_codes, tmp_path, monkeypatch):
    """A council with no OSM schools file: every GIAS school is placed at its Easting/Northing."""
    sel = select_schools(SAMPLE, "857", type_codes=type_codes, border_km=10)
    out = tmp_path / "schools.yaml"
    write_schools_yaml(sel.schools, out, source=SAMPLE, la="857", border_km=10, council_yaml=None)
    monkeypatch.setenv("SEN_TRANSPORT_SCHOOLS_OSM", str(tmp_path / "no-such.csv"))
    get_settings.cache_clear()
    try:
        loaded = load_schools(attributes=out)
    finally:
        get_settings.cache_clear()
    assert len(loaded) == 19 and all(s.source == "attributes file" for s in loaded.values())


def _rewrite(tmp_path, drop: str | None = None, edit=None):
    """The sample with one column dropped, or one row edited."""
    rows = list(csv.DictReader(io.StringIO(SAMPLE.read_text(encoding="cp1252"))))
    cols = [c for c in rows[0] if c != drop]
    if edit:
        edit(rows)
    buf = io.StringIO()
    w = csv.DictWriter(buf, cols, extrasaction="ignore", quoting=csv.QUOTE_ALL)
    w.writeheader()
    w.writerows(rows)
    path = tmp_path / "gias.csv"
    path.write_text(buf.getvalue(), encoding="cp1252")
    return path


def test_missing_column_and_bad_rows(type_codes, tmp_path):
    """A missing published column is one error naming it; a bad row is an error of its row, the rest are kept."""
    with pytest.raises(InputError, match=r"not a GIAS establishment file: the header \(row 1\) has no column northing"):
        select_schools(_rewrite(tmp_path, drop="Northing"), "857", type_codes=type_codes, border_km=10)

    def spoil(rows):
        rows[2]["Easting"] = "somewhere"
        rows[3]["TypeOfEstablishment (code)"] = ""
        rows[3]["TypeOfEstablishment (name)"] = "Space academy"
    sel = select_schools(_rewrite(tmp_path, edit=spoil), "857", type_codes=type_codes, border_km=10)
    assert [r for r, _ in sel.errors] == [4, 5]
    assert "Easting and Northing must be numbers" in sel.errors[0][1]
    assert "'Space academy' is not in the GIAS code list" in sel.errors[1][1]
    assert sel.in_la == 16
    with pytest.raises(InputError, match="no open school of LA 999"):
        select_schools(SAMPLE, "999", type_codes=type_codes, border_km=10)


def test_cli_missing_column_exit_2(tmp_path):
    """`data schools` on a GIAS file missing a column: one line, exit 2, nothing written."""
    out = tmp_path / "s.yaml"
    proc = subprocess.run([sys.executable, "-m", "transport.cli", "data", "schools",
                           str(_rewrite(tmp_path, drop="LA (code)")), "--la", "857", "--out", str(out)],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2 and len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    assert "has no column la (code)" in proc.stderr and not out.exists()


def test_schools_off_the_prepared_network(type_codes, walk_net):
    """Measured on the real walk network: every sample school is on it; one moved 2 km off is named."""
    sel = select_schools(SAMPLE, "857", type_codes=type_codes, border_km=10)
    assert drop_off_network(sel, "857", walk_net.distance_to_network_m, 500) == []
    far = {"999002": 5_000.0, "137358": 2_000.0}
    fake = lambda pts: np.array([far.get(u, 10.0) for u in sel.schools])  # noqa: E731  (same order as the dict)
    assert drop_off_network(sel, "857", fake, 500) == ["137358", "999002"]
    assert (sel.in_la, sel.across_border) == (17, 0)
    assert sel.errors == [(2, "URN 137358: 2.0 km from the prepared walk network (limit 500 m): "
                              "the extract does not cover this school")]
    assert sel.left_out["other LA, off the prepared network (more than 500 m)"] == 1
    assert sel.in_la + sel.across_border + sum(sel.left_out.values()) + len(sel.errors) == sel.rows
