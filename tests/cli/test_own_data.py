"""A newcomer with only the county PBF, a GIAS CSV and Excel workbooks gets decisions and a plan.

The commands are those of the README's "A council's own data, start to finish" block, run as a
council would run them (subprocesses, settings from the environment and the written
``sen-transport.env``). The only shared inputs are the Rutland ``.osm.pbf``, the project-made GIAS
sample, the Code-Point Open postcodes and the synthetic UPRN file; the cohort and the children are
Excel workbooks (one saved with a Windows-1252 CSV twin) made from the sample CSVs.
"""

from __future__ import annotations

import csv
import json
import os
import shlex
import subprocess
import sys

import pytest
import yaml

from tests.io.test_tabular import xlsx_bytes
from transport.domain.config import SAMPLE_DATA, get_settings

pytestmark = pytest.mark.slow


def sen(*args, env, timeout=600):
    """Run ``sen-transport ARGS`` in a fresh interpreter."""
    return subprocess.run([sys.executable, "-m", "transport.cli", *map(str, args)], capture_output=True, text=True,
                          env=env, timeout=timeout, check=False)


def one_line_exit_2(proc, *needles):
    """Exit 2, one line on stderr naming the problem, no traceback."""
    lines = proc.stderr.strip().splitlines()
    assert proc.returncode == 2 and len(lines) == 1 and "Traceback" not in proc.stderr, proc.stderr
    for n in needles:
        assert n in lines[0], lines[0]


def sourced(env_file, env):
    """The environment after ``. sen-transport.env`` (its export lines)."""
    out = dict(env)
    for line in env_file.read_text().splitlines():
        if line.startswith("export "):
            key, _, value = line.removeprefix("export ").partition("=")
            out[key] = shlex.split(value)[0]
    return out


@pytest.fixture(scope="module")
def council(tmp_path_factory):
    """A council's folder: what it downloads and what it keeps in Excel."""
    d = tmp_path_factory.mktemp("council")
    s = get_settings()
    (d / "rutland-latest.osm.pbf").write_bytes((s.data / "osm" / "rutland-latest-20220720.osm.pbf").read_bytes())
    (d / "edubasealldata.csv").write_bytes((SAMPLE_DATA / "schools" / "rutland_gias_sample.csv").read_bytes())
    sample = yaml.safe_load((SAMPLE_DATA / "schools" / "rutland_school_attributes.yaml").read_text())
    bells = {k: {"bell": v["bell"]} for k, v in sample["schools"].items() if k.isdigit()}
    (d / "bells.yaml").write_text(yaml.safe_dump({"schools": bells}))
    apps = list(csv.reader((SAMPLE_DATA / "applications" / "rutland_sample.csv").open(encoding="utf-8")))
    apps[0].append("home_uprn")
    apps[1][apps[0].index("home_postcode")] = ""
    apps[1].append("990000000010")                                       # SYN-001 lives at an address point
    for r in apps[2:]:
        r.append("")
    (d / "cohort.xlsx").write_bytes(xlsx_bytes(apps))
    kids = list(csv.reader((SAMPLE_DATA / "children" / "rutland_sample_children.csv").open(encoding="utf-8")))
    urn = kids[0].index("school_urn")
    for r in kids[1:]:
        r[urn] = "131018" if r[urn].startswith("osm:") else r[urn]        # GIAS lists schools by URN only
    kids[1][kids[0].index("first_name")] = "Zoë"
    (d / "children.xlsx").write_bytes(xlsx_bytes(kids))
    env = {k: v for k, v in os.environ.items() if not k.startswith("SEN_TRANSPORT_")}
    env["SEN_TRANSPORT_DATA"] = str(s.data)                             # Code-Point Open postcodes
    env["SEN_TRANSPORT_SCHOOLS_OSM"] = str(d / "no-osm-schools.csv")    # a newcomer has no OSM school list
    env["SEN_TRANSPORT_CACHE_DIR"] = str(s.cache_dir)                   # keyed by file content: same networks
    return d, env


