"""The jobs table as a queue (api/queue.py), on SQLite and PostgreSQL: claims, leases, recovery, cancel."""

from __future__ import annotations

import datetime as dt

from api import queue
from api.models import JobRecord, ScenarioRecord, utcnow


def _jobs(sessions, *specs: dict) -> int:
    with sessions() as s:
        scen = ScenarioRecord(name="q", session="am", source="upload", children=0, document={}, created_by="t")
        s.add(scen)
        s.flush()
        for i, spec in enumerate(specs):
            s.add(JobRecord(**{"id": f"{i:032d}", "scenario_id": scen.id, "status": "queued", "time_limit_s": 1,
                               "created_by": "t", "created_at": utcnow() + dt.timedelta(seconds=i), **spec}))
        s.commit()
        return scen.id


def _job(sessions, i: int) -> JobRecord:
    with sessions() as s:
        job = s.get(JobRecord, f"{i:032d}")
        assert job is not None
        return job


def test_claims_oldest_once(backend):
    """Queued jobs are claimed oldest first, each by one worker only; a cancelled-while-queued job is never claimed."""
    _, _, sessions = backend
    _jobs(sessions, {}, {"cancel_requested": True}, {})
    with sessions() as s:
        a = queue.claim(s, "w1" * 16)
    with sessions() as s:
        b = queue.claim(s, "w2" * 16)
    with sessions() as s:
        assert queue.claim(s, "w3" * 16) is None
    assert a is not None and b is not None
    assert (a.lease.job_id, b.lease.job_id) == (f"{0:032d}", f"{2:032d}")
    assert a.lease.attempt == b.lease.attempt == 1
    job = _job(sessions, 0)
    assert job.status == "running" and job.worker_id == "w1" * 16 and job.attempts == 1 and job.heartbeat_at


def test_lease_guards_every_write(backend):
    """Only the holder of the current lease may beat or settle; a stale lease writes nothing."""
    _, _, sessions = backend
    _jobs(sessions, {})
    with sessions() as s:
        claimed = queue.claim(s, "w1" * 16)
    assert claimed is not None
    other = queue.Lease(claimed.lease.job_id, "w2" * 16, claimed.lease.attempt)
    old = queue.Lease(claimed.lease.job_id, claimed.lease.worker_id, claimed.lease.attempt - 1)
    with sessions() as s:
        assert queue.heartbeat(s, other, elapsed_s=1.0) is None
        assert queue.heartbeat(s, claimed.lease, elapsed_s=1.5, best_cost=123) is False
        assert not queue.settle(s, old, "failed", error="not mine")
        s.rollback()
        assert queue.settle(s, claimed.lease, "succeeded", progress=1.0)
        s.commit()
    with sessions() as s:  # the final state can't be overwritten, not even by its own lease
        assert not queue.settle(s, claimed.lease, "failed", error="late")
        assert queue.heartbeat(s, claimed.lease) is None
        s.rollback()
    job = _job(sessions, 0)
    assert job.status == "succeeded" and job.error is None and job.best_cost == 123 and job.elapsed_s == 1.5


def test_best_cost_never_goes_up(backend):
    """A heartbeat with a worse cost (a restart's first solution) leaves the best so far."""
    _, _, sessions = backend
    _jobs(sessions, {})
    with sessions() as s:
        claimed = queue.claim(s, "w1" * 16)
    assert claimed is not None
    for cost in (31985, 35629, 31990, 31000):
        with sessions() as s:
            assert queue.heartbeat(s, claimed.lease, best_cost=cost) is False
    assert _job(sessions, 0).best_cost == 31000
    with sessions() as s:
        assert queue.heartbeat(s, claimed.lease, best_cost=40000) is False
    assert _job(sessions, 0).best_cost == 31000


def test_recovery_touches_only_stale_jobs(backend):
    """A fresh heartbeat is never recovered; stale ones are queued again, or failed after the attempt limit."""
    _, _, sessions = backend
    now = utcnow()
    _jobs(sessions,
          {"status": "running", "worker_id": "a" * 32, "attempts": 1, "heartbeat_at": now},
          {"status": "running", "worker_id": "b" * 32, "attempts": 1, "heartbeat_at": now - dt.timedelta(seconds=60)},
          {"status": "running", "worker_id": "c" * 32, "attempts": 3, "heartbeat_at": now - dt.timedelta(seconds=60)},
          {"status": "running", "worker_id": "d" * 32, "attempts": 1, "heartbeat_at": now - dt.timedelta(seconds=60),
           "cancel_requested": True})
    with sessions() as s:
        assert queue.recover_stale(s, stale_s=30, max_attempts=3) == (1, 2)
    fresh, stale, spent, cancelling = (_job(sessions, i) for i in range(4))
    assert fresh.status == "running" and fresh.worker_id == "a" * 32 and fresh.error is None
    assert stale.status == "queued" and stale.worker_id is None and "heartbeats" in stale.error
    assert spent.status == "failed" and "3 attempts" in spent.error and spent.finished_at
    assert cancelling.status == "cancelled"
    with sessions() as s:  # the re-queued job is claimed again, as attempt 2
        again = queue.claim(s, "e" * 32)
    assert again is not None and again.lease.job_id == stale.id and again.lease.attempt == 2


def test_cancel_through_the_database(backend):
    """A queued job is cancelled at once; a running one is flagged and its worker hears it at the next heartbeat."""
    _, _, sessions = backend
    _jobs(sessions, {}, {})
    with sessions() as s:
        claimed = queue.claim(s, "w1" * 16)
    assert claimed is not None
    with sessions() as s:
        assert queue.request_cancel(s, f"{1:032d}") == "cancelled"
        assert queue.request_cancel(s, claimed.lease.job_id) == "running"
        assert queue.heartbeat(s, claimed.lease) is True
    assert _job(sessions, 1).status == "cancelled"


def test_workers_register_and_go_stale(backend):
    """Live workers are those with a recent heartbeat; a stopped worker leaves the register."""
    _, _, sessions = backend
    with sessions() as s:
        queue.register_worker(s, "a" * 32, embedded=False)
        queue.register_worker(s, "b" * 32, embedded=True)
        queue.worker_beat(s, "b" * 32, "j" * 32)
        assert {w.id for w in queue.live_workers(s, stale_s=30)} == {"a" * 32, "b" * 32}
        assert queue.live_workers(s, stale_s=0) == []
        queue.unregister_worker(s, "a" * 32)
        assert [(w.id, w.job_id) for w in queue.live_workers(s, stale_s=30)] == [("b" * 32, "j" * 32)]
