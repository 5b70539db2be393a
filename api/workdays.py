"""Working days for review and appeal deadlines: Monday to Friday, bank holidays read from data."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from transport.domain.errors import InputError

DATA = Path(__file__).parent / "data"


@dataclass(frozen=True)
class Calendar:
    """Bank holidays and the years they are known for."""

    holidays: frozenset[dt.date]
    first_year: int
    last_year: int

    def is_working_day(self, day: dt.date) -> bool:
        """Monday to Friday and not a bank holiday."""
        return day.weekday() < 5 and day not in self.holidays

    def add_working_days(self, start: dt.date, days: int) -> dt.date:
        """The ``days``-th working day after ``start`` (``start`` itself does not count)."""
        if days < 0:
            raise InputError(f"days must be 0 or more, got {days}")
        day, left = start, days
        while left:
            day += dt.timedelta(days=1)
            self._known(day)
            if self.is_working_day(day):
                left -= 1
        return day

    def working_days_between(self, start: dt.date, end: dt.date) -> int:
        """Working days after ``start`` up to and including ``end`` (negative when ``end`` is earlier)."""
        sign, (a, b) = (1, (start, end)) if end >= start else (-1, (end, start))
        n, day = 0, a
        while day < b:
            day += dt.timedelta(days=1)
            self._known(day)
            n += self.is_working_day(day)
        return sign * n

    def _known(self, day: dt.date) -> None:
        if not self.first_year <= day.year <= self.last_year:
            raise InputError(f"no bank holidays known for {day.year}: the calendar covers "
                             f"{self.first_year}-{self.last_year} (api/data/bank_holidays_england.yaml)")


def read_calendar(path: str | Path) -> Calendar:
    """A calendar from a YAML file with ``covers: [first, last]`` and ``holidays: [{date, title}]``."""
    doc = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    first, last = (int(y) for y in doc["covers"])
    days = frozenset(h["date"] if isinstance(h["date"], dt.date) else dt.date.fromisoformat(h["date"])
                     for h in doc["holidays"])
    outside = sorted(d for d in days if not first <= d.year <= last)
    if outside:
        raise InputError(f"{Path(path).name}: holiday {outside[0]} is outside the years covered {first}-{last}")
    return Calendar(days, first, last)


@lru_cache(maxsize=4)
def england_and_wales(path: str | None = None) -> Calendar:
    """The bundled England and Wales calendar (or the file ``path``)."""
    return read_calendar(path or DATA / "bank_holidays_england.yaml")


@lru_cache(maxsize=1)
def timescales() -> dict[str, int]:
    """Review and appeal timescales in working days (``api/data/review_appeal_timescales.yaml``)."""
    return {k: int(v) for k, v in yaml.safe_load((DATA / "review_appeal_timescales.yaml").read_text()).items()}
