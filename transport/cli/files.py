"""Reading the documents commands take (one loader, one set of one-line errors)."""

from __future__ import annotations

import json
from pathlib import Path

from transport.domain.errors import InputError
from transport.planning.plan import PlanDocument


def load_plan(path: Path):
    """Read a plan document."""
    if not Path(path).exists():
        raise InputError(f"plan file {path} not found")
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise InputError(f"{Path(path).name} is not valid JSON: line {exc.lineno}: {exc.msg}") from None
    return PlanDocument.from_dict(data)
