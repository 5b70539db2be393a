"""Reading the documents commands take (one loader, one set of one-line errors)."""

from __future__ import annotations

import json
from pathlib import Path

from transport.domain.errors import InputError
from transport.planning.day import DAY_PLAN_FORMAT, DayPlanDocument
from transport.planning.plan import PlanDocument


def load_any_plan(path: Path):
    """Read a single session's plan (``PlanDocument``) or a school day's (``DayPlanDocument``)."""
    if not Path(path).exists():
        raise InputError(f"plan file {path} not found")
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise InputError(f"{Path(path).name} is not valid JSON: line {exc.lineno}: {exc.msg}") from None
    if isinstance(data, dict) and data.get("format") == DAY_PLAN_FORMAT:
        return DayPlanDocument.from_dict(data)
    return PlanDocument.from_dict(data)


def load_plan(path: Path) -> PlanDocument:
    """Read a single session's plan document (a day plan gets a one-line error)."""
    doc = load_any_plan(path)
    if not isinstance(doc, PlanDocument):
        raise InputError(f"{Path(path).name} is a day plan; this command works on single-session plans")
    return doc
