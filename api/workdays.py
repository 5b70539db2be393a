"""Working days for review and appeal deadlines: Monday to Friday, less England's bank holidays
(the ``holidays`` package's calendar, substitute days included) and the council's own closures (data).

Dates a person can submit are checked against :data:`FIRST_DAY`..:data:`LAST_DAY` by the schemas
(``api.schemas.SaneDate``) before anything is written; the calendar itself refuses dates outside
that range, so no deadline is computed, stored or shown for a year nobody meant.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType

import holidays
import yaml

from transport.domain.errors import InputError

DATA = Path(__file__).parent / "data"
CLOSURES = DATA / "council_closures.yaml"
FIRST_DAY = dt.date(1990, 1, 1)
LAST_DAY = dt.date(2099, 12, 31)
# deadlines run up to ~65 working days past a submitted date: the calendar covers a year beyond LAST_DAY
_CALENDAR_LAST_YEAR = LAST_DAY.year + 1


@dataclass(frozen=True)
class Calendar:
    """Bank holidays (England, with substitute days) plus the council's extra closures."""

    closures: Mapping[dt.date, str] = field(default_factory=dict)
    subdivision: str = "ENG"

    def __post_init__(self) -> None:
        bad = sorted(d for d in self.closures if not FIRST_DAY <= d <= LAST_DAY)
        if bad:
            raise InputError(f"council closure {bad[0]} is outside {FIRST_DAY}..{LAST_DAY}")

    @property
    def bank_holidays(self) -> Mapping[dt.date, str]:
        """England's bank holidays (substitute days included), by date."""
        return _bank_holidays(self.subdivision)

    def closed_on(self, day: dt.date) -> str | None:
        """The bank holiday or closure on ``day`` (its name), or None."""
        self._known(day)
        return self.closures.get(day) or self.bank_holidays.get(day)

    def is_working_day(self, day: dt.date) -> bool:
        """Monday to Friday, not a bank holiday and not a council closure."""
        return day.weekday() < 5 and self.closed_on(day) is None

    def add_working_days(self, start: dt.date, days: int) -> dt.date:
        """The ``days``-th working day after ``start`` (``start`` itself does not count)."""
        if days < 0:
            raise InputError(f"days must be 0 or more, got {days}")
        self._known(start)
        day, left = start, days
        while left:
            day += dt.timedelta(days=1)
            if self.is_working_day(day):
                left -= 1
        return day

    def working_days_between(self, start: dt.date, end: dt.date) -> int:
        """Working days after ``start`` up to and including ``end`` (negative when ``end`` is earlier)."""
        self._known(start)
        self._known(end)
        sign, (a, b) = (1, (start, end)) if end >= start else (-1, (end, start))
        n, day = 0, a
        while day < b:
            day += dt.timedelta(days=1)
            n += self.is_working_day(day)
        return sign * n

    @staticmethod
    def _known(day: dt.date) -> None:
        if not FIRST_DAY.year <= day.year <= _CALENDAR_LAST_YEAR:
            raise InputError(f"dates must be between {FIRST_DAY} and {LAST_DAY}")


@lru_cache(maxsize=4)
def _bank_holidays(subdivision: str) -> Mapping[dt.date, str]:
    """The ``holidays`` package's UK calendar for one nation, every year the calendar covers, read-only
    (a plain dict: the package fills years in lazily, which is not safe across request threads)."""
    years = range(FIRST_DAY.year, _CALENDAR_LAST_YEAR + 1)
    return MappingProxyType(dict(holidays.country_holidays("GB", subdiv=subdivision, years=years, observed=True)))


def read_closures(path: str | Path) -> dict[dt.date, str]:
    """The council's extra closure days from YAML: ``closures: [{date: YYYY-MM-DD, title: ...}]``."""
    doc = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    out: dict[dt.date, str] = {}
    for i, c in enumerate(doc.get("closures") or []):
        try:
            day = c["date"] if isinstance(c["date"], dt.date) else dt.date.fromisoformat(str(c["date"]))
            out[day] = str(c.get("title") or "council closure")
        except (KeyError, TypeError, ValueError):
            raise InputError(f"{Path(path).name}: closure {i + 1} needs a date YYYY-MM-DD") from None
    return out


def calendar_with(closures: Iterable[tuple[dt.date, str]] = ()) -> Calendar:
    """A calendar with these extra closures (tests, other councils)."""
    return Calendar(dict(closures))


@lru_cache(maxsize=4)
def england_and_wales(path: str | None = None) -> Calendar:
    """England's bank holidays plus the council closures in ``api/data/council_closures.yaml`` (or ``path``)."""
    return Calendar(read_closures(path or CLOSURES))


@lru_cache(maxsize=1)
def timescales() -> dict[str, int]:
    """Review and appeal timescales in working days (``api/data/review_appeal_timescales.yaml``)."""
    return {k: int(v) for k, v in yaml.safe_load((DATA / "review_appeal_timescales.yaml").read_text()).items()}
