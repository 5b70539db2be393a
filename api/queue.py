"""The jobs table is the queue: insert, claim, heartbeat, settle, recover, cancel; and the workers' register.

Every state change is one conditional UPDATE, so two processes can never both win it:

- a claim moves a ``queued`` job to ``running`` only if it is still ``queued`` (compare-and-set; on
  PostgreSQL the candidate row is also picked ``FOR UPDATE SKIP LOCKED``, so claimers never wait
  on each other), takes the next attempt number and names the worker;
- the claim is a lease: ``(worker_id, attempts)``. Heartbeats, progress and the final state are
  written only ``WHERE status = 'running' AND worker_id = :me AND attempts = :n``. A worker that
  lost its lease (its job was recovered after its heartbeats stopped) can write nothing;
- recovery touches only ``running`` jobs whose heartbeat is older than the stale limit: they go
  back to ``queued`` (or, after ``max_attempts`` claims, to ``failed`` with the reason);
- a cancel of a ``queued`` job settles it at once; a ``running`` job gets ``cancel_requested`` and
  its worker stops the solver at its next heartbeat.

Timestamps are the workers' own clocks (UTC): hosts sharing a database need NTP, and the stale
limit (default 30 s) is far above any sane skew.
"""

from __future__ import annotations

import datetime as dt
import os
import socket
from dataclasses import dataclass
from typing import Any

from sqlalchemy import case, delete, or_, select, update
from sqlalchemy.orm import Session

from api.models import JobRecord, ScenarioRecord, WorkerRecord, utcnow

FINAL = ("succeeded", "failed", "cancelled")
STALE_REQUEUED = "its worker stopped sending heartbeats; queued again (attempt {n} of {limit} failed)"
STALE_FAILED = "its worker stopped sending heartbeats on each of {limit} attempts; the job was given up"


@dataclass(frozen=True)
class Lease:
    """A worker's hold on one job: only this (worker, attempt) may write the job's progress and outcome."""

    job_id: str
    worker_id: str
    attempt: int


@dataclass(frozen=True)
class ClaimedJob:
    """What a worker needs to run a job it has claimed."""

    lease: Lease
    scenario: dict[str, Any]
    time_limit_s: float


def _held(lease: Lease):
    return (JobRecord.id == lease.job_id, JobRecord.status == "running", JobRecord.worker_id == lease.worker_id,
            JobRecord.attempts == lease.attempt)


# ---- claiming ---------------------------------------------------------------------------------
def claim(session: Session, worker_id: str, *, max_tries: int = 5) -> ClaimedJob | None:
    """Claim the oldest queued job for ``worker_id`` (committed), or None when there is none."""
    for _ in range(max_tries):
        candidate = session.execute(
            select(JobRecord.id, JobRecord.attempts).where(JobRecord.status == "queued",
                                                           JobRecord.cancel_requested.is_(False))
            .order_by(JobRecord.created_at, JobRecord.id).limit(1)
            .with_for_update(skip_locked=True)).first()  # SQLite ignores FOR UPDATE: the CAS below decides
        if candidate is None:
            session.rollback()
            return None
        job_id, attempts = candidate
        now = utcnow()
        won = session.execute(
            update(JobRecord).where(JobRecord.id == job_id, JobRecord.status == "queued",
                                    JobRecord.attempts == attempts, JobRecord.cancel_requested.is_(False))
            .values(status="running", worker_id=worker_id, attempts=attempts + 1, heartbeat_at=now,
                    started_at=now, error=None)).rowcount == 1
        if not won:  # another worker took it between our read and our write (SQLite): try the next
            session.rollback()
            continue
        job = session.get(JobRecord, job_id)
        assert job is not None
        scen = session.get(ScenarioRecord, job.scenario_id)
        assert scen is not None
        claimed = ClaimedJob(Lease(job_id, worker_id, attempts + 1), scen.document, job.time_limit_s)
        session.commit()
        return claimed
    return None


def heartbeat(session: Session, lease: Lease, *, elapsed_s: float | None = None,
              best_cost: int | None = None) -> bool | None:
    """Renew the lease and store progress; True when a cancel was asked, None when the lease is lost.

    The best cost so far never goes up: a restart's worse first solution leaves the stored best.
    """
    values: dict[str, Any] = {"heartbeat_at": utcnow()}
    if elapsed_s is not None:
        values["elapsed_s"] = float(elapsed_s)
    if best_cost is not None:
        cost = int(best_cost)
        values["best_cost"] = case((JobRecord.best_cost.is_(None), cost), (JobRecord.best_cost > cost, cost),
                                   else_=JobRecord.best_cost)
    if session.execute(update(JobRecord).where(*_held(lease)).values(**values)).rowcount != 1:
        session.rollback()
        return None
    cancel = bool(session.scalar(select(JobRecord.cancel_requested).where(JobRecord.id == lease.job_id)))
    session.commit()
    return cancel


