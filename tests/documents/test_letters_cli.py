"""`sen-transport letters ...` end to end: PDFs and a manifest out, one-line errors and exit 2 for bad input."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def cli(*args: str) -> subprocess.CompletedProcess:
    """Run the CLI in a fresh process from this checkout."""
    env = os.environ | {"PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "transport.cli", *args], capture_output=True, text=True, env=env,
                          cwd=ROOT, timeout=300, check=False)


def test_letters_decisions_writes_a_letter_per_decision_and_reports_bad_rows(tmp_path, sample_decisions, pdf_text):
    """Two decisions and a broken row: two letters with hashes in the manifest, the bad row named, exit 2."""
    rows = [sample_decisions[k].model_dump(mode="json") for k in ("SYN-004", "SYN-006")] + [{"application_id": "X-1"}]
    src = tmp_path / "decisions.json"
    src.write_text(json.dumps(rows))
    out = tmp_path / "letters"
    r = cli("letters", "decisions", str(src), "--out", str(out), "--date", "2026-08-03", "--no-roads")
    assert r.returncode == 2, r.stderr
    assert "decision 3 (X-1): not a decision" in r.stderr and "Traceback" not in r.stderr
    assert "3 decisions: 2 letters, 1 errors" in r.stdout
    manifest = json.loads((out / "manifest.json").read_text())
    assert sorted(e["subject"] for e in manifest) == ["SYN-004", "SYN-006"]
    for e in manifest:
        pdf = (out / e["file"]).read_bytes()
        assert hashlib.sha256(pdf).hexdigest() == e["sha256"]
        assert e["sources"]["policy_version"].startswith("kent@")
        assert "Tuesday 1 September 2026" in pdf_text(pdf)


def test_letters_travel_only_for_awarded_routes(tmp_path, plans, pdf_text):
    """Children on awarded routes get a letter with the operator's phone; the others are listed, not dropped."""
    am, pm = plans
    (tmp_path / "am.json").write_text(json.dumps(am.to_dict()))
    (tmp_path / "pm.json").write_text(json.dumps(pm.to_dict()))
    (tmp_path / "awards.json").write_text(json.dumps([{"routes": ["R001"], "operator": "Vale Taxis",
                                                       "phone": "01572 111 222"}]))
    out = tmp_path / "travel"
    r = cli("letters", "travel", str(tmp_path / "am.json"), "--awards", str(tmp_path / "awards.json"),
            "--afternoon", str(tmp_path / "pm.json"), "--first-day", "2026-09-03", "--out", str(out))
    assert r.returncode == 0, r.stderr
    on_r001 = set(am.plan.routes[0].request_ids())
    others = {c.id for c in am.scenario.children} - on_r001
    assert f"6 children: {len(on_r001)} travel letters, {len(others)} on routes not yet awarded" in r.stdout
    for cid in others:
        assert f"{cid}: route R" in r.stdout
    for cid in on_r001:
        assert "01572 111 222" in pdf_text((out / f"travel_letter-{cid}.pdf").read_bytes())


def test_letters_bad_awards_file_is_one_line(tmp_path, plans):
    """An award without a phone number is refused with one line naming it."""
    (tmp_path / "am.json").write_text(json.dumps(plans[0].to_dict()))
    (tmp_path / "awards.json").write_text(json.dumps([{"routes": ["R001"], "operator": "Vale Taxis"}]))
    r = cli("letters", "travel", str(tmp_path / "am.json"), "--awards", str(tmp_path / "awards.json"),
            "--first-day", "2026-09-03", "--out", str(tmp_path / "o"))
    assert r.returncode == 2
    assert r.stderr.strip() == "error: awards.json: award 1 has no phone"
