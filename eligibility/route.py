"""``WalkRoute``: the (lon, lat) vertices of a measured walking route, held as one float array.

A decision's route has a few hundred vertices; a cohort's routes have millions. Held as Python
tuples they cost more to build, validate and garbage-collect than the rest of the decision, so
the measurer hands the route over as an ``(n, 2)`` array. Everything outside sees the same
thing as before: a sequence of ``(lon, lat)`` tuples of floats, equal to the list of those
tuples, dumped and serialised (``model_dump``, JSON, OpenAPI schema) exactly as a
``list[tuple[float, float]]`` field was.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np
from pydantic import GetCoreSchemaHandler
from pydantic_core import core_schema

_PAIRS = core_schema.list_schema(core_schema.tuple_schema([core_schema.float_schema(), core_schema.float_schema()]))


class WalkRoute(Sequence):
    """An immutable sequence of ``(lon, lat)`` float pairs backed by a read-only ``(n, 2)`` array."""

    __slots__ = ("_xy",)

    def __init__(self, lonlat: Any = ()):
        xy = np.array(lonlat, dtype=float).reshape(-1, 2) if not isinstance(lonlat, np.ndarray) \
            else lonlat.astype(float, copy=False).reshape(-1, 2)
        xy.flags.writeable = False
        self._xy = xy

    @classmethod
    def of_array(cls, lonlat: np.ndarray) -> WalkRoute:
        """Wrap an ``(n, 2)`` float array the caller will not change (no copy)."""
        route = cls.__new__(cls)
        route._xy = lonlat
        return route

    @property
    def lonlat(self) -> np.ndarray:
        """The vertices as a read-only ``(n, 2)`` array of lon, lat."""
        return self._xy

    def pairs(self) -> list[tuple[float, float]]:
        """The vertices as a list of ``(lon, lat)`` tuples."""
        return list(zip(self._xy[:, 0].tolist(), self._xy[:, 1].tolist()))

    def __len__(self) -> int:
        return len(self._xy)

    def __getitem__(self, i):
        if isinstance(i, slice):
            return WalkRoute.of_array(self._xy[i])
        lon, lat = self._xy[i].tolist()
        return (lon, lat)

    def __iter__(self) -> Iterator[tuple[float, float]]:
        return iter(self.pairs())

    def __eq__(self, other: object) -> bool:
        if isinstance(other, WalkRoute):
            return self._xy.shape == other._xy.shape and bool(np.array_equal(self._xy, other._xy))
        if isinstance(other, (list, tuple)):
            return self.pairs() == [tuple(p) for p in other]
        return NotImplemented

    def __reduce__(self):
        return (WalkRoute, (self._xy,))   # unpickled read-only, as built

    def __hash__(self) -> int:
        return hash(self._xy.tobytes())

    def __repr__(self) -> str:
        return f"WalkRoute({len(self)} vertices)"

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: GetCoreSchemaHandler) -> core_schema.CoreSchema:
        from_pairs = core_schema.no_info_after_validator_function(cls, _PAIRS)
        return core_schema.json_or_python_schema(
            json_schema=from_pairs,
            python_schema=core_schema.union_schema([core_schema.is_instance_schema(cls), from_pairs]),
            serialization=core_schema.plain_serializer_function_ser_schema(
                lambda r: r.pairs(), return_schema=_PAIRS, when_used="always"),
        )
