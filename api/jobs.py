"""Optimisation jobs: solved in a worker process pool, outside the request; the job row is the truth.

A request stores a ``queued`` job and returns 202. The runner submits it to a
``ProcessPoolExecutor``; the worker reports progress (best cost, seconds) through a shared dict
and checks it for a cancel flag. A monitor thread in the service copies progress to the job row
and, when the worker finishes, stores the validated plan, its routes and the job's status in one
transaction (a plan is never half-stored). At start-up, jobs left ``running`` by a stopped
service are marked ``failed`` with the reason, and ``queued`` ones are submitted again.
"""

from __future__ import annotations

import logging
import multiprocessing
import threading
import time
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from api.models import JobRecord, ScenarioRecord, utcnow

log = logging.getLogger(__name__)
RESTARTED = "the service stopped while this job was running; start a new job"


class _Reporter:
    """The solver's callbacks in the worker: write progress, read the cancel flag."""

    def __init__(self, shared, job_id: str):
        self.shared, self.job_id = shared, job_id
        self._last_check, self._stop = 0.0, False

    def on_progress(self, best_cost: int, elapsed_s: float) -> None:
        self.shared[self.job_id] = {"best_cost": int(best_cost), "elapsed_s": float(elapsed_s)}

    def should_stop(self) -> bool:
        now = time.monotonic()
        if now - self._last_check > 0.2:
            self._last_check = now
            self._stop = bool(self.shared.get(f"cancel:{self.job_id}", False))
        return self._stop


def run_job(job_id: str, scenario_doc: dict[str, Any], time_limit_s: float, shared) -> dict[str, Any]:
    """Worker entry point: plan the scenario, validate it, draw it; return JSON-safe results."""
    from transport.planning.plan import plan_scenario
    from transport.domain.scenario import parse_scenario

    shared[job_id] = {"best_cost": None, "elapsed_s": 0.0}
    scenario = parse_scenario(scenario_doc, source=f"job {job_id}")
    doc = plan_scenario(scenario, time_limit_s=time_limit_s, callbacks=_Reporter(shared, job_id))
    return {"document": doc.to_dict(), "geojson": doc.routes_geojson(), "kpis": doc.kpis(),
            "violations": doc.violations}


class JobRunner:
    """Owns the worker pool and the monitor thread of one service process."""

    def __init__(self, sessions: sessionmaker[Session], *, workers: int = 1, poll_s: float = 0.25):
        self.sessions, self.workers, self.poll_s = sessions, workers, poll_s
        self._pool: ProcessPoolExecutor | None = None
        self._manager = None
        self._shared = None
        self._futures: dict[str, Future] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # ---- lifecycle ----------------------------------------------------------------------------
    def start(self) -> None:
        """Start the pool and monitor; fail interrupted jobs, resubmit queued ones."""
        ctx = multiprocessing.get_context("spawn")
        self._manager = ctx.Manager()
        self._shared = self._manager.dict()
        self._pool = ProcessPoolExecutor(max_workers=self.workers, mp_context=ctx)
        self.recover()
        self._thread = threading.Thread(target=self._monitor, name="job-monitor", daemon=True)
        self._thread.start()

    def alive(self) -> bool:
        """Whether jobs can run (pool and monitor up)."""
        return self._pool is not None and self._thread is not None and self._thread.is_alive()

    def shutdown(self) -> None:
        """Ask running solves to stop and close the pool (their jobs are failed at the next start)."""
        if self._pool is None:
            return
        self._stop.set()
        with self._lock:
            for job_id in self._futures:
                try:
                    self._shared[f"cancel:{job_id}"] = True  # type: ignore[index]
                except Exception:
                    pass
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._pool.shutdown(wait=True, cancel_futures=True)
        if self._manager is not None:
            self._manager.shutdown()
        self._pool = None

    def recover(self) -> None:
        """Jobs a previous process left ``running`` become ``failed``; ``queued`` ones are submitted."""
        with self.sessions() as s:
            s.execute(update(JobRecord).where(JobRecord.status == "running")
                      .values(status="failed", error=RESTARTED, finished_at=utcnow()))
            s.commit()
            queued = list(s.scalars(select(JobRecord.id).where(JobRecord.status == "queued")))
        for job_id in queued:
            self.submit(job_id)

    # ---- work ---------------------------------------------------------------------------------
    def submit(self, job_id: str) -> None:
        """Send a stored ``queued`` job to the pool."""
        if self._pool is None:
            return  # not started (e.g. a test app without workers): the job stays queued
        with self.sessions() as s:
            job = s.get(JobRecord, job_id)
            if job is None or job.status != "queued":
                return
            scen = s.get(ScenarioRecord, job.scenario_id)
            assert scen is not None
            doc, limit = scen.document, job.time_limit_s
        with self._lock:
            self._futures[job_id] = self._pool.submit(run_job, job_id, doc, limit, self._shared)

    def cancel(self, job_id: str) -> bool:
        """Signal a solve to stop; False when this runner does not hold the job (the caller settles the row)."""
        with self._lock:
            fut = self._futures.get(job_id)
        if fut is None:
            return False
        if not fut.cancel() and self._shared is not None:
            self._shared[f"cancel:{job_id}"] = True
        return True

    def _monitor(self) -> None:
        while not self._stop.is_set():
            try:
                self._tick()
            except Exception:  # keep monitoring; the message carries no personal data
                log.exception("job monitor tick failed")
            self._stop.wait(self.poll_s)

    def _tick(self) -> None:
        with self._lock:
            items = list(self._futures.items())
        for job_id, fut in items:
            progress = self._shared.get(job_id) if self._shared is not None else None
            with self.sessions() as s:
                job = s.get(JobRecord, job_id)
                if job is None:
                    continue
                if job.cancel_requested and job.status in ("queued", "running"):
                    self.cancel(job_id)
                if fut.done():
                    self._finish(s, job, fut)
                    with self._lock:
                        self._futures.pop(job_id, None)
                    continue
                if progress is not None and job.status in ("queued", "running"):
                    if job.status == "queued":
                        job.status, job.started_at = "running", utcnow()
                    job.elapsed_s = float(progress.get("elapsed_s") or 0.0)
                    job.progress = round(min(0.99, job.elapsed_s / max(job.time_limit_s, 1e-9)), 3)
                    if progress.get("best_cost") is not None:
                        job.best_cost = int(progress["best_cost"])
                    s.commit()

    def _finish(self, s: Session, job: JobRecord, fut: Future) -> None:
        from api.services.planning import store_plan

        if job.cancel_requested or fut.cancelled():
            job.status, job.finished_at = "cancelled", utcnow()
            s.commit()
            return
        exc = fut.exception()
        if exc is not None:
            job.status, job.finished_at = "failed", utcnow()
            job.error = f"{type(exc).__name__}: {exc}"[:2000]
            s.commit()
            return
        try:
            plan = store_plan(s, job, fut.result())
            job.status, job.plan_id, job.progress, job.finished_at = "succeeded", plan.id, 1.0, utcnow()
            s.commit()
        except Exception as err:  # nothing of the plan is kept: the job says why
            s.rollback()
            job = s.get(JobRecord, job.id)  # type: ignore[assignment]
            job.status, job.finished_at, job.error = "failed", utcnow(), f"storing the plan failed: {type(err).__name__}: {err}"[:2000]
            s.commit()
