"""``sen-transport worker`` from the command line: bad input is one line and exit 2, never a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_worker_without_a_database_is_one_line():
    """A database that can't be reached: one line naming it (password hidden), exit 2."""
    res = subprocess.run([sys.executable, "-m", "transport.cli", "worker", "--database-url",
                          "postgresql+psycopg://someone:s3cret@127.0.0.1:1/nowhere"],
                         cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True, text=True,
                         timeout=120)
    assert res.returncode == 2, res.stderr
    assert "Traceback" not in res.stderr and "s3cret" not in res.stderr
    assert res.stderr.strip().splitlines()[-1].startswith("error: cannot reach the database")
