"""Reading typed values from CSV cells, with messages that name the column (never the value: it may be personal).

Shared by every CSV the engine reads (applications, children). Errors are ``InputError``
(a ``ValueError``), so callers can add the row number.
"""

from __future__ import annotations

import datetime as dt

from transport.domain.errors import InputError

TRUE = frozenset({"yes", "y", "true", "t", "1"})
FALSE = frozenset({"no", "n", "false", "f", "0", ""})


def text(row: dict, key: str) -> str:
    """The stripped cell text ('' when absent)."""
    return str(row.get(key) or "").strip()


def flag(row: dict, key: str) -> bool:
    """yes/no (true/false, 1/0, y/n); blank is no."""
    value = text(row, key).lower()
    if value in TRUE:
        return True
    if value in FALSE:
        return False
    raise InputError(f"{key} must be yes/no (true/false, 1/0)")


def number(row: dict, key: str) -> float | None:
    """A number, or None when blank."""
    value = text(row, key)
    if not value:
        return None
    try:
        return float(value)
    except ValueError:
        raise InputError(f"{key} must be a number") from None


def whole(row: dict, key: str) -> int | None:
    """A whole number, or None when blank."""
    value = number(row, key)
    if value is not None and value != int(value):
        raise InputError(f"{key} must be a whole number")
    return None if value is None else int(value)


def date(row: dict, key: str, *, required: bool = False) -> dt.date | None:
    """A ``YYYY-MM-DD`` date, or None when blank and not required."""
    value = text(row, key)
    if not value:
        if required:
            raise InputError(f"{key} is required")
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise InputError(f"{key} must be a date YYYY-MM-DD") from None


def items(row: dict, key: str) -> tuple[str, ...]:
    """A ``;``- or ``,``-separated list."""
    return tuple(p.strip() for p in text(row, key).replace(";", ",").split(",") if p.strip())
