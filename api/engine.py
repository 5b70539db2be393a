"""The eligibility engine inside the service: one ``Assessor`` per policy, loaded once, shared by every request.

Deciding is a pure read of immutable data (networks, search trees, schools, the policy), so
requests run concurrently with no lock. The only lock guards loading an assessor, which happens
once per policy. What the decision path calls is thread-safe: numpy and scipy arrays are only read,
shapely 2 geometries and STRtree queries are immutable, pyproj (>= 3.1) gives each thread its own
transformer, and the ``lru_cache``s it uses are thread-safe.
"""

from __future__ import annotations

import gc
import logging
import threading
from collections.abc import Callable

from eligibility.rules import Decision
from eligibility.service import Assessor
from transport.domain.errors import InputError
from transport.domain.models import Application

log = logging.getLogger(__name__)


class EligibilityEngine:
    """Loads assessors lazily (or in the background at start-up); deciding takes no lock."""

    def __init__(self, default_policy: str, allowed: tuple[str, ...],
                 loader: Callable[[str], Assessor] = Assessor.from_settings):
        self.default_policy = default_policy
        self.allowed = tuple(dict.fromkeys((default_policy, *allowed)))
        self._loader = loader
        self._assessors: dict[str, Assessor] = {}
        self._load_lock = threading.Lock()
        self.state = "not_loaded"

    @classmethod
    def with_assessor(cls, assessor: Assessor, *, others: dict[str, Assessor] | None = None) -> "EligibilityEngine":
        """An engine around already-loaded assessors (tests)."""
        pols = {assessor.policy.id: assessor, **(others or {})}
        eng = cls(assessor.policy.id, tuple(pols), loader=lambda name: pols[name])
        eng._assessors.update(pols)
        eng.state = "loaded"
        return eng

    def start_background_load(self) -> None:
        """Load the default policy's assessor in a thread (readiness reports ``loading`` until done)."""
        self.state = "loading"
        threading.Thread(target=self._preload, name="eligibility-load", daemon=True).start()

    def _preload(self) -> None:
        try:
            self.assessor()
        except Exception:  # reported by /ready; the message names files, not people
            log.exception("eligibility engine failed to load")
            self.state = "failed"
            return
        # The networks, searches and schools live as long as the process: move them (and everything else
        # loaded by now) out of the collector's reach, so a full collection no longer walks them. Without
        # this a full collection under load paused the service for about half a second (Rutland).
        gc.collect()
        gc.freeze()

    def is_loaded(self, policy: str | None = None) -> bool:
        """Whether ``policy``'s assessor (default: the policy in force) is loaded, so deciding takes no loading."""
        return (policy or self.default_policy) in self._assessors

    def assessor(self, policy: str | None = None) -> Assessor:
        """The assessor for ``policy`` (default: the policy in force)."""
        name = policy or self.default_policy
        if name not in self.allowed:
            raise InputError(f"policy {name!r} is not one of {', '.join(self.allowed)}")
        got = self._assessors.get(name)
        if got is None:
            with self._load_lock:
                got = self._assessors.get(name)
                if got is None:
                    got = self._assessors[name] = self._loader(name)
                    if name == self.default_policy:
                        self.state = "loaded"
        return got

    def assess(self, app: Application, *, no_place_at: frozenset[str] = frozenset(),
               policy: str | None = None) -> Decision:
        """Decide one application."""
        return self.assessor(policy).assess(app, no_place_at=no_place_at)

    def assess_many(self, apps: list[Application], places: list[frozenset[str]], *, policy: str | None = None):
        """Decide many applications at once (decisions, row errors)."""
        return self.assessor(policy).assess_many(apps, no_place_at=places)