def test_newcomer_gets_decisions_and_a_plan(council):
    """prepare -> schools -> assess an Excel cohort -> import Excel children -> plan -> validate."""
    d, env = council
    p = sen("data", "prepare", d / "rutland-latest.osm.pbf", "--out", d / "osm", env=env)
    assert p.returncode == 0, p.stderr
    env = sourced(d / "osm" / "sen-transport.env", env)
    p = sen("data", "schools", d / "edubasealldata.csv", "--la", "857", "--council", d / "bells.yaml",
            "--out", d / "schools.yaml", env=env)
    assert p.returncode == 0, p.stderr
    assert "19 schools kept (18 of LA 857, 1 across the border within 10 km)" in p.stdout
    env["SEN_TRANSPORT_SCHOOL_ATTRIBUTES"] = str(d / "schools.yaml")
    p = sen("network", "info", env=env)
    assert p.returncode == 0 and "rutland-latest-drive.osm.bz2" in p.stdout, p.stderr
    p = sen("eligibility", "assess", d / "cohort.xlsx", "--out", d / "decisions.json", "--errors", d / "errors.csv",
            env=env)
    assert p.returncode == 0, p.stderr
    decisions = json.loads((d / "decisions.json").read_text())
    errors = list(csv.DictReader((d / "errors.csv").open(encoding="utf-8")))
    assert len(decisions) + len(errors) == 10  # every row: a decision or an error naming its row
    # the three sample applications at schools OSM knows only by an osm: id (no URN) are not GIAS schools
    assert len(errors) == 3 and all("not a known school" in e["reason"] and "osm:" in e["reason"] for e in errors)
    by_id = {x["application_id"]: x for x in decisions}
    assert by_id["SYN-001"]["home_measured_from"] == "uprn"
    assert {x["home_measured_from"] for x in decisions} == {"uprn", "coordinates", "postcode centroid"}
    p = sen("scenario", "import", d / "children.xlsx", "--out", d / "scenario.json", env=env)
    assert p.returncode == 0, p.stderr
    assert json.loads((d / "scenario.json").read_text())["children"][0]["first_name"] == "Zoë"
    p = sen("routes", "plan", d / "scenario.json", "--time-limit", "5", "--out", d / "plan.json", env=env)
    assert p.returncode == 0, p.stderr
    p = sen("routes", "validate", d / "scenario.json", d / "plan.json", env=env)
    assert p.returncode == 0, p.stdout + p.stderr
    doc = json.loads((d / "plan.json").read_text())
    placed = [s["request_id"] for r in doc["plan"]["routes"] for s in r["stops"]
              if s["kind"] == "pickup" and s["request_id"]]
    left = [u["request_id"] for u in doc["plan"]["unassigned"]]
    children = [c["id"] for c in json.loads((d / "scenario.json").read_text())["children"]]
    assert sorted(placed + left) == sorted(children) and doc["kpis"]["valid"] and not doc["violations"]


def test_bad_files_are_one_line_and_exit_2(council, tmp_path):
    """A PBF that isn't one, a GIAS file missing a column, an xlsx with a merged header,
    an undecodable CSV, and a UPRN not in the address file."""
    d, env = council
    env = {k: v for k, v in env.items() if k != "SEN_TRANSPORT_SCHOOLS_OSM"}  # the sample schools
    fake = tmp_path / "county.osm.pbf"
    fake.write_text("<html>Not Found</html>")
    one_line_exit_2(sen("data", "prepare", fake, "--out", tmp_path / "o", env=env), "not an OpenStreetMap .osm.pbf")
    rows = list(csv.reader((d / "edubasealldata.csv").read_text(encoding="cp1252").splitlines()))
    drop = rows[0].index("Easting")
    gias = tmp_path / "gias.csv"
    with gias.open("w", newline="", encoding="cp1252") as fh:
        csv.writer(fh).writerows([r[:drop] + r[drop + 1:] for r in rows])
    one_line_exit_2(sen("data", "schools", gias, "--la", "857", "--out", tmp_path / "s.yaml", env=env),
                    "not a GIAS establishment file", "no column easting")
    merged = tmp_path / "children.xlsx"
    merged.write_bytes(xlsx_bytes([["Child", None, "school_urn"], ["C1", "Ava", "131018"]], merge="A1:B1"))
    one_line_exit_2(sen("scenario", "import", merged, "--out", tmp_path / "x.json", env=env),
                    "header cells A1:B1 are merged")
    zoe = tmp_path / "zoe.csv"
    zoe.write_bytes("child_id,first_name,home_postcode,school_urn\nC1,Zoë,LE15 6HQ,131018\n".encode("cp1252"))
    ok = sen("scenario", "import", zoe, "--out", tmp_path / "z.json", env=env)
    assert ok.returncode == 0 and json.loads((tmp_path / "z.json").read_text())["children"][0]["first_name"] == "Zoë"
    zoe.write_bytes(zoe.read_bytes().replace(b"\xeb", b"\x81"))
    one_line_exit_2(sen("scenario", "import", zoe, "--out", tmp_path / "z.json", env=env),
                    "zoe.csv row 2: byte 0x81")
    kids = tmp_path / "kids.csv"
    kids.write_text("child_id,home_uprn,school_urn\nC1,990000009999,131018\n")
    p = sen("scenario", "import", kids, "--out", tmp_path / "k.json", env=env)
    assert p.returncode == 0
    one_line_exit_2(sen("routes", "plan", tmp_path / "k.json", "--time-limit", "1", "--out", tmp_path / "p.json",
                        env=env), "UPRN is not in the address file")
