"""The service's eligibility engine: decisions run concurrently (no process-wide lock) and agree with serial ones."""

from __future__ import annotations

import csv
import threading
from concurrent.futures import ThreadPoolExecutor

from api.engine import EligibilityEngine
from api.schemas.applications import ApplicationCreate
from api.services.applications import body_from_row
from tests.api.conftest import COHORT_CSV, application_body


class _Rendezvous:
    """An assessor stand-in whose ``assess`` returns only once two callers are inside it at the same time."""

    def __init__(self, inner):
        self.policy = inner.policy
        self._inner = inner
        self._barrier = threading.Barrier(2, timeout=5)

    def assess(self, app, *, no_place_at=frozenset()):
        self._barrier.wait()  # BrokenBarrierError if the engine lets only one caller in at a time
        return self._inner.assess(app, no_place_at=no_place_at)


def test_two_checks_run_at_the_same_time(eligibility_engine):
    """Two threads are inside the assessor together: the engine serialises nothing."""
    engine = EligibilityEngine.with_assessor(_Rendezvous(eligibility_engine.assessor()))
    app = ApplicationCreate.model_validate(application_body()).to_domain()
    with ThreadPoolExecutor(2) as pool:
        got = list(pool.map(lambda _: engine.assess(app).eligible, range(2)))
    assert got == [True, True]


def test_concurrent_decisions_equal_serial_ones(eligibility_engine):
    """Eight threads deciding the sample cohort give the same decisions, byte for byte, as one thread."""
    with open(COHORT_CSV, encoding="utf-8") as fh:
        apps = [body_from_row(row).to_domain() for row in csv.DictReader(fh)] * 4
    serial = [eligibility_engine.assess(a).model_dump_json() for a in apps]
    with ThreadPoolExecutor(8) as pool:
        parallel = list(pool.map(lambda a: eligibility_engine.assess(a).model_dump_json(), apps))
    assert parallel == serial


def test_background_load_freezes_what_it_loaded():
    """Once loaded at start-up, the engine's objects are in the permanent generation (no full-collection pauses)."""
    import gc
    import time

    gc.unfreeze()
    loaded = {"kent": object()}
    engine = EligibilityEngine("kent", (), loader=loaded.__getitem__)
    engine.start_background_load()
    end = time.monotonic() + 30
    while gc.get_freeze_count() == 0 and time.monotonic() < end:
        time.sleep(0.01)
    try:
        assert engine.state == "loaded" and gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