def settle(session: Session, lease: Lease, status: str, **values: Any) -> bool:
    """Write a held job's final state (no commit: the caller stores the plan in the same transaction).

    False when the lease is lost: nothing is written and the caller must roll back.
    """
    assert status in FINAL
    values = {"finished_at": utcnow(), **values}
    return session.execute(update(JobRecord).where(*_held(lease)).values(status=status, **values)).rowcount == 1


def release(session: Session, lease: Lease, reason: str | None = None) -> bool:
    """Give a held job back to the queue (committed), saying why; True when it was still held."""
    ok = session.execute(update(JobRecord).where(*_held(lease))
                         .values(status="queued", worker_id=None, heartbeat_at=None, error=reason)).rowcount == 1
    session.commit()
    return ok


def recover_stale(session: Session, *, stale_s: float, max_attempts: int) -> tuple[int, int]:
    """Re-queue (or fail, after ``max_attempts``) running jobs whose heartbeat is older than ``stale_s``.

    Returns (re-queued, failed). A job whose heartbeat is fresh is never touched.
    """
    cutoff = utcnow() - dt.timedelta(seconds=stale_s)
    stale = (JobRecord.status == "running", or_(JobRecord.heartbeat_at.is_(None), JobRecord.heartbeat_at < cutoff))
    requeued = failed = 0
    rows = session.execute(select(JobRecord.id, JobRecord.attempts, JobRecord.cancel_requested, JobRecord.worker_id)
                           .where(*stale)).all()
    for job_id, attempts, cancel, worker_id in rows:
        # each change is guarded by the row as we read it: a heartbeat in between wins
        guard = (JobRecord.id == job_id, *stale, JobRecord.attempts == attempts,
                 JobRecord.worker_id.is_(None) if worker_id is None else JobRecord.worker_id == worker_id)
        if cancel:
            values = dict(status="cancelled", finished_at=utcnow(),
                          error="its worker stopped while the job was being cancelled; no plan was kept")
        elif attempts >= max_attempts:
            values = dict(status="failed", finished_at=utcnow(), error=STALE_FAILED.format(limit=max_attempts))
        else:
            values = dict(status="queued", worker_id=None, heartbeat_at=None,
                          error=STALE_REQUEUED.format(n=attempts, limit=max_attempts))
        if session.execute(update(JobRecord).where(*guard).values(**values)).rowcount == 1:
            if values["status"] == "queued":
                requeued += 1
            else:
                failed += 1
    session.commit()
    return requeued, failed


# ---- the API side -----------------------------------------------------------------------------
def request_cancel(session: Session, job_id: str) -> str:
    """Ask a job to stop (committed): a queued job is cancelled at once; a running one is flagged for its worker.

    Returns the job's status afterwards ("cancelled" or "running"), or its final status if it had already ended.
    """
    session.execute(update(JobRecord).where(JobRecord.id == job_id, JobRecord.status.in_(("queued", "running")))
                    .values(cancel_requested=True))
    session.execute(update(JobRecord).where(JobRecord.id == job_id, JobRecord.status == "queued")
                    .values(status="cancelled", finished_at=utcnow()))
    session.commit()
    return session.scalar(select(JobRecord.status).where(JobRecord.id == job_id)) or "cancelled"


# ---- workers ----------------------------------------------------------------------------------
def register_worker(session: Session, worker_id: str, *, embedded: bool) -> None:
    """Record a worker (committed); rows of workers silent for a day are cleared."""
    session.execute(delete(WorkerRecord).where(WorkerRecord.heartbeat_at < utcnow() - dt.timedelta(days=1)))
    session.add(WorkerRecord(id=worker_id, host=socket.gethostname()[:255], pid=os.getpid(), embedded=embedded))
    session.commit()


def worker_beat(session: Session, worker_id: str, job_id: str | None) -> None:
    """A worker's own heartbeat (committed)."""
    session.execute(update(WorkerRecord).where(WorkerRecord.id == worker_id)
                    .values(heartbeat_at=utcnow(), job_id=job_id))
    session.commit()


def unregister_worker(session: Session, worker_id: str) -> None:
    """Remove a worker that stops cleanly (committed)."""
    session.execute(delete(WorkerRecord).where(WorkerRecord.id == worker_id))
    session.commit()


def live_workers(session: Session, *, stale_s: float) -> list[WorkerRecord]:
    """Workers whose last heartbeat is within ``stale_s``, oldest first."""
    cutoff = utcnow() - dt.timedelta(seconds=stale_s)
    return list(session.scalars(select(WorkerRecord).where(WorkerRecord.heartbeat_at >= cutoff)
                                .order_by(WorkerRecord.started_at)))
